import { getDb, type DbOrTx } from "@/db/client";
import type { MojaloopParty } from "@/db/schema";
import { mojaloopCallbackUrl } from "@/server/services/connections/connection-view";
import type { RailConnection, RailHealth } from "../payment-rail";
import type { PartyIdType } from "./fspiop-schemas";
import { callbackTimeoutMs, fspiopPartyId, mojaloopSettingsOf } from "./mojaloop-connection";
import { readParties, requestPartyLookups } from "./party-lookups";

/** Test connection waits at most this long for the party callback (or the connection's callback timeout, when shorter). */
export const HEALTH_WAIT_CAP_MS = 20_000;
const POLL_MS = 250;

/**
 * "Test connection" of a Mojaloop connection (docs/rails/mojaloop-connections.md, "Callbacks"): a
 * party lookup of the connection's `testParty` (requestPartyLookups with `force`: its row goes back
 * to PENDING and a GET /parties goes out), then the row is read until the switch's callback has
 * moved it (the callbacks route applies it, in whichever app process the switch reaches). This
 * proves the whole loop — our request reached the switch, and its answer reached our callback URL
 * through the allowlist and signature checks. A party the switch does not know is still a working
 * connection (the switch answered); no answer within the wait names the callback URL to check.
 */
export async function checkMojaloopHealth(connection: RailConnection, deps: { db?: DbOrTx; maxWaitMs?: number } = {}): Promise<RailHealth> {
  const settings = mojaloopSettingsOf(connection);
  const testParty = settings.testParty;
  if (!testParty) {
    return {
      healthy: false,
      unknown: true,
      message:
        "No test party is set, so the switch was not asked. Set a test party (a phone number or other party id the switch knows) in the connection's settings: Test connection looks it up at the switch.",
    };
  }
  const db = deps.db ?? getDb();
  const type = testParty.type as PartyIdType;
  const identifier = type === "MSISDN" ? fspiopPartyId(testParty.identifier) : testParty.identifier;
  const label = `${type} ${testParty.identifier}`;
  const sent = await requestPartyLookups(db, connection, [identifier], { force: true, type, concurrency: 1 });
  if (sent.failedToSend > 0) {
    const row = (await readParties(db, connection.id, [identifier], type)).get(identifier);
    return { healthy: false, message: `The switch at ${settings.baseUrl} did not take the lookup of ${label}: ${row?.errorMessage ?? "the request failed"}` };
  }

  const waitMs = Math.min(deps.maxWaitMs ?? HEALTH_WAIT_CAP_MS, callbackTimeoutMs(connection));
  const deadline = Date.now() + waitMs;
  let row: MojaloopParty | undefined;
  for (;;) {
    row = (await readParties(db, connection.id, [identifier], type)).get(identifier);
    if (row && row.status !== "PENDING") break;
    if (Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  if (!row || row.status === "PENDING") {
    return {
      healthy: false,
      message:
        `The switch took the lookup of ${label} but no callback arrived within ${Math.round(waitMs / 1000)} s. ` +
        `Check that the switch has ${mojaloopCallbackUrl(connection.id)} as the callback URL of FSP ${settings.fspId}, and that its address is in the callback allowlist.`,
    };
  }
  const error = row.errorMessage ?? (row.errorCode ? `FSPIOP error ${row.errorCode}` : "no reason given");
  switch (row.status) {
    case "RESOLVED":
      return {
        healthy: true,
        message: `Found ${row.name ?? "the party (no name given)"} at ${row.fspId ?? "an unnamed FSP"}: the switch answered the lookup of ${label}.`,
      };
    case "NOT_FOUND":
      return {
        healthy: true,
        message: `The switch answered: ${label} is not known there (${error}). The connection works; set a test party the scheme knows to see a name.`,
      };
    case "FAILED":
      return { healthy: false, message: `The switch answered the lookup of ${label} with an error: ${error}` };
  }
}
