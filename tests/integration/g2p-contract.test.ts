import { createHash, createPublicKey, randomUUID, sign, verify, type KeyObject } from "node:crypto";
import { writeFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { platformSigningKey } from "@/server/services/g2p/signature";
import { G2P_SPEC_ERRATA, publishedDocument, specProblems, type G2pSpecTarget } from "../contract/g2p/published-spec";
import {
  disburseItems,
  disburseMessage,
  g2pFixture,
  g2pTestDb,
  getG2pStatus,
  outboundCallbacks,
  postG2p,
  stellarPayee,
  type G2pFixture,
  type G2pPostPath,
} from "./g2p-helpers";

/**
 * The G2P Connect contract against the PUBLISHED schemas (tests/fixtures/g2p-connect-specs, loaded
 * by tests/contract/g2p/published-spec.ts with only the errata listed in docs/g2p-connect.md).
 * Requests are built and signed here the way a client written from the spec does (its own
 * canonical JSON, BLAKE2b-512 and Ed25519, not the platform's code); every request is checked
 * against its published schema before it is sent, and every answer, callback and error body the
 * platform produces is checked against the published schema of that body.
 *
 * Each check is also counted (`check`), and the file prints "G2P contract checks: X of Y pass"
 * (and writes it to $G2P_CENSUS_FILE when set), so the same file measures the conformance of any
 * revision of the platform (docs/g2p-connect.md, "Conformance").
 */

const db = g2pTestDb();

/* ---------------------------------------------------------------- the census */

type Check = { name: string; ok: boolean; detail: string };
const census: Check[] = [];

/** Record one check: `fn` returns true, or [] of problems (a schema verdict); a throw fails it. */
function check(name: string, fn: () => boolean | string[]): boolean {
  let ok = false;
  let detail = "";
  try {
    const r = fn();
    ok = Array.isArray(r) ? r.length === 0 : r === true;
    detail = Array.isArray(r) ? r.slice(0, 5).join("; ") : ok ? "" : "false";
  } catch (error) {
    detail = String((error as Error)?.message ?? error);
  }
  census.push({ name, ok, detail });
  return ok;
}

/** Schema check of a body, counted. */
const conforms = (name: string, target: G2pSpecTarget, body: unknown) => check(`${name} conforms to ${target}`, () => specProblems(target, body));

/** Fail the test if any check it recorded failed (all of them are listed). */
function expectChecksSince(start: number) {
  const failed = census.slice(start).filter((c) => !c.ok);
  expect(failed.map((c) => `${c.name}: ${c.detail}`)).toEqual([]);
}

afterAll(() => {
  const passed = census.filter((c) => c.ok).length;
  const summary = `G2P contract checks: ${passed} of ${census.length} pass`;
  console.log(summary);
  if (process.env.G2P_CENSUS_FILE) writeFileSync(process.env.G2P_CENSUS_FILE, JSON.stringify({ summary, passed, total: census.length, census }, null, 2));
});

/* ---------------------------------------------------------------- a client written from the spec */

/** Object keys sorted at every level, no white space (docs/g2p-connect.md#signatures). */
function canonical(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  const keys = Object.keys(value as object)
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(",")}}`;
}

const blake = (text: string) => createHash("blake2b512").update(text, "utf8").digest("base64");

type SignStyle = {
  /** What the digest covers (default: canonical JSON of {header, message}). */
  digestOf?: "canonical" | "ordered" | { raw: string };
  /** `keyId` (Signature.yaml) or `kidId` (the MsgSignature example), with its namespace and line breaks. */
  spelling?: "keyId" | "kidId";
};

function clientSignature(fx: G2pFixture, header: object, message: object, style: SignStyle = {}): string {
  const created = Math.floor(Date.now() / 1000) - 5;
  const expires = created + 600;
  const digestOf = style.digestOf ?? "canonical";
  const digest =
    digestOf === "canonical" ? blake(canonical({ header, message })) : digestOf === "ordered" ? blake(JSON.stringify({ header, message })) : blake(digestOf.raw);
  const signingString = `(created): ${created}\n(expires): ${expires}\ndigest: BLAKE-512=${digest}`;
  const value = sign(null, Buffer.from(signingString, "utf8"), fx.sender.privateKey as KeyObject).toString("base64");
  const keyId = `${fx.sender.senderId}|k1|ed25519`;
  if (style.spelling === "kidId") {
    // The layout of the spec's MsgSignature example.
    return `Signature: \n    namespace="g2p",\n    kidId="${keyId}",\n    algorithm="ed25519",\n    created="${created}",\n    expires="${expires}",\n    headers="(created) (expires) digest",\n    signature="${value}"`;
  }
  return `Signature keyId="${keyId}",algorithm="ed25519",created="${created}",expires="${expires}",headers="(created) (expires) digest",signature="${value}"`;
}

function specHeader(fx: G2pFixture, action: string, totalCount: number, overrides: Record<string, unknown> = {}) {
  return {
    version: "1.0.0",
    message_id: randomUUID(),
    message_ts: new Date().toISOString(),
    action,
    sender_id: fx.sender.senderId,
    receiver_id: fx.org.slug,
    total_count: totalCount,
    is_msg_encrypted: false,
    meta: {},
    ...overrides,
  };
}

type Sent = { body: Record<string, unknown>; res: Awaited<ReturnType<typeof postG2p>> };

/**
 * Build, check against `target` and send a request. `signature` chooses where the signature
 * travels: the body (default), the HTTP Signature header, or both.
 */
async function send(
  fx: G2pFixture,
  path: G2pPostPath,
  target: G2pSpecTarget,
  action: string,
  message: Record<string, unknown>,
  totalCount: number,
  options: {
    key?: string | null;
    header?: Record<string, unknown>;
    style?: SignStyle;
    where?: "body" | "http" | "both";
    label?: string;
    /** The request deliberately breaks its published schema (a refusal test): checked to do so. */
    invalid?: boolean;
  } = {},
): Promise<Sent> {
  const header = specHeader(fx, action, totalCount, options.header);
  const where = options.where ?? "body";
  const body: Record<string, unknown> = { header, message };
  if (where !== "http") body.signature = clientSignature(fx, header, message, options.style);
  const raw = JSON.stringify(body);
  const headers: Record<string, string> = {};
  if (where !== "body") {
    headers.signature = clientSignature(fx, header, message, { ...options.style, digestOf: options.style?.digestOf ?? { raw } });
    headers.digest = `BLAKE-512=${blake(raw)}`;
  }
  if (options.invalid) check(`${options.label ?? path} request breaks ${target}`, () => specProblems(target, body).length > 0);
  else conforms(`${options.label ?? path} request`, target, body);
  const res = await postG2p(path, body, { key: options.key === undefined ? fx.writeKey : options.key, rawBody: raw, headers });
  return { body, res };
}

const platformKey = () => createPublicKey(platformSigningKey().privateKey);

/** Our body signature verifies with the platform key (a client's own check, from the docs). */
function bodySignatureValid(body: { signature?: string; header?: unknown; message?: unknown }): boolean {
  const p = Object.fromEntries([...(body.signature ?? "").matchAll(/([A-Za-z]+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
  const data = `(created): ${p.created}\n(expires): ${p.expires}\ndigest: BLAKE-512=${blake(canonical({ header: body.header, message: body.message }))}`;
  return verify(null, Buffer.from(data), platformKey(), Buffer.from(p.signature ?? "", "base64"));
}

/** The HTTP Signature header of an answer verifies over its exact bytes, with a matching Digest header. */
function httpSignatureValid(res: { text: string; headers?: Headers }): boolean {
  const value = res.headers?.get("signature");
  if (!value) return false;
  const p = Object.fromEntries([...value.matchAll(/([A-Za-z]+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
  if (res.headers?.get("digest") !== `BLAKE-512=${blake(res.text)}`) return false;
  const data = `(created): ${p.created}\n(expires): ${p.expires}\ndigest: BLAKE-512=${blake(res.text)}`;
  return verify(null, Buffer.from(data), platformKey(), Buffer.from(p.signature ?? "", "base64"));
}

/** A disburse message of `n` items to fresh Stellar accounts, amounts "1.50", "2.50", … */
function disburse(n: number, options: { currency?: string | null } = {}) {
  const items = disburseItems(n, { currency: options.currency === undefined ? "USD" : options.currency, amount: (i) => `${i + 1}.50` });
  return { items, message: disburseMessage(items) };
}

const lastCallback = async (fx: G2pFixture) => (await outboundCallbacks(db, fx.org.id)).at(-1);

/* ---------------------------------------------------------------- the checks */

describe("G2P contract (published v1.0.0 schemas): disburse", () => {
  it("/disburse: ACK, then an on-disburse callback signed by the platform", async () => {
    const start = census.length;
    const fx = await g2pFixture(db, { callbackUrl: "http://127.0.0.1:9/g2p/" });
    const { items, message } = disburse(3);
    const { res } = await send(fx, "/disburse", "disburse-request", "disburse", message, 3);
    conforms("/disburse answer", "ack", res.body);
    check("/disburse is acknowledged ACK", () => res.status === 200 && res.body?.message?.ack_status === "ACK");
    const cb = await lastCallback(fx);
    conforms("on-disburse callback", "on-disburse", cb?.body);
    check("on-disburse callback answers the request's correlation_id", () => cb?.body?.message?.correlation_id === res.body?.message?.correlation_id);
    check("on-disburse callback body signature verifies", () => bodySignatureValid(cb!.body));
    check(
      "on-disburse items are the request's",
      () =>
        canonical(
          cb!.body.message.disbursements_status.map((d: { reference_id: string; amount: string; currency_code: string }) => [d.reference_id, d.amount, d.currency_code]),
        ) === canonical(items.map((i) => [i.reference_id, i.amount, "USD"])),
    );
    expectChecksSince(start);
  });

  it("/disburse/sync/disburse with the spec's action: the on-disburse body, signed in the body and the HTTP header", async () => {
    const start = census.length;
    const fx = await g2pFixture(db);
    // The published enum of this path's request header action is ["search"].
    const { res } = await send(fx, "/disburse/sync/disburse", "sync-disburse-request", "search", disburse(2).message, 2);
    check("/disburse/sync/disburse answers 200", () => res.status === 200);
    conforms("/disburse/sync/disburse answer", "sync-disburse-answer", res.body);
    check("sync answer body signature verifies", () => bodySignatureValid(res.body));
    check("sync answer HTTP Signature header verifies", () => httpSignatureValid(res));
    expectChecksSince(start);
  });

  it("items without currency_code paid in the sender's default asset (USDC) report currency_code USD, never the asset code", async () => {
    const start = census.length;
    const fx = await g2pFixture(db);
    const { res } = await send(fx, "/disburse/sync/disburse", "sync-disburse-request", "search", disburse(1, { currency: null }).message, 1, {
      label: "default-asset disburse",
    });
    conforms("default-asset answer", "sync-disburse-answer", res.body);
    check("default-asset item currency_code is the ISO code USD", () => res.body.message.disbursements_status[0].currency_code === "USD");
    expectChecksSince(start);
  });
});

describe("G2P contract (published v1.0.0 schemas): search", () => {
  async function paid(fx: G2pFixture) {
    const { items, message } = disburse(3);
    const { res } = await send(fx, "/disburse", "disburse-request", "disburse", message, 3, { label: "search setup /disburse" });
    expect(res.body?.message?.ack_status, res.text).toBe("ACK");
    return { items, transactionId: message.transaction_id as string };
  }

  const searchBy = (criteria: [string, string][]) => ({
    transaction_id: `search-${randomUUID()}`,
    search_criteria: criteria.map(([type, value], i) => ({
      reference_id: `c${i + 1}-${randomUUID()}`,
      timestamp: new Date().toISOString(),
      request_type: "disburse",
      attribute_type: type,
      attribute_value: value,
    })),
  });

  it("/disburse/search (SearchRequest): ACK, then on-search with message.disbursements_status", async () => {
    const start = census.length;
    const fx = await g2pFixture(db);
    const { items } = await paid(fx);
    const { res } = await send(fx, "/disburse/search", "search-request", "search", searchBy([["payee_fa", items[1]!.payee_fa]]), 1, { key: fx.readKey });
    conforms("/disburse/search answer", "ack", res.body);
    check("/disburse/search is acknowledged ACK", () => res.body?.message?.ack_status === "ACK");
    const cb = await lastCallback(fx);
    conforms("on-search callback", "on-search", cb?.body);
    check(
      "on-search finds the item paid to the payee_fa",
      () => canonical(cb!.body.message.disbursements_status.map((d: { reference_id: string }) => d.reference_id)) === canonical([items[1]!.reference_id]),
    );
    check("on-search callback body signature verifies", () => bodySignatureValid(cb!.body));
    expectChecksSince(start);
  });

  it("/disburse/sync/search (SearchRequest) by payer_fa and payee_fa: the SearchResponse", async () => {
    const start = census.length;
    const fx = await g2pFixture(db);
    const { items } = await paid(fx);
    const message = searchBy([
      ["payer_fa", items[0]!.payer_fa!],
      ["payee_fa", stellarPayee()],
    ]);
    const { res } = await send(fx, "/disburse/sync/search", "sync-search-request", "search", message, 2, { key: fx.readKey });
    conforms("/disburse/sync/search answer", "sync-search-answer", res.body);
    check(
      "sync search by payer_fa finds every item; an unused payee_fa none",
      () => canonical(res.body.message.disbursements_status.map((d: { reference_id: string }) => d.reference_id)) === canonical(items.map((i) => i.reference_id)),
    );
    check("sync search answer HTTP Signature header verifies", () => httpSignatureValid(res));
    expectChecksSince(start);
  });
});

describe("G2P contract (published v1.0.0 schemas): txn status", () => {
  it("/disburse/txn/status with a spec action: ACK, then txn on-status with txn_type on-disburse", async () => {
    const start = census.length;
    const fx = await g2pFixture(db);
    const { message } = disburse(2);
    await send(fx, "/disburse", "disburse-request", "disburse", message, 2, { label: "txn setup /disburse" });
    const status = {
      transaction_id: `st-${randomUUID()}`,
      txnstatus_request: { reference_id: `r-${randomUUID()}`, txn_type: "disburse", attribute_type: "transaction_id", attribute_value: message.transaction_id },
    };
    // The published enum of this path's request header action is ["on-disburse", "on-search"].
    const { res } = await send(fx, "/disburse/txn/status", "txnstatus-request", "on-disburse", status, 1, { key: fx.readKey });
    conforms("/disburse/txn/status answer", "ack", res.body);
    check("/disburse/txn/status is acknowledged ACK", () => res.body?.message?.ack_status === "ACK");
    const cb = await lastCallback(fx);
    conforms("txn on-status callback", "txnstatus-on-status", cb?.body);
    check(
      "txn on-status reports txn_type on-disburse and the transaction's items",
      () => cb?.body?.message?.txnstatus_response?.txn_type === "on-disburse" && cb.body.message.txnstatus_response.txn_status.disbursements_status.length === 2,
    );
    expectChecksSince(start);
  });

  it("/disburse/sync/txn/status by correlation_id, for a search (txn_type search), and for an unknown transaction", async () => {
    const start = census.length;
    const fx = await g2pFixture(db);
    const { items, message } = disburse(2);
    const disbursed = await send(fx, "/disburse", "disburse-request", "disburse", message, 2, { label: "txn setup /disburse" });
    const correlationId = disbursed.res.body?.message?.correlation_id as string;
    const request = (attribute_type: string, attribute_value: unknown, txn_type = "disburse") => ({
      transaction_id: `st-${randomUUID()}`,
      txnstatus_request: { reference_id: `r-${randomUUID()}`, txn_type, attribute_type, attribute_value },
    });

    // The published enum of this path's request header action is ["search", "subscribe"].
    const byCorrelation = await send(fx, "/disburse/sync/txn/status", "sync-txnstatus-request", "search", request("correlation_id", correlationId), 1, {
      key: fx.readKey,
      label: "txn status by correlation_id",
    });
    conforms("txn status by correlation_id answer", "sync-txnstatus-answer", byCorrelation.res.body);
    check(
      "txn status by correlation_id finds the request's items",
      () =>
        canonical(byCorrelation.res.body.message.txnstatus_response.txn_status.disbursements_status.map((d: { reference_id: string }) => d.reference_id)) ===
        canonical(items.map((i) => i.reference_id)),
    );

    const searched = await send(
      fx,
      "/disburse/search",
      "search-request",
      "search",
      {
        transaction_id: `search-${randomUUID()}`,
        search_criteria: [{ reference_id: "c1", request_type: "disburse", attribute_type: "payee_fa", attribute_value: items[0]!.payee_fa }],
      },
      1,
      { key: fx.readKey, label: "txn setup /disburse/search" },
    );
    const bySearch = await send(
      fx,
      "/disburse/sync/txn/status",
      "sync-txnstatus-request",
      "search",
      request("transaction_id", (searched.body.message as { transaction_id: string }).transaction_id, "search"),
      1,
      { key: fx.readKey, label: "txn status of a search" },
    );
    conforms("txn status of a search answer", "sync-txnstatus-answer", bySearch.res.body);
    check(
      "txn status of a search answers txn_type on-search with the SearchRequest",
      () =>
        bySearch.res.body.message.txnstatus_response.txn_type === "on-search" && Array.isArray(bySearch.res.body.message.txnstatus_response.txn_status.search_criteria),
    );

    const unknown = await send(fx, "/disburse/sync/txn/status", "sync-txnstatus-request", "search", request("transaction_id", "no-such-txn"), 1, {
      key: fx.readKey,
      label: "txn status of an unknown transaction",
    });
    conforms("txn status of an unknown transaction answer", "sync-txnstatus-answer", unknown.res.body);
    check("an unknown transaction is rjct", () => unknown.res.body.header.status === "rjct");
    expectChecksSince(start);
  });

  it("GET /disburse/status/{transaction_id}/{summary_only}: a signed on-disburse body", async () => {
    const start = census.length;
    const fx = await g2pFixture(db);
    const { message } = disburse(2);
    await send(fx, "/disburse", "disburse-request", "disburse", message, 2, { label: "GET setup /disburse" });
    const res = await getG2pStatus({ key: fx.readKey, id: message.transaction_id as string, summaryOnly: false });
    conforms("GET status answer", "on-disburse", res.body);
    const missing = await getG2pStatus({ key: fx.readKey, id: "no-such-txn", summaryOnly: false });
    conforms("GET status of an unknown transaction (404)", "ack", missing.body);
    check("GET status of an unknown transaction is err.request.not_found", () => missing.status === 404 && missing.body.message.error.code === "err.request.not_found");
    expectChecksSince(start);
  });
});

describe("G2P contract (published v1.0.0 schemas): errors", () => {
  it("business refusals are rjct outcomes (header and item reason codes), never error.code", async () => {
    const start = census.length;
    const fx = await g2pFixture(db);
    const bad = disburse(2);
    bad.items[1]!.amount = "10";
    const { res } = await send(fx, "/disburse", "disburse-request", "disburse", bad.message, 2, { label: "refused /disburse (amount 10)", invalid: true });
    conforms("refused /disburse answer", "ack", res.body);
    check(
      "a refused /disburse is acknowledged (a callback follows) without error",
      () => res.body?.message?.ack_status === "ACK" && res.body.message.error === undefined,
    );
    const cb = await lastCallback(fx);
    conforms("refused on-disburse callback", "on-disburse", cb?.body);
    check(
      "the callback is rjct with the item's rjct.amount.invalid",
      () => cb?.body?.header?.status === "rjct" && cb.body.message.disbursements_status[1]?.status_reason_code === "rjct.amount.invalid",
    );

    const asset = await send(fx, "/disburse/sync/disburse", "sync-disburse-request", "search", disburse(1, { currency: "USDC" }).message, 1, {
      label: "refused sync disburse (currency USDC)",
      invalid: true,
    });
    conforms("refused sync disburse answer", "sync-disburse-answer", asset.res.body);
    check(
      "currency_code USDC is rjct.currency_code.invalid",
      () => asset.res.body?.message?.disbursements_status?.[0]?.status_reason_code === "rjct.currency_code.invalid",
    );

    const header = specHeader(fx, "disburse", 1);
    const message = disburse(1).message;
    const once = { header, message, signature: clientSignature(fx, header, message) };
    await postG2p("/disburse/sync/disburse", once, { key: fx.writeKey });
    const replay = await postG2p("/disburse/sync/disburse", once, { key: fx.writeKey });
    conforms("replayed message_id answer", "sync-disburse-answer", replay.body);
    check("a replayed message_id is rjct.message_id.duplicate in the header", () => replay.body?.header?.status_reason_code === "rjct.message_id.duplicate");
    expectChecksSince(start);
  });

  it("transport errors: err.* codes only; 401/403 answer the HttpErrorResponse", async () => {
    const start = census.length;
    const fx = await g2pFixture(db);
    const noKey = await send(fx, "/disburse", "disburse-request", "disburse", disburse(1).message, 1, { key: null, label: "no API key" });
    conforms("no API key (401)", "http-error", noKey.res.body);
    check("no API key is 401 err.request.unauthorized", () => noKey.res.status === 401 && noKey.res.body.errors?.[0]?.code === "err.request.unauthorized");

    const readOnly = await send(fx, "/disburse", "disburse-request", "disburse", disburse(1).message, 1, { key: fx.readKey, label: "read-only key" });
    conforms("read-only key (403)", "http-error", readOnly.res.body);
    check("a key without the scope is 403 err.request.forbidden", () => readOnly.res.status === 403 && readOnly.res.body.errors?.[0]?.code === "err.request.forbidden");

    const header = specHeader(fx, "disburse", 1);
    const message = disburse(1).message;
    const forged = { header, message, signature: clientSignature(fx, header, { ...message, transaction_id: "other" }) };
    const bad = await postG2p("/disburse", forged, { key: fx.writeKey });
    conforms("bad signature (401)", "http-error", bad.body);
    check("a bad signature is err.signature.invalid", () => bad.body.errors?.[0]?.code === "err.signature.invalid");

    const noCount = specHeader(fx, "disburse", 1);
    delete (noCount as Partial<typeof noCount>).total_count;
    const missing = { header: noCount, message, signature: clientSignature(fx, noCount, message) };
    check("a request without total_count breaks the published schema", () => specProblems("disburse-request", missing).length > 0);
    const res = await postG2p("/disburse", missing, { key: fx.writeKey });
    conforms("missing total_count (400)", "ack", res.body);
    check("a missing required header field is ERR err.request.bad", () => res.status === 400 && res.body.message.error.code === "err.request.bad");

    const localeItems = disburse(1);
    (localeItems.items[0] as Record<string, unknown>).locale = "en";
    const locale = await send(fx, "/disburse", "disburse-request", "disburse", localeItems.message, 1, { label: "locale en", invalid: true });
    check("a locale that is not ISO 639-3 is ERR err.request.bad", () => locale.res.status === 400 && locale.res.body.message.error.code === "err.request.bad");
    expectChecksSince(start);
  });
});

describe("G2P contract (published v1.0.0 schemas): signatures", () => {
  it.each([
    ["only in the HTTP Signature header (Signature.yaml), digest of the body bytes", { where: "http" as const }],
    ["only in the HTTP Signature header, digest of the canonical {header, message}", { where: "http" as const, style: { digestOf: "canonical" as const } }],
    ["in the body with the spec example's spelling (kidId, namespace, line breaks)", { style: { spelling: "kidId" as const } }],
    ["in the body over {header, message} as serialized (key order kept)", { style: { digestOf: "ordered" as const } }],
    ["in both places", { where: "both" as const }],
  ])("accepts a signature %s", async (_label, options) => {
    const start = census.length;
    const fx = await g2pFixture(db);
    const { res, body } = await send(fx, "/disburse", "disburse-request", "disburse", disburse(1).message, 1, { ...options, label: `signature ${_label}` });
    check(`signature ${_label} is accepted`, () => res.body?.message?.ack_status === "ACK");
    if ((options as { where?: string }).where === "http") check("a body without `signature` still conforms (the spec leaves it optional)", () => !("signature" in body));
    expectChecksSince(start);
  });

  it("refuses a message whose HTTP Signature header does not verify even when the body's does", async () => {
    const start = census.length;
    const fx = await g2pFixture(db);
    const header = specHeader(fx, "disburse", 1);
    const message = disburse(1).message;
    const body = { header, message, signature: clientSignature(fx, header, message) };
    const res = await postG2p("/disburse", body, { key: fx.writeKey, headers: { signature: clientSignature(fx, header, { other: true }) } });
    conforms("bad header signature (401)", "http-error", res.body);
    check("a bad HTTP Signature header is err.signature.invalid", () => res.status === 401 && res.body.errors?.[0]?.code === "err.signature.invalid");
    expectChecksSince(start);
  });
});

describe("G2P contract: the published schemas themselves", () => {
  it("need exactly the listed errata, and refuse what the spec does not allow", () => {
    const raw = publishedDocument({ errata: false });
    // Each erratum fixes something still wrong in the vendored file (applying it to the raw file works).
    for (const e of G2P_SPEC_ERRATA) expect(() => e.apply(structuredClone(raw)), e.id).not.toThrow();
    expect(raw.components.schemas.DisburseRequest.required).toContain("disburemsents");
    expect(
      specProblems("ack", {
        message: { ack_status: "NACK", timestamp: new Date().toISOString(), correlation_id: "c", error: { code: "rjct.amount.invalid", message: "m" } },
      }),
    ).not.toEqual([]);
    expect(specProblems("ack", { message: { ack_status: "OK", timestamp: new Date().toISOString(), correlation_id: "c" } })).not.toEqual([]);
    expect(specProblems("http-error", { errors: [{ code: "err.request.unauthorized", message: "m" }] })).toEqual([]);
    const item = { reference_id: "r", timestamp: new Date().toISOString(), status: "succ" };
    expect(
      specProblems("on-disburse", {
        header: { message_id: "m", message_ts: item.timestamp, action: "on-disburse", status: "succ" },
        message: { transaction_id: "t", disbursements_status: [{ ...item, currency_code: "USDC" }] },
      }),
    ).not.toEqual([]);
    expect(
      specProblems("on-disburse", {
        header: { message_id: "m", message_ts: item.timestamp, action: "on-disburse", status: "rjct", status_reason_code: "rjct.amount.invalid" },
        message: { transaction_id: "t", disbursements_status: [item] },
      }),
    ).not.toEqual([]);
  });
});
