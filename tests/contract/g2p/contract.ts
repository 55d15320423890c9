import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Ajv2020, { type ErrorObject } from "ajv/dist/2020";
import addFormats from "ajv-formats";

/**
 * The G2P Connect contract: JSON Schemas (draft 2020-12) written from the spec's v1.0 fields, one
 * file per message, sharing `common.schema.json`. `contractProblems(name, body)` lists what a body
 * breaks (empty when it conforms).
 */

const dir = path.dirname(fileURLToPath(import.meta.url));

export const G2P_CONTRACTS = [
  "ack",
  "disburse-request",
  "on-disburse",
  "search-request",
  "on-search",
  "txnstatus-request",
  "txnstatus-on-status",
  "cancel-request",
  "on-cancel",
] as const;
export type G2pContract = (typeof G2P_CONTRACTS)[number];

let ajv: Ajv2020 | undefined;

function validator(): Ajv2020 {
  if (ajv) return ajv;
  const instance = new Ajv2020({ allErrors: true, strict: true, strictTypes: false, strictRequired: false });
  addFormats(instance);
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".schema.json"))) {
    instance.addSchema(JSON.parse(readFileSync(path.join(dir, file), "utf8")) as object);
  }
  ajv = instance;
  return instance;
}

const describe = (errors: ErrorObject[] | null | undefined) =>
  (errors ?? []).map(
    (e) => `${e.instancePath || "(root)"} ${e.message ?? "is invalid"}${e.params && Object.keys(e.params).length ? ` ${JSON.stringify(e.params)}` : ""}`,
  );

/** What `body` breaks in the named contract; [] when it conforms. */
export function contractProblems(name: G2pContract, body: unknown): string[] {
  const validate = validator().getSchema(`https://g2p.test/contract/${name}.schema.json`);
  if (!validate) throw new Error(`no contract schema ${name}`);
  return validate(body) ? [] : describe(validate.errors);
}
