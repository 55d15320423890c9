import { BlockList, isIP } from "node:net";
import { and, eq } from "drizzle-orm";
import { getDb, type Db } from "@/db/client";
import { paymentConnections } from "@/db/schema";
import { normalizeAddress } from "@/server/http/client-address";
import { clientIp } from "@/server/http/client-ip";
import { logger, type Logger } from "@/server/log";
import { toRailConnection } from "@/server/services/connections/rail-connection";
import type { RailConnection } from "../payment-rail";
import { applyMojaloopCallback } from "./apply-callback";
import { parseFspiopCallback, type FspiopCallbackEvent } from "./fspiop-callbacks";
import { verifyFspiopSignature, type HeaderBag } from "./fspiop-jws";
import { mojaloopSettingsOf, switchKeyOf } from "./mojaloop-connection";

/**
 * The switch's callbacks (docs/rails/mojaloop-connections.md, "Callbacks"): one PUT received at
 * `/api/mojaloop/<connection id>/<resource path>`, checked in this order — the connection exists and
 * is a Mojaloop one (404), the source address is in its `callbackAllowlist` (403), it is a PUT (405),
 * the FSPIOP-Signature verifies with the switch's key when `switchCertificate` is configured, over
 * the raw body, and signs this very path and method (403), the form (parseFspiopCallback: 400/404/405,
 * naming the field), and the FSPIOP-Source / FSPIOP-Destination headers (not our own FSP id / ours).
 * The answer is given at once; the callback is applied afterwards (`schedule`: Next's `after()` in
 * the route, the next turn of the event loop elsewhere), because the switch does not wait for us and
 * resends nothing on a slow answer. Every refusal is logged with its reason and never the body.
 *
 * A disabled connection still takes callbacks: disabling stops new payments, but transfers already
 * sent settle at the switch whether we listen or not, and their outcome must be recorded.
 */

export type MojaloopCallbackInput = {
  connectionId: string;
  method: string;
  /** The URL path after `/api/mojaloop/<connection id>/`, split on "/" and decoded. */
  pathSegments: readonly string[];
  /** Web `Headers` (the route) or Node's incoming headers (loopback servers in tests). */
  headers: Headers | HeaderBag;
  /** The body's bytes exactly as received: the JWS signature covers them. */
  rawBody: Buffer;
  /** The client address (server/http/client-ip.ts in the route, the socket's address elsewhere). */
  sourceAddress: string | null;
};

export type FspiopErrorBody = { errorInformation: { errorCode: string; errorDescription: string } };

export type MojaloopCallbackOutcome = { applied: boolean; reason?: string };

export type MojaloopCallbackAnswer = {
  status: 200 | 400 | 403 | 404 | 405;
  /** An FSPIOP errorInformation on a refusal; nothing on 200. */
  body?: FspiopErrorBody;
  /** Settles once the scheduled processing has run (never rejects); absent on refusals. */
  processed?: Promise<MojaloopCallbackOutcome>;
};

export type ApplyMojaloopCallback = (
  db: Db,
  target: { orgId: string; connectionId: string },
  event: FspiopCallbackEvent,
  log: Logger,
) => Promise<MojaloopCallbackOutcome>;

export type ReceiveCallbackDeps = {
  db?: Db;
  log?: Logger;
  /** Runs the processing after the answer (the route passes Next's `after`). */
  schedule?: (task: () => Promise<void>) => void;
  /** The rail's state machine (server/rails/mojaloop/apply-callback.ts); tests may watch it. */
  apply?: ApplyMojaloopCallback;
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** FSPIOP caps errorDescription at 128 characters. */
function errorBody(code: string, description: string): FspiopErrorBody {
  return { errorInformation: { errorCode: code, errorDescription: description.length > 128 ? `${description.slice(0, 125)}...` : description } };
}

function toHeaderBag(headers: Headers | HeaderBag): HeaderBag {
  if (typeof (headers as Headers).entries === "function" && typeof (headers as Headers).get === "function") {
    return Object.fromEntries((headers as Headers).entries());
  }
  return headers as HeaderBag;
}

function headerOf(headers: HeaderBag, name: string): string | null {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name) return (Array.isArray(value) ? value[0] : value) ?? null;
  }
  return null;
}

/**
 * Whether `address` is one of `allowlist`'s addresses or inside one of its CIDR ranges (IPv4 or
 * IPv6; an IPv4-mapped IPv6 address counts as its IPv4 address). Entries that are not addresses
 * are ignored (the settings schema refuses them).
 */
export function addressAllowed(address: string | null, allowlist: readonly string[]): boolean {
  const source = address ? normalizeAddress(address) : null;
  if (!source) return false;
  const list = new BlockList();
  for (const entry of allowlist) {
    const [ip, bits] = entry.trim().split("/", 2) as [string, string | undefined];
    const kind = isIP(ip);
    if (kind === 0) continue;
    const type = kind === 4 ? "ipv4" : "ipv6";
    if (bits === undefined) {
      const single = normalizeAddress(ip) ?? ip;
      list.addAddress(single, isIP(single) === 4 ? "ipv4" : "ipv6");
    } else if (/^\d{1,3}$/.test(bits) && Number(bits) <= (kind === 4 ? 32 : 128)) list.addSubnet(ip, Number(bits), type);
  }
  return list.check(source, isIP(source) === 4 ? "ipv4" : "ipv6");
}

/** The callback's subject, for logs: kind and id (never the body). */
export function callbackSubject(event: FspiopCallbackEvent): string {
  switch (event.kind) {
    case "PARTY":
    case "PARTY_ERROR":
      return `${event.kind} ${event.partyIdType} ${event.partyIdentifier}`;
    case "QUOTE":
      return `QUOTE ${event.quoteId}`;
    case "BULK_QUOTE":
      return `BULK_QUOTE ${event.bulkQuoteId}`;
    case "TRANSFER":
      return `TRANSFER ${event.transferId}`;
    case "BULK_TRANSFER":
      return `BULK_TRANSFER ${event.bulkTransferId}`;
    case "ERROR":
      return `ERROR ${event.resource} ${event.id}`;
  }
}

async function loadMojaloopConnection(db: Db, connectionId: string): Promise<RailConnection | null> {
  if (!UUID.test(connectionId)) return null;
  const [row] = await db
    .select()
    .from(paymentConnections)
    .where(and(eq(paymentConnections.id, connectionId), eq(paymentConnections.railType, "MOJALOOP")));
  return row ? toRailConnection(db, row) : null;
}

/**
 * The signed FSPIOP-URI must name the path this request came to (the switch signs the resource path,
 * e.g. /transfers/<id>, possibly under a prefix), so a signed body cannot be replayed to another id.
 */
function signedUriMatches(headers: HeaderBag, segments: readonly string[]): boolean {
  const uri = headerOf(headers, "fspiop-uri");
  if (!uri) return false;
  let pathname: string;
  try {
    pathname = new URL(uri, "http://switch.invalid").pathname;
  } catch {
    return false;
  }
  const signed = pathname
    .split("/")
    .filter(Boolean)
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
  const wanted = segments.filter(Boolean);
  if (signed.length < wanted.length) return false;
  return wanted.every((s, i) => signed[signed.length - wanted.length + i] === s);
}

/** Receive one callback: the answer now, the processing scheduled (see the file's comment). */
export async function receiveMojaloopCallback(input: MojaloopCallbackInput, deps: ReceiveCallbackDeps = {}): Promise<MojaloopCallbackAnswer> {
  const log = (deps.log ?? logger).child({ event: "mojaloop.callback", connectionId: input.connectionId });
  const method = input.method.toUpperCase();
  const segments = input.pathSegments.filter((s) => s.length > 0);
  const resource = `/${segments.join("/")}`.slice(0, 200);
  const refuse = (status: 400 | 403 | 404 | 405, code: string, field: string, reason: string): MojaloopCallbackAnswer => {
    // The reason names the rule and the field, never the body's content or a key.
    log.warn({ outcome: "refused", status, field, reason, source: input.sourceAddress, method, resource }, `Mojaloop callback refused: ${reason}`);
    return { status, body: errorBody(code, reason) };
  };

  const db = deps.db ?? getDb();
  let connection: RailConnection | null;
  try {
    connection = await loadMojaloopConnection(db, input.connectionId);
  } catch (error) {
    // Damaged sealed credentials, say: the switch gets a plain refusal, staff get the log line.
    log.error({ outcome: "error", error: (error as Error)?.message ?? String(error) }, "Mojaloop callback: the connection could not be opened");
    throw error;
  }
  if (!connection) return refuse(404, "3002", "connection", "No Mojaloop connection has this callback URL.");
  const settings = mojaloopSettingsOf(connection);

  if (!addressAllowed(input.sourceAddress, settings.callbackAllowlist)) {
    return refuse(
      403,
      "3000",
      "source address",
      `Callbacks are accepted only from the connection's switch addresses; ${input.sourceAddress ?? "an unknown address"} is not one of them.`,
    );
  }
  if (method !== "PUT") return refuse(405, "3000", "method", `Callbacks are PUT requests, not ${method.slice(0, 10)}.`);

  const headers = toHeaderBag(input.headers);
  const switchKey = switchKeyOf(connection);
  if (switchKey) {
    const verdict = verifyFspiopSignature({ headers, rawBody: input.rawBody, publicKey: switchKey });
    if (!verdict.ok) return refuse(403, "3105", "header fspiop-signature", `Invalid FSPIOP signature: ${verdict.reason}.`);
    if (headerOf(headers, "fspiop-http-method")?.toUpperCase() !== "PUT" || !signedUriMatches(headers, segments)) {
      return refuse(403, "3106", "header fspiop-uri", `The signed FSPIOP-URI and FSPIOP-HTTP-Method are not this request's (PUT ${resource}).`);
    }
  }

  const parsed = parseFspiopCallback(method, segments, headers, input.rawBody);
  if (!parsed.ok) {
    const { status, field, message } = parsed.refusal;
    const code = status === 404 ? "3002" : status === 405 ? "3000" : field === "(body)" ? "3101" : /version/.test(message) ? "3001" : "3100";
    return refuse(status, code, field, message);
  }
  const event = parsed.event;
  if (event.source === settings.fspId) {
    return refuse(
      403,
      "3000",
      "header fspiop-source",
      `FSPIOP-Source is this platform's own FSP id (${settings.fspId}): a callback comes from the switch or the payee FSP.`,
    );
  }
  if (event.destination !== null && event.destination !== settings.fspId) {
    return refuse(400, "3100", "header fspiop-destination", `FSPIOP-Destination ${event.destination.slice(0, 40)} is not this connection's FSP id ${settings.fspId}.`);
  }

  const apply = deps.apply ?? applyMojaloopCallback;
  const schedule = deps.schedule ?? ((task) => void setImmediate(() => void task()));
  const target = { orgId: connection.orgId, connectionId: connection.id };
  const subject = callbackSubject(event);
  let settle: (outcome: MojaloopCallbackOutcome) => void = () => {};
  const processed = new Promise<MojaloopCallbackOutcome>((resolve) => (settle = resolve));
  schedule(async () => {
    let outcome: MojaloopCallbackOutcome;
    try {
      outcome = await apply(db, target, event, log);
      if (outcome.applied) log.debug({ outcome: "applied", subject }, "Mojaloop callback applied");
      // An id that is not ours (or no longer waited for): answered 200 all the same, and said here.
      else log.warn({ outcome: "ignored", subject, reason: outcome.reason, source: event.source }, `Mojaloop callback ignored: ${outcome.reason ?? "not applied"}`);
    } catch (error) {
      const message = (error as Error)?.message ?? String(error);
      log.error({ outcome: "error", subject, error: message }, `Mojaloop callback could not be applied: ${message}`);
      outcome = { applied: false, reason: `failed: ${message}` };
    }
    settle(outcome);
  });
  return { status: 200, processed };
}

function jsonAnswer(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", "cache-control": "no-store" } });
}

/**
 * The route's whole work (app/api/mojaloop/[connectionId]/[...path]/route.ts) on a Web request: the
 * source address from the client-address header the web server wrote (server/http/client-ip.ts, so
 * a client-sent X-Forwarded-For is never believed), the raw body, the answer as a Response. A failure
 * of our own (the database) is a 500 with an FSPIOP errorInformation and no detail.
 */
export async function respondToMojaloopCallback(
  request: Request,
  params: { connectionId: string; path?: readonly string[] },
  deps: ReceiveCallbackDeps = {},
): Promise<Response> {
  const log = deps.log ?? logger;
  try {
    const answer = await receiveMojaloopCallback(
      {
        connectionId: params.connectionId,
        method: request.method,
        pathSegments: params.path ?? [],
        headers: request.headers,
        rawBody: Buffer.from(await request.arrayBuffer()),
        sourceAddress: clientIp(request),
      },
      { ...deps, log },
    );
    return answer.body ? jsonAnswer(answer.status, answer.body) : new Response(null, { status: answer.status, headers: { "cache-control": "no-store" } });
  } catch (error) {
    log.error({ event: "mojaloop.callback", connectionId: params.connectionId, error: (error as Error)?.message ?? String(error) }, "Mojaloop callback failed");
    return jsonAnswer(500, errorBody("2001", "Internal server error."));
  }
}
