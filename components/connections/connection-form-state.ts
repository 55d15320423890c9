import type { RouterOutputs } from "@/components/disbursements/common";
import type { RailType } from "@/server/domain/rails";
import { MOJALOOP_TIMEOUTS } from "@/server/schemas/connections.schema";

/**
 * The connection form's values and their conversion to and from the service's shapes
 * (server/schemas/connections.schema.ts). No React: the dialog and its field groups share it.
 */
type Connection = RouterOutputs["connections"]["list"][number];

export type ConnectionFormState = {
  railType: RailType;
  name: string;
  horizonUrl: string;
  baseUrl: string;
  debtorIban: string;
  debtorAccountNumber: string;
  debtorBankCode: string;
  debtorBic: string;
  debtorName: string;
  shipmentMode: "API" | "FILE";
  statementCallback: boolean;
  periodDays: string;
  /** MOJALOOP (docs/rails/mojaloop-connections.md). The allowlist: one address or range per line. */
  fspId: string;
  callbackAllowlist: string;
  requestTimeoutSeconds: string;
  callbackTimeoutSeconds: string;
  testPartyType: string;
  testPartyIdentifier: string;
  /** The payer party of quotes; empty: the business named by our FSP id. */
  payerType: string;
  payerIdentifier: string;
  payerName: string;
  /** New connections only: credentials are replaced by their own dialog afterwards. */
  apiKey: string;
  jwsSigningKey: string;
  switchCertificate: string;
  /** Asset id → the rail's name for it, for the assets this connection pays. */
  currencies: Record<string, string>;
  /** `name = value` lines. */
  fieldMapping: string;
};

export function initialState(c?: Connection): ConnectionFormState {
  const s = (c?.settings ?? {}) as Record<string, unknown>;
  const text = (key: string) => (typeof s[key] === "string" ? (s[key] as string) : "");
  const callback = (s.statementCallback ?? {}) as { enabled?: boolean; periodDays?: number };
  const party = s.testParty as { type?: string; identifier?: string } | undefined;
  const payer = s.payer as { type?: string; identifier?: string; name?: string } | undefined;
  return {
    railType: c?.rail_type ?? "BANK",
    name: c?.name ?? "",
    horizonUrl: text("horizonUrl"),
    baseUrl: text("baseUrl"),
    debtorIban: text("debtorIban"),
    debtorAccountNumber: text("debtorAccountNumber"),
    debtorBankCode: text("debtorBankCode"),
    debtorBic: text("debtorBic"),
    debtorName: text("debtorName"),
    shipmentMode: s.shipmentMode === "FILE" ? "FILE" : "API",
    statementCallback: callback.enabled === true,
    periodDays: String(callback.periodDays ?? 1),
    fspId: text("fspId"),
    callbackAllowlist: Array.isArray(s.callbackAllowlist) ? (s.callbackAllowlist as string[]).join("\n") : "",
    requestTimeoutSeconds: String(s.requestTimeoutSeconds ?? MOJALOOP_TIMEOUTS.requestSeconds.default),
    callbackTimeoutSeconds: String(s.callbackTimeoutSeconds ?? MOJALOOP_TIMEOUTS.callbackSeconds.default),
    testPartyType: party?.type ?? "MSISDN",
    testPartyIdentifier: party?.identifier ?? "",
    payerType: payer?.type ?? "BUSINESS",
    payerIdentifier: payer?.identifier ?? "",
    payerName: payer?.name ?? "",
    apiKey: "",
    jwsSigningKey: "",
    switchCertificate: "",
    currencies: Object.fromEntries((c?.currency_mapping ?? []).map((m) => [m.asset_id, m.rail_currency])),
    fieldMapping: Object.entries(c?.field_mapping ?? {})
      .map(([k, v]) => `${k} = ${v}`)
      .join("\n"),
  };
}

export function settingsOf(f: ConnectionFormState): Record<string, unknown> {
  if (f.railType === "STELLAR") return f.horizonUrl.trim() ? { horizonUrl: f.horizonUrl } : {};
  if (f.railType === "MOJALOOP") {
    return {
      baseUrl: f.baseUrl,
      fspId: f.fspId,
      callbackAllowlist: f.callbackAllowlist,
      requestTimeoutSeconds: f.requestTimeoutSeconds,
      callbackTimeoutSeconds: f.callbackTimeoutSeconds,
      testParty: f.testPartyIdentifier.trim() ? { type: f.testPartyType, identifier: f.testPartyIdentifier } : null,
      payer: f.payerIdentifier.trim() ? { type: f.payerType, identifier: f.payerIdentifier, name: f.payerName || undefined } : null,
    };
  }
  return {
    baseUrl: f.baseUrl,
    debtorIban: f.debtorIban || undefined,
    debtorAccountNumber: f.debtorAccountNumber || undefined,
    debtorBankCode: f.debtorBankCode || undefined,
    debtorBic: f.debtorBic || undefined,
    debtorName: f.debtorName,
    shipmentMode: f.shipmentMode,
    statementCallback: { enabled: f.statementCallback, periodDays: f.periodDays },
  };
}

export function currencyMappingOf(f: ConnectionFormState) {
  return Object.entries(f.currencies).map(([asset_id, rail_currency]) => ({ asset_id, rail_currency }));
}

/** `name = value` lines to a record; lines without `=` keep their text as the name (the server names the problem). */
export function fieldMappingOf(f: ConnectionFormState): Record<string, string> {
  const out: Record<string, string> = {};
  // Only bank connections take a field mapping (the field is not shown for the others).
  if (f.railType !== "BANK") return out;
  for (const line of f.fieldMapping.split("\n")) {
    if (!line.trim()) continue;
    const at = line.indexOf("=");
    if (at < 0) out[line.trim()] = "";
    else out[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return out;
}

/** Credentials a new connection is created with (null: none given). */
export function credentialsOf(f: ConnectionFormState): Record<string, string> | null {
  if (f.railType === "BANK") return f.apiKey ? { apiKey: f.apiKey } : null;
  if (f.railType !== "MOJALOOP" || (!f.jwsSigningKey.trim() && !f.switchCertificate.trim())) return null;
  return { jwsSigningKey: f.jwsSigningKey, switchCertificate: f.switchCertificate };
}

/** The rail's usual name for an asset: the ISO code for a bank or a Mojaloop switch, Stellar's CODE:ISSUER (native for XLM). */
export function defaultRailCurrency(railType: RailType, asset: { code: string; issuer: string }): string {
  if (railType !== "STELLAR") return asset.code;
  return asset.issuer ? `${asset.code}:${asset.issuer}` : "native";
}
