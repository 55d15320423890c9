import { createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from "node:crypto";
import type { MojaloopSettings } from "@/server/schemas/connections.schema";
import type { RailConnection } from "../payment-rail";
import { FspiopClient } from "./fspiop-client";
import type { PayerInfo } from "./fspiop-requests";

/**
 * A Mojaloop connection as the rail uses it (docs/rails/mojaloop-connections.md): its settings, the
 * FSPIOP client for its switch, our payer party, and the keys of its JWS signatures. Opened only
 * where the rail runs (the worker, Test connection, the callbacks route); keys never leave here.
 */

export function mojaloopSettingsOf(connection: Pick<RailConnection, "settings">): MojaloopSettings {
  return connection.settings as MojaloopSettings;
}

/** Our signing key, when the connection has one (every request then carries an FSPIOP-Signature). */
export function signingKeyOf(connection: Pick<RailConnection, "credentials">): KeyObject | null {
  const pem = connection.credentials.jwsSigningKey;
  return pem ? createPrivateKey({ key: pem, format: "pem" }) : null;
}

/** The switch's public key (from a PEM key or certificate), when configured: callbacks must then be signed by it. */
export function switchKeyOf(connection: Pick<RailConnection, "credentials">): KeyObject | null {
  const pem = connection.credentials.switchCertificate;
  if (!pem) return null;
  return pem.includes("CERTIFICATE") ? new X509Certificate(pem).publicKey : createPublicKey({ key: pem, format: "pem" });
}

export function fspiopClientFor(connection: RailConnection): FspiopClient {
  const settings = mojaloopSettingsOf(connection);
  return new FspiopClient({
    baseUrl: settings.baseUrl,
    fspId: settings.fspId,
    timeoutMs: settings.requestTimeoutSeconds * 1000,
    signingKey: signingKeyOf(connection),
  });
}

/** How long a callback may take before the rail asks the switch (GET) instead of waiting. */
export function callbackTimeoutMs(connection: Pick<RailConnection, "settings">): number {
  return mojaloopSettingsOf(connection).callbackTimeoutSeconds * 1000;
}

/**
 * FSPIOP MSISDNs are digits only; destinations are stored E.164 with their `+`
 * (docs/rails.md "Destinations").
 */
export function fspiopPartyId(msisdn: string): string {
  return msisdn.startsWith("+") ? msisdn.slice(1) : msisdn;
}

/**
 * The payer of every quote: the programme's account at our FSP as the connection names it, else the
 * business identified by our FSP id (a scheme that needs a specific payer id sets `payer`).
 */
export function payerOf(connection: RailConnection, orgName?: string | null): PayerInfo {
  const settings = mojaloopSettingsOf(connection);
  const payer = settings.payer;
  return {
    type: payer?.type ?? "BUSINESS",
    identifier: payer?.identifier ?? settings.fspId,
    fspId: settings.fspId,
    name: payer?.name ?? orgName ?? null,
  };
}
