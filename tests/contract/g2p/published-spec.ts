import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Ajv, { type ErrorObject, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { parse } from "yaml";

/**
 * The published G2P Connect disburse API v1.0.0 (tests/fixtures/g2p-connect-specs, vendored
 * unchanged) as validators. `$ref`s are resolved by Ajv inside the one OpenAPI document; the only
 * changes are the errata in `G2P_SPEC_ERRATA` (docs/g2p-connect.md, "Errata to the published
 * schema"), each applied only where the published text still has the mistake.
 */

const dir = path.dirname(fileURLToPath(import.meta.url));
export const PUBLISHED_SPEC_FILE = path.resolve(dir, "../../fixtures/g2p-connect-specs/disburse_core_api_v1.0.0.yaml");
const SPEC_ID = "https://g2p-connect.test/disburse_core_api_v1.0.0.json";

type Json = Record<string, any>;

export type Erratum = { id: string; where: string; published: unknown; applied: unknown; why: string; apply: (doc: Json) => void };

const jsonBody = (doc: Json, p: string) => doc.paths[p].post.requestBody.content["application/json"].schema;
const syncAnswer = (doc: Json, p: string) => doc.paths[p].post.responses.default.content["application/json"].schema;

/** Read a value at a path, failing loudly if the published text changed (then the erratum must be revisited). */
function expectPublished(actual: unknown, published: unknown, where: string) {
  if (JSON.stringify(actual) !== JSON.stringify(published)) {
    throw new Error(`G2P spec erratum no longer matches the published text at ${where}: ${JSON.stringify(actual)}`);
  }
}

export const G2P_SPEC_ERRATA: Erratum[] = [
  {
    id: "E1",
    where: "components.schemas.DisburseRequest.required",
    published: ["transaction_id", "disburemsents"],
    applied: ["transaction_id", "disbursements"],
    why: "typo: the property is named `disbursements`; as published no request can carry the misspelt required property and be a disburse request",
    apply(doc) {
      const s = doc.components.schemas.DisburseRequest;
      expectPublished(s.required, this.published, this.where);
      s.required = this.applied;
    },
  },
  {
    id: "E2",
    where: "components.schemas.TxnStatusRequest.properties.txnstatus_request.properties.attribute_value.oneOf",
    published: "oneOf [TransactionId, ReferenceIdList, correlation_id]",
    applied: "anyOf (same three schemas)",
    why: "TransactionId and correlation_id are both strings of at most 99 characters, so every string matches two branches and `oneOf` refuses every transaction_id / correlation_id lookup",
    apply(doc) {
      const s = doc.components.schemas.TxnStatusRequest.properties.txnstatus_request.properties.attribute_value;
      if (!Array.isArray(s.oneOf) || s.oneOf.length !== 3) throw new Error(`G2P spec erratum E2 no longer matches at ${this.where}`);
      s.anyOf = s.oneOf;
      delete s.oneOf;
    },
  },
  {
    id: "E3",
    where: "paths./disburse/sync/disburse.post.responses.default…header.allOf[1].properties.action.enum",
    published: ["on-search"],
    applied: ["on-disburse"],
    why: "copied from the search endpoint: the synchronous disburse answer is the on-disburse body (the async `/on-disburse` callback it mirrors takes `on-disburse`)",
    apply(doc) {
      const action = syncAnswer(doc, "/disburse/sync/disburse").properties.header.allOf[1].properties.action;
      expectPublished(action.enum, this.published, this.where);
      action.enum = this.applied;
    },
  },
  {
    id: "E4",
    where: "paths./disburse/sync/txn/status.post.responses.default…header.allOf[1].properties.action.enum",
    published: ["on-search", "notify"],
    applied: ["on-disburse", "on-search", "notify"],
    why: "the async `/disburse/txn/on-status` callback of the same answer takes `on-disburse | on-search` (the `txn_type` answered); the sync answer's enum lacks `on-disburse`",
    apply(doc) {
      const action = syncAnswer(doc, "/disburse/sync/txn/status").properties.header.allOf[1].properties.action;
      expectPublished(action.enum, this.published, this.where);
      action.enum = this.applied;
    },
  },
];

/** The bodies the contract covers: what a sender POSTs (`request …`), what we answer or call back with. */
export const G2P_SPEC_TARGETS = {
  "disburse-request": (d: Json) => jsonBody(d, "/disburse"),
  "on-disburse": (d: Json) => jsonBody(d, "/on-disburse"),
  "search-request": (d: Json) => jsonBody(d, "/disburse/search"),
  "on-search": (d: Json) => jsonBody(d, "/disburse/on-search"),
  "txnstatus-request": (d: Json) => jsonBody(d, "/disburse/txn/status"),
  "txnstatus-on-status": (d: Json) => jsonBody(d, "/disburse/txn/on-status"),
  "sync-disburse-request": (d: Json) => jsonBody(d, "/disburse/sync/disburse"),
  "sync-disburse-answer": (d: Json) => syncAnswer(d, "/disburse/sync/disburse"),
  "sync-search-request": (d: Json) => jsonBody(d, "/disburse/sync/search"),
  "sync-search-answer": (d: Json) => syncAnswer(d, "/disburse/sync/search"),
  "sync-txnstatus-request": (d: Json) => jsonBody(d, "/disburse/sync/txn/status"),
  "sync-txnstatus-answer": (d: Json) => syncAnswer(d, "/disburse/sync/txn/status"),
  // Extension endpoint (/disburse/cancel, G2P Bridge): the spec has no path for it, so its bodies
  // are checked against the spec's own components (EXTENSION_SCHEMAS below).
  "cancel-request": (d: Json) => d[EXTENSIONS]["cancel-request"],
  "on-cancel": (d: Json) => d[EXTENSIONS]["on-cancel"],
  ack: (d: Json) => d.components.responses.Response.content["application/json"].schema,
  "http-error": (d: Json) => d.components.responses.HttpErrorResponse.content["application/json"].schema,
  // The `message` of a body with header.is_msg_encrypted true (docs/g2p-connect.md#encrypted-messages).
  "encrypted-message": (d: Json) => d.components.schemas.EncryptedMessage,
} as const;
export type G2pSpecTarget = keyof typeof G2P_SPEC_TARGETS;

const EXTENSIONS = "x-extension-contracts";
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
/** Bodies of our extension endpoints, composed only of the published components. */
const EXTENSION_SCHEMAS = {
  "cancel-request": {
    type: "object",
    properties: {
      signature: ref("MsgSignature"),
      header: { allOf: [ref("MsgHeader_V1.0.0"), { properties: { action: { enum: ["cancel"] } } }] },
      message: { type: "object", properties: { transaction_id: ref("TransactionId") }, required: ["transaction_id"] },
    },
    required: ["header", "message"],
  },
  "on-cancel": {
    type: "object",
    properties: {
      signature: ref("MsgSignature"),
      header: { allOf: [ref("MsgCallbackHeader_V1.0.0"), { properties: { action: { enum: ["on-cancel"] } } }] },
      message: ref("DisburseResponse"),
    },
    required: ["header", "message"],
  },
};

let loaded: { doc: Json; ajv: Ajv; validators: Map<string, ValidateFunction> } | undefined;

/** The published document as parsed, with the errata applied (a fresh copy of the YAML each load). */
export function publishedDocument(options: { errata?: boolean } = {}): Json {
  const doc = parse(readFileSync(PUBLISHED_SPEC_FILE, "utf8")) as Json;
  if (options.errata !== false) for (const e of G2P_SPEC_ERRATA) e.apply(doc);
  doc[EXTENSIONS] = structuredClone(EXTENSION_SCHEMAS);
  return doc;
}

function load() {
  if (loaded) return loaded;
  const doc = publishedDocument();
  // OpenAPI 3.0 schema objects: `example` and `x-*` are annotations; `format` values outside
  // JSON Schema's are open in OpenAPI (ajv-formats adds int32, binary, …).
  const ajv = new Ajv({ allErrors: true, strictSchema: false, strictTypes: false, validateFormats: true });
  addFormats(ajv);
  // cdpi_FinancialAddress / cdpi_PersonId put a regular expression in `format` (not `pattern`); the
  // spec's own examples ("token:12345@gtbank") do not match it, so it is an annotation here.
  for (const s of [doc.components.schemas.cdpi_FinancialAddress, doc.components.schemas.cdpi_PersonId]) ajv.addFormat(s.format, true);
  ajv.addSchema(doc, SPEC_ID);
  loaded = { doc, ajv, validators: new Map() };
  return loaded;
}

function validatorFor(target: G2pSpecTarget): ValidateFunction {
  const state = load();
  let v = state.validators.get(target);
  if (!v) {
    // Compile the target in place, so its `#/components/...` refs resolve in the published document.
    const schema = G2P_SPEC_TARGETS[target](state.doc);
    const pointer = findPointer(state.doc, schema);
    v = state.ajv.getSchema(`${SPEC_ID}#${pointer}`);
    if (!v) throw new Error(`cannot compile ${target}`);
    state.validators.set(target, v);
  }
  return v;
}

/** The JSON pointer of `target` (by identity) inside `doc`. */
export function findPointer(doc: unknown, target: unknown, at = ""): string {
  if (doc === target) return at;
  if (doc && typeof doc === "object") {
    for (const [k, v] of Object.entries(doc)) {
      const found = findPointer(v, target, `${at}/${k.replace(/~/g, "~0").replace(/\//g, "~1")}`);
      if (found !== "") return found;
    }
  }
  return "";
}

/** ajv errors as lines naming the path, for test messages. */
export const describeErrors = (errors: ErrorObject[] | null | undefined) =>
  (errors ?? []).map(
    (e) => `${e.instancePath || "(root)"} ${e.message ?? "is invalid"}${e.params && Object.keys(e.params).length ? ` ${JSON.stringify(e.params)}` : ""}`,
  );

/** What `body` breaks in the published schema of `target`; [] when it conforms. */
export function specProblems(target: G2pSpecTarget, body: unknown): string[] {
  const validate = validatorFor(target);
  return validate(body) ? [] : describeErrors(validate.errors);
}

/** The enum values the published (errata applied) spec gives a schema, e.g. for the codes we may send. */
export function specSchema(name: string): Json {
  return load().doc.components.schemas[name];
}
