import { z } from "zod";
import { BIC_PATTERN, ibanProblem, normaliseIban } from "@/server/domain/iban";
import { RAIL_TYPES } from "@/server/domain/rails";

/**
 * Input schemas of payment connections (docs/rails.md "Payment connections"), shared by the services,
 * the tRPC router, REST/OpenAPI and the Connections page. Settings are validated per rail type here;
 * the checks that need the server (OUTBOUND_ALLOW_HOSTS, the organization's assets) are added by
 * server/services/connections/connection-input.ts.
 */

export const CONNECTION_NAME_MAX = 120;
export const CONNECTION_URL_MAX = 2000;
export const CREDENTIAL_MAX = 4000;
export const FIELD_MAPPING_MAX_ENTRIES = 20;
export const CURRENCY_MAPPING_MAX_ENTRIES = 50;

export const SHIPMENT_MODES = ["API", "FILE"] as const;
export type ShipmentMode = (typeof SHIPMENT_MODES)[number];

const trimmedOptional = (max: number, message: string) =>
  z
    .string()
    .trim()
    .max(max, message)
    .optional()
    .nullable()
    .transform((v) => (v ? v : undefined));

/** An absolute http(s) URL without credentials, query or fragment; stored without a trailing slash. */
export const endpointUrlField = z
  .string()
  .trim()
  .min(1, "Enter the URL.")
  .max(CONNECTION_URL_MAX, `Use at most ${CONNECTION_URL_MAX} characters.`)
  .transform((value, c) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      c.addIssue({ code: "custom", message: "Enter an absolute URL such as https://bank.example.org/api." });
      return z.NEVER;
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") {
      c.addIssue({ code: "custom", message: "The URL must start with https:// (or http:// for a host the operator allows)." });
      return z.NEVER;
    }
    if (url.username || url.password) {
      c.addIssue({ code: "custom", message: "The URL must not contain a user name or password: put the API key under credentials." });
      return z.NEVER;
    }
    if (url.search || url.hash || value.includes("?") || value.includes("#")) {
      c.addIssue({ code: "custom", message: "The URL must not have a query (?) or fragment (#): endpoint paths are appended to it." });
      return z.NEVER;
    }
    return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
  });

/** STELLAR: pays from the organization's distribution account; Horizon is the operator's unless overridden. */
export const stellarSettingsSchema = z
  .object({
    horizonUrl: z.preprocess((v) => (v === "" || v === null ? undefined : v), endpointUrlField.optional()),
  })
  .transform((s) => ({ ...(s.horizonUrl ? { horizonUrl: s.horizonUrl } : {}) }));

/**
 * BANK: the sponsor bank's API (the OpenG2P example bank's contract, docs/example-bank.md), the
 * account the disbursements are paid from, and how payment batches are shipped.
 */
export const bankSettingsSchema = z
  .object({
    baseUrl: endpointUrlField,
    debtorIban: trimmedOptional(42, "That is too long for an IBAN."),
    debtorAccountNumber: trimmedOptional(34, "Use at most 34 characters."),
    debtorBankCode: trimmedOptional(35, "Use at most 35 characters."),
    debtorBic: trimmedOptional(11, "A BIC has 8 or 11 characters."),
    debtorName: z.string().trim().min(1, "Enter the account holder's name.").max(140, "Use at most 140 characters (the pain.001 limit)."),
    shipmentMode: z.enum(SHIPMENT_MODES, { error: "Choose API or FILE." }).default("API"),
    /** The bank posts its statements (MT940 `statement_file`) back to this platform. */
    statementCallback: z
      .object({
        enabled: z.boolean().default(false),
        /** Days covered by each statement the bank is asked for (generate_account_statement). */
        periodDays: z.coerce.number().int("Use a whole number of days.").min(1, "At least 1 day.").max(31, "At most 31 days.").default(1),
      })
      .optional()
      .default({ enabled: false, periodDays: 1 }),
  })
  .superRefine((s, c) => {
    if (s.debtorIban) {
      const problem = ibanProblem(s.debtorIban);
      if (problem) c.addIssue({ code: "custom", path: ["debtorIban"], message: problem });
    } else if (!s.debtorAccountNumber) {
      c.addIssue({ code: "custom", path: ["debtorAccountNumber"], message: "Enter the debtor account's IBAN, or its account number with the bank code or BIC." });
    } else if (!s.debtorBankCode && !s.debtorBic) {
      c.addIssue({ code: "custom", path: ["debtorBankCode"], message: "Enter the bank code or the BIC of the debtor account." });
    }
    if (s.debtorBic && !BIC_PATTERN.test(s.debtorBic.toUpperCase())) {
      c.addIssue({ code: "custom", path: ["debtorBic"], message: "A BIC is 8 or 11 letters and digits, such as DEUTDEFF or DEUTDEFF500." });
    }
  })
  .transform((s) => ({
    baseUrl: s.baseUrl,
    ...(s.debtorIban ? { debtorIban: normaliseIban(s.debtorIban) } : {}),
    ...(s.debtorAccountNumber ? { debtorAccountNumber: s.debtorAccountNumber.replace(/\s+/g, "") } : {}),
    ...(s.debtorBankCode ? { debtorBankCode: s.debtorBankCode } : {}),
    ...(s.debtorBic ? { debtorBic: s.debtorBic.toUpperCase() } : {}),
    debtorName: s.debtorName,
    shipmentMode: s.shipmentMode,
    statementCallback: s.statementCallback,
  }));

/** FSPIOP party id types (the FSPIOP 1.1 API definition's PartyIdType). */
export const MOJALOOP_PARTY_ID_TYPES = ["MSISDN", "EMAIL", "PERSONAL_ID", "BUSINESS", "DEVICE", "ACCOUNT_ID", "IBAN", "ALIAS"] as const;
export const MOJALOOP_FSP_ID_MAX = 32;
export const MOJALOOP_ALLOWLIST_MAX = 20;
export const MOJALOOP_TIMEOUTS = {
  requestSeconds: { min: 1, max: 120, default: 15 },
  callbackSeconds: { min: 5, max: 900, default: 60 },
} as const;

/** One callback source: an IPv4/IPv6 address or a CIDR range. */
const ipOrCidr = z.union([z.ipv4(), z.ipv6(), z.cidrv4(), z.cidrv6()]);

/** The allowlist as a list, or as text with one entry per line or comma (the form's textarea). */
const callbackAllowlistField = z.preprocess(
  (v) =>
    typeof v === "string"
      ? v
          .split(/[\s,]+/)
          .map((e) => e.trim())
          .filter(Boolean)
      : v,
  z
    .array(z.string().trim(), { error: "List the addresses the switch calls back from." })
    .min(1, "Enter at least one address the switch calls back from, e.g. 10.0.0.5 or 10.0.0.0/24: callbacks from anywhere else are refused.")
    .max(MOJALOOP_ALLOWLIST_MAX, `At most ${MOJALOOP_ALLOWLIST_MAX} addresses or ranges.`)
    .superRefine((entries, c) => {
      entries.forEach((e, i) => {
        if (!ipOrCidr.safeParse(e).success)
          c.addIssue({ code: "custom", path: [i], message: `“${e.slice(0, 60)}” is not an IP address or CIDR range (e.g. 10.0.0.5, 10.0.0.0/24, fd00::/8).` });
      });
    }),
);

const timeoutField = (label: string, t: { min: number; max: number; default: number }) =>
  z.preprocess(
    (v) => (v === "" || v === null ? undefined : v),
    z.coerce
      .number({ error: `Enter the ${label} in seconds.` })
      .int("Use a whole number of seconds.")
      .min(t.min, `At least ${t.min} second${t.min === 1 ? "" : "s"}.`)
      .max(t.max, `At most ${t.max} seconds.`)
      .default(t.default),
  );

/** A Mojaloop MSISDN: E.164 digits, stored with its + like every phone destination (docs/rails.md "Destinations"). */
const E164 = /^\+?[1-9]\d{4,14}$/;

/**
 * MOJALOOP: a Mojaloop switch reached over FSPIOP 1.1 as a payer DFSP (docs/rails/mojaloop-connections.md):
 * the switch's base URL, our FSP id there, the addresses its callbacks come from, the timeouts, and a
 * party "Test connection" looks up.
 */
export const mojaloopSettingsSchema = z
  .object({
    baseUrl: endpointUrlField,
    fspId: z
      .string({ error: "Enter this platform's FSP id at the switch." })
      .trim()
      .min(1, "Enter this platform's FSP id at the switch.")
      .max(MOJALOOP_FSP_ID_MAX, `An FSP id has at most ${MOJALOOP_FSP_ID_MAX} characters.`)
      .regex(/^[A-Za-z0-9._-]+$/, "An FSP id is letters, digits and . _ - (it is sent in the FSPIOP-Source header)."),
    callbackAllowlist: callbackAllowlistField,
    requestTimeoutSeconds: timeoutField("request timeout", MOJALOOP_TIMEOUTS.requestSeconds),
    callbackTimeoutSeconds: timeoutField("callback timeout", MOJALOOP_TIMEOUTS.callbackSeconds),
    testParty: z
      .object({
        type: z.enum(MOJALOOP_PARTY_ID_TYPES, { error: `Choose one of ${MOJALOOP_PARTY_ID_TYPES.join(", ")}.` }).default("MSISDN"),
        identifier: z.string().trim().max(128, "Use at most 128 characters (FSPIOP's limit)."),
      })
      .nullish()
      .transform((p, c) => {
        if (!p || p.identifier === "") return undefined;
        if (p.type !== "MSISDN") return p;
        const digits = p.identifier.replace(/[\s\-()]/g, "");
        if (!E164.test(digits)) {
          c.addIssue({ code: "custom", path: ["identifier"], message: "An MSISDN is a phone number in international format, e.g. +254712345678." });
          return z.NEVER;
        }
        return { type: p.type, identifier: digits.startsWith("+") ? digits : `+${digits}` };
      }),
    payer: z
      .object({
        type: z.enum(MOJALOOP_PARTY_ID_TYPES, { error: `Choose one of ${MOJALOOP_PARTY_ID_TYPES.join(", ")}.` }).default("BUSINESS"),
        identifier: z.string().trim().max(128, "Use at most 128 characters (FSPIOP's limit)."),
        name: z.string().trim().max(128, "Use at most 128 characters (FSPIOP's limit).").optional(),
      })
      .nullish()
      .transform((p) => (p && p.identifier !== "" ? { type: p.type, identifier: p.identifier, ...(p.name ? { name: p.name } : {}) } : undefined)),
  })
  .transform((s) => ({
    baseUrl: s.baseUrl,
    fspId: s.fspId,
    callbackAllowlist: s.callbackAllowlist,
    requestTimeoutSeconds: s.requestTimeoutSeconds,
    callbackTimeoutSeconds: s.callbackTimeoutSeconds,
    ...(s.testParty ? { testParty: s.testParty } : {}),
    ...(s.payer ? { payer: s.payer } : {}),
  }));

export type StellarSettings = z.output<typeof stellarSettingsSchema>;
export type BankSettings = z.output<typeof bankSettingsSchema>;
export type MojaloopSettings = z.output<typeof mojaloopSettingsSchema>;

/** BANK credentials: the API key the bank issued (sent as `Authorization: Bearer` and `X-API-Key`). */
export const bankCredentialsSchema = z.object({
  apiKey: z.string().trim().min(1, "Enter the API key the bank issued.").max(CREDENTIAL_MAX, `Use at most ${CREDENTIAL_MAX} characters.`),
});
/** STELLAR has no credentials of its own: the distribution account's secret is kept by the platform. */
export const stellarCredentialsSchema = z.object({}).strict();

/**
 * PEM text of a key or certificate: the BEGIN/END lines of one of `labels` around base64. The shape
 * only; the server parses the key itself (server/services/connections/connection-input.ts).
 */
const pemField = (what: string, labels: readonly string[], example: string) =>
  z
    .string()
    .trim()
    .max(CREDENTIAL_MAX * 4, `That is too long for ${what}.`)
    .optional()
    .nullable()
    .transform((v) => (v ? v.replace(/\r\n/g, "\n") : undefined))
    .superRefine((v, c) => {
      if (v === undefined) return;
      const m = /^-----BEGIN ([A-Z0-9 ]+)-----\n([A-Za-z0-9+/=\s]+)\n-----END ([A-Z0-9 ]+)-----$/.exec(v);
      if (!m) c.addIssue({ code: "custom", message: `Paste ${what} in PEM form: from “-----BEGIN ${example}-----” to its END line, nothing else.` });
      else if (m[1] !== m[3] || !labels.includes(m[1]!))
        c.addIssue({ code: "custom", message: `This PEM holds “${m[1]}”; ${what} is one of ${labels.map((l) => `“${l}”`).join(", ")}.` });
    });

/**
 * MOJALOOP credentials, both optional (a switch that does not sign goes without): our JWS signing key
 * (RSA private key, PEM) and the switch's public key or certificate (PEM) its callbacks' signatures are
 * verified with. Sealed like a bank's API key and never returned.
 */
export const mojaloopCredentialsSchema = z
  .object({
    jwsSigningKey: pemField("the JWS signing key (an unencrypted RSA private key)", ["PRIVATE KEY", "RSA PRIVATE KEY"], "PRIVATE KEY"),
    switchCertificate: pemField("the switch's public key or certificate", ["PUBLIC KEY", "RSA PUBLIC KEY", "CERTIFICATE"], "CERTIFICATE"),
  })
  .strict()
  .transform((s) => ({ ...(s.jwsSigningKey ? { jwsSigningKey: s.jwsSigningKey } : {}), ...(s.switchCertificate ? { switchCertificate: s.switchCertificate } : {}) }));

export const SETTINGS_SCHEMAS = { STELLAR: stellarSettingsSchema, BANK: bankSettingsSchema, MOJALOOP: mojaloopSettingsSchema } as const;
export const CREDENTIALS_SCHEMAS = { STELLAR: stellarCredentialsSchema, BANK: bankCredentialsSchema, MOJALOOP: mojaloopCredentialsSchema } as const;

/** The asset (of the organization) and the name the rail gives it, e.g. a FIAT asset KES → "KES". */
export const currencyMappingEntry = z.object({
  asset_id: z.uuid({ error: "Choose an asset." }),
  rail_currency: z
    .string()
    .trim()
    .min(1, "Enter the currency as the rail names it.")
    .max(64, "Use at most 64 characters.")
    .regex(/^[A-Za-z0-9:._-]+$/, "Use letters, digits and : . _ - only."),
});

const currencyMappingList = z
  .array(currencyMappingEntry)
  .max(CURRENCY_MAPPING_MAX_ENTRIES, `At most ${CURRENCY_MAPPING_MAX_ENTRIES} currencies.`)
  .superRefine((entries, c) => {
    const seen = new Set<string>();
    entries.forEach((e, i) => {
      if (seen.has(e.asset_id)) c.addIssue({ code: "custom", path: [i, "asset_id"], message: "This asset is mapped twice." });
      seen.add(e.asset_id);
    });
  });
export const currencyMappingField = currencyMappingList.default([]);

/** Payment fields renamed or filled for a rail (e.g. the narrative a bank shows); keys are snake_case names. */
const fieldMappingRecord = z
  .record(
    z
      .string()
      .trim()
      .regex(/^[a-z][a-z0-9_]{0,63}$/, "Field names are lower-case letters, digits and _ (at most 64)."),
    z.string().trim().max(200, "Use at most 200 characters."),
  )
  .refine((m) => Object.keys(m).length <= FIELD_MAPPING_MAX_ENTRIES, `At most ${FIELD_MAPPING_MAX_ENTRIES} fields.`);
export const fieldMappingField = fieldMappingRecord.default({});

/**
 * The fields each rail fills from a connection's field mapping (docs/rails/connections.md "Field
 * mapping"): a template per field, whose `{placeholder}`s come from the payment. The reference
 * fields a bank matches statements by (EndToEndId, narrative_1 and narrative_2) are never mapped.
 */
export const FIELD_MAPPING_FIELDS: Record<(typeof RAIL_TYPES)[number], Record<string, { label: string; max: number }>> = {
  STELLAR: {},
  BANK: {
    remittance_information: { label: "the pain.001 remittance text (RmtInf/Ustrd); default “Payment {reference}”", max: 140 },
    narrative_3: { label: "initiate_payment narrative_3", max: 65 },
    narrative_4: { label: "initiate_payment narrative_4", max: 65 },
    narrative_5: { label: "initiate_payment narrative_5", max: 65 },
    narrative_6: { label: "initiate_payment narrative_6", max: 65 },
  },
  MOJALOOP: {},
};

const RAIL_NAMES: Record<(typeof RAIL_TYPES)[number], string> = { STELLAR: "Stellar", BANK: "Bank", MOJALOOP: "Mojaloop" };

/** What a field template may use: `{reference}` (the EndToEndId), `{payment_id}`, `{payee_name}`, `{amount}`, `{currency}`, `{batch_reference}`. */
export const FIELD_TEMPLATE_PLACEHOLDERS = ["reference", "payment_id", "payee_name", "amount", "currency", "batch_reference"] as const;
export type FieldTemplateValues = Record<(typeof FIELD_TEMPLATE_PLACEHOLDERS)[number], string>;

/** Problems of a field mapping for a rail type, by field name (empty when it is fine). */
export function fieldMappingProblems(railType: (typeof RAIL_TYPES)[number], mapping: Record<string, string>): Record<string, string> {
  const fields = FIELD_MAPPING_FIELDS[railType];
  const problems: Record<string, string> = {};
  for (const [key, template] of Object.entries(mapping)) {
    const field = fields[key];
    if (!field) {
      const known = Object.keys(fields);
      problems[key] = known.length === 0 ? `${RAIL_NAMES[railType]} connections take no field mapping.` : `Unknown field “${key}”: use ${known.join(", ")}.`;
      continue;
    }
    const unknown = [...template.matchAll(/\{([^{}]*)\}/g)].map((m) => m[1]!).filter((name) => !(FIELD_TEMPLATE_PLACEHOLDERS as readonly string[]).includes(name));
    if (unknown.length > 0) problems[key] = `Unknown placeholder {${unknown[0]}}: use ${FIELD_TEMPLATE_PLACEHOLDERS.map((p) => `{${p}}`).join(", ")}.`;
  }
  return problems;
}

/** A field template filled with a payment's values, cut to the field's length. */
export function fillFieldTemplate(template: string, values: FieldTemplateValues, max: number): string {
  const filled = template.replace(/\{([a-z_]+)\}/g, (whole, name: string) => (name in values ? values[name as keyof FieldTemplateValues] : whole));
  return [...filled].slice(0, max).join("");
}

export const connectionNameField = z.string().trim().min(1, "Enter a name.").max(CONNECTION_NAME_MAX, `Use at most ${CONNECTION_NAME_MAX} characters.`);

const railTypeField = z.enum(RAIL_TYPES, { error: `Choose ${RAIL_TYPES.join(", ")}.` });

/**
 * Create: the settings (and credentials, where the rail has some) are checked against the rail
 * type's schema. The parsed output carries normalised settings.
 */
export const createConnectionInput = z
  .object({
    rail_type: railTypeField,
    name: connectionNameField,
    settings: z.record(z.string(), z.unknown()).default({}),
    credentials: z.record(z.string(), z.unknown()).optional().nullable(),
    currency_mapping: currencyMappingField,
    field_mapping: fieldMappingField,
    enabled: z.boolean().default(true),
  })
  .transform((input, c) => {
    const settings = parseNested(SETTINGS_SCHEMAS[input.rail_type], input.settings, ["settings"], c);
    const credentials =
      input.credentials && Object.keys(input.credentials).length > 0 ? parseNested(CREDENTIALS_SCHEMAS[input.rail_type], input.credentials, ["credentials"], c) : null;
    for (const [key, message] of Object.entries(fieldMappingProblems(input.rail_type, input.field_mapping)))
      c.addIssue({ code: "custom", message, path: ["field_mapping", key] });
    if (settings === z.NEVER || credentials === z.NEVER) return z.NEVER;
    // Only empty optional keys (a Mojaloop connection without JWS keys): no credentials at all.
    const given = credentials && Object.keys(credentials).length > 0 ? (credentials as Record<string, string>) : null;
    return { ...input, settings: settings as Record<string, unknown>, credentials: given };
  });

/**
 * Update: what is given replaces what is stored (settings as a whole, checked against the
 * connection's rail type, which never changes); credentials are replaced by their own verb.
 */
export const updateConnectionInput = z.object({
  id: z.uuid(),
  name: connectionNameField.optional(),
  settings: z.record(z.string(), z.unknown()).optional(),
  currency_mapping: currencyMappingList.optional(),
  field_mapping: fieldMappingRecord.optional(),
});

export const replaceConnectionCredentialsInput = z.object({ id: z.uuid(), credentials: z.record(z.string(), z.unknown()) });
export const setConnectionEnabledInput = z.object({ id: z.uuid(), enabled: z.boolean() });
export const connectionIdInput = z.object({ id: z.uuid() });

/** Parse `value` with `schema`, reporting its issues under `path` of the outer input. */
export function parseNested<S extends z.ZodType>(schema: S, value: unknown, path: (string | number)[], c: z.RefinementCtx): z.output<S> | typeof z.NEVER {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  for (const issue of result.error.issues) c.addIssue({ code: "custom", message: issue.message, path: [...path, ...issue.path] as (string | number)[] });
  return z.NEVER;
}
