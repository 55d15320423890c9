import { createHash, createPublicKey, randomUUID, sign, verify, type KeyObject } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REVISION_2023_03_REASON_CODES } from "@/server/domain/g2p/revisions";
import { deliverDueCallbacks } from "@/server/services/g2p/deliver-callbacks";
import { platformSigningKey } from "@/server/services/g2p/signature";
import { movePaymentStatus } from "@/server/payments/payment-state-writer";
import * as disburseRoute from "@/app/api/g2p/disburse/route";
import * as searchByReferenceRoute from "@/app/api/g2p/disburse/search/[id]/route";
import * as searchByTransactionRoute from "@/app/api/g2p/disburse/search/[id]/[summary]/route";
import * as statusPostRoute from "@/app/api/g2p/disburse/status/route";
import * as statusByReferenceRoute from "@/app/api/g2p/disburse/status/[id]/route";
import * as statusByTransactionRoute from "@/app/api/g2p/disburse/status/[id]/[summary]/route";
import { revisionProblems, revisionSchema, type RevisionTarget } from "../contract/g2p/revision-specs";
import { specProblems } from "../contract/g2p/published-spec";
import { createG2pOauthClient } from "@/server/services/integrations/create-g2p-oauth-client";
import { issueG2pAccessToken } from "@/server/services/g2p/oauth-tokens";
import {
  createTestSender,
  disburseItems,
  disburseMessage,
  g2pFixture,
  g2pTestDb,
  outboundCallbacks,
  signedRequest,
  specSearchMessage,
  type G2pFixture,
  type TestItem,
} from "./g2p-helpers";
import { randomSuffix } from "./helpers";
import { startLoopback, type Loopback } from "./g2p-loopback";

/**
 * The older published revisions of G2P Connect's `api/g2p-disburse.yaml` (docs/g2p-connect.md,
 * "Revisions"), over real HTTP: a server on 127.0.0.1 runs the `/api/g2p` route handlers, a client
 * written from the 2023-03 file (its own canonical JSON, BLAKE2b-512 and Ed25519) sends that
 * revision's requests, and a loopback sender receives the `/disburse/on-status` callbacks the
 * delivery loop POSTs. Every request is checked against its published schema before it is sent;
 * every answer and callback against the published schema of that body (tests/contract/g2p/
 * revision-specs.ts, no errata). The v1.0.0 bodies of the same paths are checked to be unchanged.
 */

const db = g2pTestDb();

let server: http.Server;
let base = "";
let loopback: Loopback;
let fx: G2pFixture;

type Handler = (request: Request, context: { params: Promise<Record<string, string>> }) => Promise<Response>;

/** The routes this file calls, matched as Next.js matches app/api/g2p (static segments first). */
const ROUTES: { method: string; pattern: RegExp; names: string[]; handler: Handler }[] = [
  { method: "POST", pattern: /^\/api\/g2p\/disburse$/, names: [], handler: disburseRoute.POST as Handler },
  { method: "POST", pattern: /^\/api\/g2p\/disburse\/status$/, names: [], handler: statusPostRoute.POST as Handler },
  { method: "GET", pattern: /^\/api\/g2p\/disburse\/status\/([^/]+)\/([^/]+)$/, names: ["id", "summary"], handler: statusByTransactionRoute.GET as Handler },
  { method: "GET", pattern: /^\/api\/g2p\/disburse\/status\/([^/]+)$/, names: ["id"], handler: statusByReferenceRoute.GET as Handler },
  { method: "GET", pattern: /^\/api\/g2p\/disburse\/search\/([^/]+)\/([^/]+)$/, names: ["id", "summary"], handler: searchByTransactionRoute.GET as Handler },
  { method: "GET", pattern: /^\/api\/g2p\/disburse\/search\/([^/]+)$/, names: ["id"], handler: searchByReferenceRoute.GET as Handler },
];

beforeAll(async () => {
  loopback = await startLoopback();
  fx = await g2pFixture(db, { callbackUrl: `${loopback.url}/g2p` });
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      try {
        const [pathname = ""] = (req.url ?? "").split("?");
        let match: RegExpExecArray | null = null;
        const route = ROUTES.find((r) => r.method === req.method && (match = r.pattern.exec(pathname)) !== null);
        if (!route || !match) {
          res.writeHead(404).end();
          return;
        }
        const params = Object.fromEntries(route.names.map((n, i) => [n, decodeURIComponent((match as RegExpExecArray)[i + 1]!)]));
        const headers = new Headers();
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
        const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
        const answer = await route.handler(new Request(`${base}${req.url}`, { method: req.method, headers, body }), { params: Promise.resolve(params) });
        res.writeHead(answer.status, Object.fromEntries(answer.headers.entries()));
        res.end(Buffer.from(await answer.arrayBuffer()));
      } catch (error) {
        res.writeHead(599, { "content-type": "text/plain" }).end(String(error));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 180_000);

afterAll(async () => {
  await loopback?.close();
  await new Promise<void>((resolve) => server?.close(() => resolve()));
});

type Answer = { status: number; text: string; body: any; headers: Headers };

async function call(method: "GET" | "POST", path: string, options: { key?: string | null; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  const key = options.key === undefined ? fx.readKey : options.key;
  if (key) headers.authorization = `Bearer ${key}`;
  if (options.body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(`${base}/api/g2p${path}`, { method, headers, body: options.body });
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: res.status, text, body, headers: res.headers };
}

/** Assert a body conforms to the published schema of `target`, naming what breaks it. */
function expectConforms(target: RevisionTarget, body: unknown) {
  const problems = revisionProblems(target, body);
  expect(problems, `${target}: ${problems.join("; ")} in ${JSON.stringify(body).slice(0, 800)}`).toEqual([]);
}

/* ---------------------------------------------------------------- a client written from the 2023-03 file */

function canonical(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  const keys = Object.keys(value as object)
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(",")}}`;
}

const blake = (text: string) => createHash("blake2b512").update(text, "utf8").digest("base64");

/** The 2023-03 MsgSignature example's form: keyId="{sender_id}|{unique_key_id}|{algorithm}". */
function sign202303(header: object, message: object, keyIdSender = fx.sender.senderId, key: KeyObject = fx.sender.privateKey): string {
  const created = Math.floor(Date.now() / 1000) - 5;
  const expires = created + 600;
  const signingString = `(created): ${created}\n(expires): ${expires}\ndigest: BLAKE-512=${blake(canonical({ header, message }))}`;
  const value = sign(null, Buffer.from(signingString, "utf8"), key).toString("base64");
  return `Signature: keyId="${keyIdSender}|k1|ed25519",algorithm="ed25519",created="${created}",expires="${expires}",headers="(created) (expires) digest",signature="${value}"`;
}

/** A 2023-03 MsgReqHeader (`timestamp`, not `message_ts`; only message_id and timestamp required). */
function header202303(overrides: Record<string, unknown> = {}) {
  const header: Record<string, unknown> = {
    version: "0.1.0",
    message_id: randomUUID(),
    timestamp: new Date().toISOString(),
    action: "status",
    sender_id: fx.sender.senderId,
    sender_uri: `${loopback.url}/g2p`,
    receiver_id: fx.org.slug,
    total_count: 1,
  };
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) delete header[k];
    else header[k] = v;
  }
  return header;
}

/** Build a 2023-03 status request, check it against the published request schema, and POST it. */
async function postStatus202303(
  message: Record<string, unknown>,
  options: { header?: Record<string, unknown>; sign?: boolean; key?: string | null; invalid?: boolean } = {},
) {
  const header = header202303(options.header);
  const body: Record<string, unknown> = { header, message };
  if (options.sign !== false) body.signature = sign202303(header, message);
  if (options.invalid) expect(revisionProblems("status-request", body)).not.toEqual([]);
  else expectConforms("status-request", body);
  const res = await call("POST", "/disburse/status", { key: options.key, body: JSON.stringify(body) });
  return { header, body, res };
}

const platformKey = () => createPublicKey(platformSigningKey().privateKey);

/** Our body signature verifies with the platform key over the canonical {header, message}. */
function bodySignatureValid(body: { signature?: string; header?: unknown; message?: unknown }): boolean {
  const p = Object.fromEntries([...(body.signature ?? "").matchAll(/([A-Za-z]+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
  const data = `(created): ${p.created}\n(expires): ${p.expires}\ndigest: BLAKE-512=${blake(canonical({ header: body.header, message: body.message }))}`;
  return p.keyId === `${fx.org.slug}|platform|ed25519` && verify(null, Buffer.from(data), platformKey(), Buffer.from(p.signature ?? "", "base64"));
}

/* ---------------------------------------------------------------- setup: disbursements sent the v1.0.0 way */

async function disburse(n: number): Promise<{ items: TestItem[]; transactionId: string }> {
  const items = disburseItems(n, { currency: "USD" });
  const message = disburseMessage(items);
  const body = signedRequest(fx.sender, "disburse", message);
  const res = await call("POST", "/disburse", { key: fx.writeKey, body: JSON.stringify(body) });
  expect(res.body?.message?.ack_status, res.text).toBe("ACK");
  return { items, transactionId: message.transaction_id as string };
}

/** Move one item's payment (DRAFT) along the payment state machine to SUCCESS or FAILED. */
async function settle(referenceId: string, to: "SUCCESS" | "FAILED", message: string | null = null) {
  const rows = await db.execute(sql`select payment_id from g2p_items where org_id = ${fx.org.id} and reference_id = ${referenceId}`);
  const ids = [(rows[0] as { payment_id: string }).payment_id];
  await db.transaction(async (tx) => {
    await movePaymentStatus(tx, { orgId: fx.org.id, ids, from: ["DRAFT"], to: "READY", message: null });
    await movePaymentStatus(tx, { orgId: fx.org.id, ids, from: ["READY"], to: "PENDING", message: null });
    await movePaymentStatus(tx, { orgId: fx.org.id, ids, from: ["PENDING"], to, message });
  });
}

/**
 * Deliver this organization's due callbacks to the loopback and return the `/disburse/on-status`
 * ones it received since `from` (the setup's `/on-disburse` callbacks go out too).
 */
async function deliverSince(from: number) {
  await deliverDueCallbacks(db, { orgIds: [fx.org.id] });
  return loopback.received.slice(from).filter((r) => r.path === "/g2p/disburse/on-status");
}

/** A 2023-03 `timestamp` header (HTTP date). */
const httpDate = () => ({ timestamp: new Date().toUTCString() });

/* ---------------------------------------------------------------- 2023-03: POST /disburse/status and /disburse/on-status */

describe("2023-03 revision: POST /disburse/status, callback /disburse/on-status", () => {
  it("acknowledges with that revision's Response and calls back with disburse_status in its bodies", async () => {
    const { items, transactionId } = await disburse(3);
    await settle(items[0]!.reference_id, "SUCCESS");
    await settle(items[1]!.reference_id, "FAILED", "op_no_destination: The receiver's Stellar account does not exist.");
    // A 2023-03 receiver acknowledges with that revision's {message: {ack: {status}}}.
    loopback.respond = () => ({ status: 200, json: { message: { ack: { status: "ACK" } } } });
    const from = loopback.received.length;

    const { header, res } = await postStatus202303({ transaction_id: transactionId });
    expect(res.status, res.text).toBe(200);
    expectConforms("ack-2023-03", res.body);
    expect(res.body).toEqual({ message: { ack: { status: "ACK" } } });

    const received = await deliverSince(from);
    expect(received.map((r) => r.path)).toEqual(["/g2p/disburse/on-status"]);
    const cb = received[0]!;
    expectConforms("on-status", cb.body);
    expect(cb.verified, String(cb.verifyReason)).toBe(true);
    expect(cb.headerVerified).toBe(true);
    expect(bodySignatureValid(cb.body)).toBe(true);
    // The 2023-03 header: timestamp (not message_ts), the request's message_id echoed, IN_PROGRESS
    // while one item is still RCVD, the counts of the items.
    expect(cb.body.header).toMatchObject({
      message_id: header.message_id,
      action: "on-status",
      status: "IN_PROGRESS",
      total_count: 3,
      completed_count: 2,
      sender_id: fx.org.slug,
      receiver_id: fx.sender.senderId,
    });
    expect(cb.body.header.message_ts).toBeUndefined();
    expect(typeof cb.body.header.timestamp).toBe("string");
    expect(cb.body.message.transaction_id).toBe(transactionId);
    expect(cb.body.message.disbursements_status).toBeUndefined();
    expect(cb.body.message.disburse_status.map((d: { reference_id: string; status: string }) => [d.reference_id, d.status])).toEqual([
      [items[0]!.reference_id, "SUCC"],
      [items[1]!.reference_id, "RJCT"],
      [items[2]!.reference_id, "RCVD"],
    ]);
    // Our reason rjct.payee_fa.invalid in the 2023-03 spelling, and the amount echoed.
    expect(cb.body.message.disburse_status[1]).toMatchObject({ status_reason_code: "RJCT_PAYEE_FA_INVALID", amount: items[1]!.amount, currency_code: "USD" });
    // Only the revision's own item fields (no G2P Bridge extensions).
    expect(Object.keys(cb.body.message.disburse_status[0]).sort()).toEqual(
      ["amount", "currency_code", "payee_fa", "payee_name", "payer_fa", "reference_id", "status", "timestamp"].sort(),
    );
    // The delivery loop took the 2023-03 acknowledgement as ACK.
    const [row] = (await outboundCallbacks(db, fx.org.id)).filter((c) => c.body?.header?.message_id === header.message_id);
    expect(row?.status).toBe("DELIVERED");
  });

  it("reference_ids pick items (unknown ones RJCT UKWN_REFERENCE_ID_NOT_FOUND); every item final is COMPLETED", async () => {
    const { items, transactionId } = await disburse(2);
    await settle(items[0]!.reference_id, "SUCCESS");
    loopback.respond = () => ({ status: 200, json: { message: { ack: { status: "ACK" } } } });
    const from = loopback.received.length;
    // The status request's own transaction_id (not a disbursement's): found by its reference ids.
    const { res } = await postStatus202303({ transaction_id: `status-${randomUUID()}`, reference_ids: [items[0]!.reference_id, "no-such-ref"] });
    expect(res.body).toEqual({ message: { ack: { status: "ACK" } } });
    const [cb] = await deliverSince(from);
    expectConforms("on-status", cb!.body);
    expect(cb!.body.header).toMatchObject({ status: "COMPLETED", total_count: 2, completed_count: 2 });
    expect(cb!.body.message.disburse_status).toEqual([
      expect.objectContaining({ reference_id: items[0]!.reference_id, status: "SUCC" }),
      expect.objectContaining({ reference_id: "no-such-ref", status: "RJCT", status_reason_code: "UKWN_REFERENCE_ID_NOT_FOUND" }),
    ]);
    void transactionId;
  });

  it("an unknown transaction calls back REJECTED with UKWN_TRANSACTION_ID_NOT_FOUND; a header without sender_id is read from the keyId", async () => {
    const from = loopback.received.length;
    const { res } = await postStatus202303({ transaction_id: "no-such-transaction" }, { header: { sender_id: undefined, receiver_id: undefined, version: undefined } });
    expect(res.body).toEqual({ message: { ack: { status: "ACK" } } });
    const [cb] = await deliverSince(from);
    expectConforms("on-status", cb!.body);
    expect(cb!.body.header).toMatchObject({ status: "REJECTED", status_reason_code: "UKWN_TRANSACTION_ID_NOT_FOUND", total_count: 0 });
    expect(cb!.body.message).toEqual({ transaction_id: "no-such-transaction", disburse_status: [] });
  });

  it("refusals are that revision's NACK with ERR_* codes, or its HttpErrorResponse for 401/403", async () => {
    const { transactionId } = await disburse(1);
    const unsigned = await postStatus202303({ transaction_id: transactionId }, { sign: false });
    expect(unsigned.res.status).toBe(401);
    expectConforms("http-error-2023-03", unsigned.res.body);
    expect(unsigned.res.body.error.code).toBe("ERR_INVALID_SIGNATURE");

    const noKey = await postStatus202303({ transaction_id: transactionId }, { key: null });
    expect(noKey.res.status).toBe(401);
    expectConforms("http-error-2023-03", noKey.res.body);
    expect(noKey.res.body).toEqual({ error: { code: "ERR_ACCESS_DENIED", message: expect.any(String) } });

    const stale = await postStatus202303({ transaction_id: transactionId }, { header: { timestamp: new Date(Date.now() - 3_600_000).toISOString() } });
    expect(stale.res.status).toBe(400);
    expectConforms("ack-2023-03", stale.res.body);
    expect(stale.res.body).toMatchObject({ message: { ack: { status: "NACK" } }, error: { code: "ERR_INVALID_TIMESTAMP" } });

    const wrongAction = await postStatus202303({ transaction_id: transactionId }, { header: { action: "search" }, invalid: true });
    expectConforms("ack-2023-03", wrongAction.res.body);
    expect(wrongAction.res.body.error.code).toBe("ERR_INVALID_ACTION");

    const first = await postStatus202303({ transaction_id: transactionId });
    expect(first.res.body.message.ack.status).toBe("ACK");
    const replay = await call("POST", "/disburse/status", { body: JSON.stringify(first.body) });
    expectConforms("ack-2023-03", replay.body);
    expect(replay.body).toMatchObject({ message: { ack: { status: "NACK" } }, error: { code: "ERR_INVALID_MESSAGE_ID" } });

    const empty = await postStatus202303({});
    expectConforms("ack-2023-03", empty.res.body);
    expect(empty.res.body.error.code).toBe("ERR_INVALID_MESSAGE");
    // Every error code we sent is one of the revision's.
    const codes = revisionSchema("2023-03", "Error").properties.code.enum as string[];
    for (const r of [unsigned, noKey, stale, wrongAction, empty]) expect(codes).toContain(r.res.body.error.code);
  });

  it("the same path keeps v1.0.0 bodies for a v1.0.0 request (message_ts): ACK with ack_status, on-status callback with disbursements_status", async () => {
    const { items } = await disburse(1);
    loopback.respond = () => ({ status: 200, json: { message: { ack_status: "ACK", timestamp: new Date().toISOString(), correlation_id: "c" } } });
    const from = loopback.received.length;
    const body = signedRequest(fx.sender, "search", specSearchMessage([{ type: "payee_fa", value: items[0]!.payee_fa }]));
    const res = await call("POST", "/disburse/status", { body: JSON.stringify(body) });
    expect(specProblems("ack", res.body)).toEqual([]);
    expect(res.body.message.ack_status).toBe("ACK");
    // The callback that answers this request (earlier tests may have left others to deliver).
    const cb = (await deliverSince(from)).find((r) => r.body?.message?.correlation_id === res.body.message.correlation_id);
    expect(cb?.path).toBe("/g2p/disburse/on-status");
    expect(cb!.body.header.message_ts).toBeDefined();
    expect(cb!.body.message.disbursements_status.map((d: { reference_id: string }) => d.reference_id)).toEqual([items[0]!.reference_id]);
    expect(revisionProblems("on-status", cb!.body)).not.toEqual([]);
  });
});

/* ---------------------------------------------------------------- 2023-03: the GET status paths */

describe("2023-03 revision: GET /disburse/status/{transaction_id}/{summary_only} and /{reference_id}", () => {
  it("answers the 2023-03 bodies when called with that revision's timestamp header", async () => {
    const { items, transactionId } = await disburse(2);
    await settle(items[1]!.reference_id, "SUCCESS");

    const full = await call("GET", `/disburse/status/${encodeURIComponent(transactionId)}/false`, { headers: httpDate() });
    expect(full.status, full.text).toBe(200);
    expectConforms("status-by-transaction", full.body);
    expect(bodySignatureValid(full.body)).toBe(true);
    expect(full.body.header).toMatchObject({ action: "status", status: "IN_PROGRESS", total_count: 2, completed_count: 1, sender_id: fx.org.slug });
    expect(full.body.message.disburse_status.map((d: { status: string }) => d.status)).toEqual(["RCVD", "SUCC"]);

    const summary = await call("GET", `/disburse/status/${encodeURIComponent(transactionId)}/true`, { headers: httpDate() });
    expectConforms("status-by-transaction", summary.body);
    expect(summary.body.message).toEqual({ transaction_id: transactionId });
    expect(summary.body.header.total_count).toBe(2);

    const one = await call("GET", `/disburse/status/${encodeURIComponent(items[1]!.reference_id)}`, { headers: httpDate() });
    expectConforms("status-by-reference", one.body);
    // That path's message.disburse_status is one DisburseResponse, not a list.
    expect(one.body.message.disburse_status).toMatchObject({ reference_id: items[1]!.reference_id, status: "SUCC", amount: items[1]!.amount });
    expect(one.body.header.status).toBe("COMPLETED");
  });

  it("unknown ids are REJECTED with the UKWN_* codes (404); bad credentials answer the HttpErrorResponse", async () => {
    const missing = await call("GET", "/disburse/status/no-such-transaction/false", { headers: httpDate() });
    expect(missing.status).toBe(404);
    expectConforms("status-by-transaction", missing.body);
    expect(missing.body.header).toMatchObject({ status: "REJECTED", status_reason_code: "UKWN_TRANSACTION_ID_NOT_FOUND" });

    const missingRef = await call("GET", "/disburse/status/no-such-reference", { headers: httpDate() });
    expect(missingRef.status).toBe(404);
    expectConforms("status-by-reference", missingRef.body);
    expect(missingRef.body.message.disburse_status).toMatchObject({
      reference_id: "no-such-reference",
      status: "RJCT",
      status_reason_code: "UKWN_REFERENCE_ID_NOT_FOUND",
    });

    const noKey = await call("GET", "/disburse/status/anything/false", { key: null, headers: httpDate() });
    expect(noKey.status).toBe(401);
    expectConforms("http-error-2023-03", noKey.body);
    expect(noKey.body.error.code).toBe("ERR_ACCESS_DENIED");

    const badDate = await call("GET", "/disburse/status/anything/false", { headers: { timestamp: "yesterday" } });
    expect(badDate.status).toBe(400);
    expectConforms("status-by-transaction", badDate.body);
    expect(badDate.body.header).toMatchObject({ status: "REJECTED", status_reason_code: "ERR_INVALID_TIMESTAMP" });
    for (const code of [missing.body.header.status_reason_code, missingRef.body.message.disburse_status.status_reason_code]) {
      expect(REVISION_2023_03_REASON_CODES).toContain(code);
    }
  });

  it("without the timestamp header the same paths keep their v1.0.0-style on-disburse body", async () => {
    const { transactionId } = await disburse(1);
    const v1 = await call("GET", `/disburse/status/${encodeURIComponent(transactionId)}/false`);
    expect(v1.status).toBe(200);
    expect(specProblems("on-disburse", v1.body)).toEqual([]);
    expect(v1.body.header.action).toBe("on-disburse");
    expect(v1.body.message.disbursements_status).toHaveLength(1);
    expect(revisionProblems("status-by-transaction", v1.body)).not.toEqual([]);
  });
});

/* ---------------------------------------------------------------- 2023-07: the GET search paths */

describe("2023-07 revision: GET /disburse/search/{transaction_id}/{summary_only} and /{reference_id}", () => {
  it("answers that revision's bodies (message_ts, lower-case statuses, disbursements_status), signed", async () => {
    const { items, transactionId } = await disburse(2);
    await settle(items[0]!.reference_id, "SUCCESS");
    const full = await call("GET", `/disburse/search/${encodeURIComponent(transactionId)}/false`, { headers: httpDate() });
    expect(full.status, full.text).toBe(200);
    expectConforms("search-by-transaction", full.body);
    expect(bodySignatureValid(full.body)).toBe(true);
    expect(full.body.header).toMatchObject({ action: "search", status: "pdng", total_count: 2, completed_count: 1, is_encrypted: false });
    expect(full.body.message.transaction_id).toBe(transactionId);
    expect(full.body.message.disbursements_status.map((d: { reference_id: string; status: string }) => [d.reference_id, d.status])).toEqual([
      [items[0]!.reference_id, "succ"],
      [items[1]!.reference_id, "rcvd"],
    ]);

    const summary = await call("GET", `/disburse/search/${encodeURIComponent(transactionId)}/true`);
    expectConforms("search-by-transaction", summary.body);
    expect(summary.body.message).toEqual({ transaction_id: transactionId, disbursements_status: [] });

    const one = await call("GET", `/disburse/search/${encodeURIComponent(items[0]!.reference_id)}`);
    expectConforms("search-by-reference", one.body);
    expect(one.body.message).toMatchObject({
      transaction_id: transactionId,
      disbursements_status: [expect.objectContaining({ reference_id: items[0]!.reference_id, status: "succ" })],
    });
  });

  it("unknown ids answer rjct (404), a bad summary_only 400, credentials and scope as every G2P path", async () => {
    const missing = await call("GET", "/disburse/search/no-such-transaction/false");
    expect(missing.status).toBe(404);
    expectConforms("search-by-transaction", missing.body);
    expect(missing.body.header.status).toBe("rjct");
    expect(missing.body.header.status_reason_message).toMatch(/^rjct\.transaction_id\.not_found/);

    const missingRef = await call("GET", "/disburse/search/no-such-reference");
    expect(missingRef.status).toBe(404);
    expectConforms("search-by-reference", missingRef.body);
    expect(missingRef.body.message.disbursements_status[0]).toMatchObject({ reference_id: "no-such-reference", status: "rjct" });

    const bad = await call("GET", "/disburse/search/anything/maybe");
    expect(bad.status).toBe(400);
    expectConforms("search-by-transaction", bad.body);

    const noKey = await call("GET", "/disburse/search/anything/false", { key: null });
    expect(noKey.status).toBe(401);
    expectConforms("http-error-2023-07", noKey.body);
    expect(noKey.body.error.code).toBe("err.request.unauthorized");

    // Organization-scoped: another organization's key does not see this one's transactions.
    const { transactionId } = await disburse(1);
    const other = await g2pFixture(db);
    const foreign = await call("GET", `/disburse/search/${encodeURIComponent(transactionId)}/false`, { key: other.readKey });
    expect(foreign.status).toBe(404);
    const foreign202303 = await call("GET", `/disburse/status/${encodeURIComponent(transactionId)}/false`, { key: other.readKey, headers: httpDate() });
    expect(foreign202303.status).toBe(404);
  });
});

/* ---------------------------------------------------------------- OAuth2 access tokens */

describe("the revisions' paths take the access tokens of POST /oauth2/client/token, for their own sender only", () => {
  async function tokenFor(senderRowId: string): Promise<string> {
    const client = await createG2pOauthClient(fx.ownerCtx, { sender_row_id: senderRowId, name: `client ${randomSuffix()}`, scopes: ["read:disbursements"] });
    const body = new URLSearchParams({ grant_type: "client_credentials", client_id: client.client_id, client_secret: client.client_secret }).toString();
    const answer = await issueG2pAccessToken(db, { contentType: "application/x-www-form-urlencoded", authorization: null, body, ip: "203.0.113.20" });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return (answer.body as { access_token: string }).access_token;
  }

  it("a token of the sender reads its transactions; a token of another sender of the organization does not", async () => {
    const { transactionId } = await disburse(1);
    const own = await tokenFor(fx.sender.row.id);
    const sibling = await createTestSender(db, fx.org.id, { walletId: fx.catalog.wallet.id });
    const siblings = await tokenFor(sibling.row.id);

    const from = loopback.received.length;
    loopback.respond = () => ({ status: 200, json: { message: { ack: { status: "ACK" } } } });
    // No sender_id in the header and the token's sender signs: the keyId names it.
    const ok = await postStatus202303({ transaction_id: transactionId }, { key: own, header: { sender_id: undefined } });
    expect(ok.res.body).toEqual({ message: { ack: { status: "ACK" } } });
    const [cb] = await deliverSince(from);
    expect(cb!.body.header.status).toBe("IN_PROGRESS");

    const refused = await postStatus202303({ transaction_id: transactionId }, { key: siblings });
    expect(refused.res.status).toBe(403);
    expectConforms("http-error-2023-03", refused.res.body);
    expect(refused.res.body.error.code).toBe("ERR_ACCESS_DENIED");

    expect((await call("GET", `/disburse/search/${encodeURIComponent(transactionId)}/true`, { key: own })).status).toBe(200);
    expect((await call("GET", `/disburse/status/${encodeURIComponent(transactionId)}/true`, { key: own, headers: httpDate() })).status).toBe(200);
    expect((await call("GET", `/disburse/search/${encodeURIComponent(transactionId)}/true`, { key: siblings })).status).toBe(404);
  });
});
