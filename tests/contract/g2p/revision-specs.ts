import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Ajv, { type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { parse } from "yaml";
import { describeErrors, findPointer } from "./published-spec";

/**
 * The two older published revisions of G2P Connect's `api/g2p-disburse.yaml` (vendored unchanged in
 * tests/fixtures/g2p-connect-specs/, sources in its README) as validators, like
 * published-spec.ts does for v1.0.0: `$ref`s resolved by Ajv inside each OpenAPI document, and no
 * errata (docs/g2p-connect.md, "Revisions": the paths and bodies used here need none).
 */

const dir = path.dirname(fileURLToPath(import.meta.url));
export const REVISION_FILES = {
  "2023-03": path.resolve(dir, "../../fixtures/g2p-connect-specs/g2p-disburse_2023-03-03.yaml"),
  "2023-07": path.resolve(dir, "../../fixtures/g2p-connect-specs/g2p-disburse_2023-07.yaml"),
} as const;
export type Revision = keyof typeof REVISION_FILES;

type Json = Record<string, any>;

const jsonBody = (doc: Json, p: string) => doc.paths[p].post.requestBody.content["application/json"].schema;
const getAnswer = (doc: Json, p: string) => doc.paths[p].get.responses.default.content["application/json"].schema;

/** The bodies the revision contract covers, each with the revision whose file defines it. */
export const REVISION_TARGETS = {
  /** 2023-03 `POST /disburse/status` request. */
  "status-request": ["2023-03", (d: Json) => jsonBody(d, "/disburse/status")],
  /** 2023-03 `/disburse/on-status` callback. */
  "on-status": ["2023-03", (d: Json) => jsonBody(d, "/disburse/on-status")],
  /** 2023-03 acknowledgement (`Response`) of a POST. */
  "ack-2023-03": ["2023-03", (d: Json) => d.components.responses.Response.content["application/json"].schema],
  "http-error-2023-03": ["2023-03", (d: Json) => d.components.responses.HttpErrorResponse.content["application/json"].schema],
  /** 2023-03 `GET /disburse/status/{transaction_id}/{summary_only}` answer. */
  "status-by-transaction": ["2023-03", (d: Json) => getAnswer(d, "/disburse/status/{transaction_id}/{summary_only}")],
  /** 2023-03 `GET /disburse/status/{reference_id}` answer. */
  "status-by-reference": ["2023-03", (d: Json) => getAnswer(d, "/disburse/status/{reference_id}")],
  /** 2023-07 `GET /disburse/search/{transaction_id}/{summary_only}` answer. */
  "search-by-transaction": ["2023-07", (d: Json) => getAnswer(d, "/disburse/search/{transaction_id}/{summary_only}")],
  /** 2023-07 `GET /disburse/search/{reference_id}` answer. */
  "search-by-reference": ["2023-07", (d: Json) => getAnswer(d, "/disburse/search/{reference_id}")],
  "http-error-2023-07": ["2023-07", (d: Json) => d.components.responses.HttpErrorResponse.content["application/json"].schema],
} as const;
export type RevisionTarget = keyof typeof REVISION_TARGETS;

const loaded = new Map<Revision, { doc: Json; ajv: Ajv; id: string }>();
const validators = new Map<RevisionTarget, ValidateFunction>();

/** A revision's document as published (a fresh parse each call). */
export function revisionDocument(revision: Revision): Json {
  return parse(readFileSync(REVISION_FILES[revision], "utf8")) as Json;
}

function load(revision: Revision) {
  let state = loaded.get(revision);
  if (state) return state;
  const doc = revisionDocument(revision);
  const ajv = new Ajv({ allErrors: true, strictSchema: false, strictTypes: false, validateFormats: true });
  addFormats(ajv);
  // FinancialAddress puts a regular expression in `format` (not `pattern`); formats are open in
  // OpenAPI 3.0 and the files' own examples ("token:12345@gtbank") break it, so it is an annotation
  // here, as for v1.0.0 (docs/g2p-connect.md, "Errata to the published schema").
  ajv.addFormat(doc.components.schemas.FinancialAddress.format, true);
  const id = `https://g2p-connect.test/g2p-disburse_${revision}.json`;
  ajv.addSchema(doc, id);
  state = { doc, ajv, id };
  loaded.set(revision, state);
  return state;
}

function validatorFor(target: RevisionTarget): ValidateFunction {
  let v = validators.get(target);
  if (v) return v;
  const [revision, pick] = REVISION_TARGETS[target];
  const state = load(revision);
  const pointer = findPointer(state.doc, pick(state.doc));
  v = state.ajv.getSchema(`${state.id}#${pointer}`);
  if (!v) throw new Error(`cannot compile ${target}`);
  validators.set(target, v);
  return v;
}

/** What `body` breaks in the published schema of `target`; [] when it conforms. */
export function revisionProblems(target: RevisionTarget, body: unknown): string[] {
  const validate = validatorFor(target);
  return validate(body) ? [] : describeErrors(validate.errors);
}

/** A component schema of a revision as published (for enums a test compares against). */
export function revisionSchema(revision: Revision, name: string): Json {
  return load(revision).doc.components.schemas[name];
}
