import type { RouterOutputs } from "@/components/disbursements/common";

/**
 * The connection form's values and their conversion to and from the service's shapes
 * (server/schemas/connections.schema.ts). No React: the dialog and its field groups share it.
 */
type Connection = RouterOutputs["connections"]["list"][number];

export type ConnectionFormState = {
  railType: "STELLAR" | "BANK";
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
  /** New connections only: credentials are replaced by their own dialog afterwards. */
  apiKey: string;
  /** Asset id → the rail's name for it, for the assets this connection pays. */
  currencies: Record<string, string>;
  /** `name = value` lines. */
  fieldMapping: string;
};

export function initialState(c?: Connection): ConnectionFormState {
  const s = (c?.settings ?? {}) as Record<string, unknown>;
  const text = (key: string) => (typeof s[key] === "string" ? (s[key] as string) : "");
  const callback = (s.statementCallback ?? {}) as { enabled?: boolean; periodDays?: number };
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
    apiKey: "",
    currencies: Object.fromEntries((c?.currency_mapping ?? []).map((m) => [m.asset_id, m.rail_currency])),
    fieldMapping: Object.entries(c?.field_mapping ?? {})
      .map(([k, v]) => `${k} = ${v}`)
      .join("\n"),
  };
}

export function settingsOf(f: ConnectionFormState): Record<string, unknown> {
  if (f.railType === "STELLAR") return f.horizonUrl.trim() ? { horizonUrl: f.horizonUrl } : {};
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
  // Stellar connections take no field mapping (the field is not shown for them).
  if (f.railType === "STELLAR") return out;
  for (const line of f.fieldMapping.split("\n")) {
    if (!line.trim()) continue;
    const at = line.indexOf("=");
    if (at < 0) out[line.trim()] = "";
    else out[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return out;
}

/** The rail's usual name for an asset: a bank's ISO code, Stellar's CODE:ISSUER (native for XLM). */
export function defaultRailCurrency(railType: "STELLAR" | "BANK", asset: { code: string; issuer: string }): string {
  if (railType === "BANK") return asset.code;
  return asset.issuer ? `${asset.code}:${asset.issuer}` : "native";
}
