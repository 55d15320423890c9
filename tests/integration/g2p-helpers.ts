import { generateKeyPairSync, randomUUID, type KeyObject } from "node:crypto";
import { Keypair } from "@stellar/stellar-sdk";
import { sql } from "drizzle-orm";
import { afterAll, expect, inject } from "vitest";
import { closeDb } from "@/db/client";
import type { Db } from "@/db/client";
import { g2pSenders, type G2pSender } from "@/db/schema";
import type { ApiScope } from "@/server/domain/api-scopes";
import type { G2pHeader } from "@/server/domain/g2p/messages";
import { createApiKey } from "@/server/services/api-keys/create-api-key";
import { seedDemoCatalog } from "@/server/services/catalog/seed-demo-catalog";
import type { OrgContext } from "@/server/services/context";
import { parseEd25519PublicKey, platformSigningKey, signG2pMessage, verifyG2pSignature } from "@/server/services/g2p/signature";
import { specProblems, type G2pSpecTarget } from "../contract/g2p/published-spec";
import * as cancelRoute from "@/app/api/g2p/disburse/cancel/route";
import * as disburseRoute from "@/app/api/g2p/disburse/route";
import * as searchRoute from "@/app/api/g2p/disburse/search/route";
import * as statusAliasRoute from "@/app/api/g2p/disburse/status/route";
import * as statusByReferenceRoute from "@/app/api/g2p/disburse/status/[id]/route";
import * as statusByTransactionRoute from "@/app/api/g2p/disburse/status/[id]/[summary]/route";
import * as syncDisburseRoute from "@/app/api/g2p/disburse/sync/disburse/route";
import * as syncSearchRoute from "@/app/api/g2p/disburse/sync/search/route";
import * as syncTxnStatusRoute from "@/app/api/g2p/disburse/sync/txn/status/route";
import * as txnStatusRoute from "@/app/api/g2p/disburse/txn/status/route";
import { createOrgWithMembers, randomSuffix, testDb, type TestOrg } from "./helpers";

/**
 * Shared G2P test utilities: a registered sender with its own Ed25519 key, signed requests, and
 * calls straight into the `/api/g2p` route handlers with real Requests.
 */

/**
 * The test database for a G2P test file; also points the route handlers' process pool (getDb) at
 * it and closes that pool after the file. Call it once at the top level of the file.
 */
export function g2pTestDb(): Db {
  process.env.DATABASE_URL = inject("databaseUrl");
  afterAll(() => closeDb());
  return testDb();
}

export const G2P_BASE = "http://localhost/api/g2p";

export type G2pTestSender = {
  row: G2pSender;
  senderId: string;
  privateKey: KeyObject;
  publicKeyPem: string;
};

/** Register a sender directly in the database with a fresh Ed25519 key pair. */
export async function createTestSender(
  db: Db,
  orgId: string,
  options: { walletId: string; defaultAssetId?: string | null; callbackUrl?: string; senderId?: string; enabled?: boolean; name?: string },
): Promise<G2pTestSender> {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const publicKeyPem = publicKey.export({ format: "pem", type: "spki" }).toString().trim();
  const senderId = options.senderId ?? `spmis-${randomSuffix()}`;
  const [row] = await db
    .insert(g2pSenders)
    .values({
      orgId,
      senderId,
      name: options.name ?? `Sender ${senderId}`,
      callbackUrl: options.callbackUrl ?? "http://127.0.0.1:9/g2p",
      publicKey: publicKeyPem,
      walletId: options.walletId,
      defaultAssetId: options.defaultAssetId ?? null,
      enabled: options.enabled ?? true,
    })
    .returning();
  if (!row) throw new Error("sender insert returned nothing");
  return { row, senderId, privateKey, publicKeyPem };
}

export type G2pFixture = TestOrg & {
  catalog: Awaited<ReturnType<typeof seedDemoCatalog>>;
  sender: G2pTestSender;
  /** An API key with write:disbursements (disburse, cancel and every query). */
  writeKey: string;
  /** An API key with read:disbursements only (search and status, not disburse or cancel). */
  readKey: string;
  ownerCtx: OrgContext;
};

/**
 * An organization with members, the demo catalog (XLM, USDC, Demo Wallet), a sender paying USDC by
 * default into the demo wallet, and two API keys.
 */
export async function g2pFixture(db: Db, options: { callbackUrl?: string; senderId?: string } = {}): Promise<G2pFixture> {
  const org = await createOrgWithMembers(db);
  const catalog = await seedDemoCatalog(db, org.org.id);
  const ownerCtx: OrgContext = { db, actor: { userId: org.users.owner.id }, org: { id: org.org.id }, role: "owner" };
  const sender = await createTestSender(db, org.org.id, {
    walletId: catalog.wallet.id,
    defaultAssetId: catalog.usdc.id,
    callbackUrl: options.callbackUrl,
    senderId: options.senderId,
  });
  const key = async (scopes: ApiScope[]) => (await createApiKey(ownerCtx, { name: `g2p key ${randomSuffix()}`, scopes })).key;
  return { ...org, catalog, sender, writeKey: await key(["write:disbursements"]), readKey: await key(["read:disbursements"]), ownerCtx };
}

/** A request header from this sender (a new message_id, message_ts now); `overrides` replace fields (undefined removes one). */
export function g2pHeader(sender: Pick<G2pTestSender, "senderId">, action: string, overrides: Partial<Record<keyof G2pHeader, unknown>> = {}) {
  const header: Record<string, unknown> = {
    version: "1.0.0",
    message_id: randomUUID(),
    message_ts: new Date().toISOString(),
    action,
    sender_id: sender.senderId,
    is_msg_encrypted: false,
    meta: {},
  };
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) delete header[k];
    else header[k] = v;
  }
  return header;
}

export type SignedRequestOptions = {
  header?: Partial<Record<keyof G2pHeader, unknown>>;
  /** Sign with another key (a bad signature); null: send no signature at all. */
  privateKey?: KeyObject | null;
  /** The keyId's sender part (default: the sender's id). */
  keyIdSender?: string;
  /** When the signature was made (default now). */
  signedAt?: Date;
};

/** A complete `{signature, header, message}` body signed with the sender's private key. */
export function signedRequest(sender: G2pTestSender, action: string, message: Record<string, unknown>, options: SignedRequestOptions = {}) {
  const header = g2pHeader(sender, action, { total_count: itemCount(action, message), ...options.header });
  const key = options.privateKey === undefined ? sender.privateKey : options.privateKey;
  const body: { signature?: string; header: Record<string, unknown>; message: Record<string, unknown> } = { header, message };
  if (key) {
    body.signature = signG2pMessage(header, message, { keyId: `${options.keyIdSender ?? sender.senderId}|test-key`, privateKey: key, now: options.signedAt });
  }
  return body;
}

/** The header.total_count a message needs (disburse: items; search: queries; status: 1; cancel: listed ids or 1). */
export function itemCount(action: string, message: Record<string, unknown>): number {
  if (action === "disburse" && Array.isArray(message.disbursements)) return message.disbursements.length;
  if (action === "search" && Array.isArray(message.search_criteria)) return message.search_criteria.length;
  if (action === "search" && Array.isArray(message.search_request)) return message.search_request.length;
  const list = (message.cancel_request as { reference_id_list?: unknown } | undefined)?.reference_id_list;
  if (action === "cancel" && Array.isArray(list)) return list.length;
  return 1;
}

/** Re-sign a body after a test changed its header or message. */
export function resign(sender: G2pTestSender, body: { signature?: string; header: Record<string, unknown>; message: Record<string, unknown> }) {
  return { ...body, signature: signG2pMessage(body.header, body.message, { keyId: `${sender.senderId}|test-key`, privateKey: sender.privateKey }) };
}

/* ---------------------------------------------------------------- messages */

/** A fresh Stellar account as a financial address. */
export const stellarPayee = () => `stellar:${Keypair.random().publicKey()}`;

export type TestItem = {
  reference_id: string;
  payee_fa: string;
  amount: string;
  currency_code?: string;
  payer_fa?: string;
  payee_name?: string;
  scheduled_timestamp?: string;
  note?: string;
  [key: string]: unknown;
};

/** `count` items to fresh Stellar accounts, amounts 1.5, 2.5, ... (currency_code USD, paid in USDC, unless told). */
export function disburseItems(count: number, options: { prefix?: string; currency?: string | null; amount?: (i: number) => string } = {}): TestItem[] {
  const prefix = options.prefix ?? `ref-${randomSuffix()}`;
  return Array.from({ length: count }, (_, i) => {
    const item: TestItem = {
      reference_id: `${prefix}-${i + 1}`,
      payee_fa: stellarPayee(),
      amount: options.amount ? options.amount(i) : `${i + 1}.5`,
      payer_fa: "stellar:program-account",
      payee_name: `Beneficiary ${i + 1}`,
      note: "Monthly support",
    };
    if (options.currency !== null) item.currency_code = options.currency ?? "USD";
    return item;
  });
}

/** A disburse message for a new (or given) transaction. */
export function disburseMessage(items: TestItem[], options: { transactionId?: string; envelope?: Record<string, unknown> } = {}) {
  const message: Record<string, unknown> = { transaction_id: options.transactionId ?? `txn-${randomSuffix()}`, disbursements: items };
  if (options.envelope) message.disbursement_envelope = options.envelope;
  return message;
}

/** The spec's SearchRequest: disbursements paid from / to financial addresses. */
export function specSearchMessage(criteria: { type: "payer_fa" | "payee_fa"; value: string; locale?: string }[], transactionId = `search-${randomSuffix()}`) {
  return {
    transaction_id: transactionId,
    search_criteria: criteria.map((c, i) => ({
      reference_id: `c-${i + 1}-${randomSuffix()}`,
      timestamp: new Date().toISOString(),
      request_type: "disburse",
      attribute_type: c.type,
      attribute_value: c.value,
      ...(c.locale ? { locale: c.locale } : {}),
    })),
  };
}

/** The extension's (older registry-search) shape, which also finds by reference_id and transaction_id. */
export function searchMessage(
  queries: { type: "reference_id" | "transaction_id" | "payee_fa" | "payer_fa"; value: string }[],
  transactionId = `search-${randomSuffix()}`,
) {
  return {
    transaction_id: transactionId,
    search_request: queries.map((query, i) => ({
      reference_id: `q-${i + 1}-${randomSuffix()}`,
      timestamp: new Date().toISOString(),
      search_criteria: { query_type: "idtype-value", query },
    })),
  };
}

export function txnStatusMessage(
  attribute: { type: "transaction_id" | "correlation_id"; value: string } | { type: "reference_id_list"; value: string[] },
  transactionId = `status-${randomSuffix()}`,
  txnType: "disburse" | "search" = "disburse",
) {
  return {
    transaction_id: transactionId,
    txnstatus_request: { reference_id: `st-${randomSuffix()}`, txn_type: txnType, attribute_type: attribute.type, attribute_value: attribute.value },
  };
}

export function cancelMessage(transactionId: string, referenceIds?: string[]) {
  return referenceIds ? { transaction_id: transactionId, cancel_request: { reference_id_list: referenceIds } } : { transaction_id: transactionId };
}

/* ---------------------------------------------------------------- calling the routes */

type PostHandler = (request: Request) => Promise<Response>;
type GetHandler = (request: Request, context: { params: Promise<Record<string, string>> }) => Promise<Response>;

const POST_ROUTES = {
  "/disburse": disburseRoute.POST,
  "/disburse/sync/disburse": syncDisburseRoute.POST,
  "/disburse/search": searchRoute.POST,
  "/disburse/status": statusAliasRoute.POST,
  "/disburse/sync/search": syncSearchRoute.POST,
  "/disburse/txn/status": txnStatusRoute.POST,
  "/disburse/sync/txn/status": syncTxnStatusRoute.POST,
  "/disburse/cancel": cancelRoute.POST,
} satisfies Record<string, PostHandler>;

export type G2pPostPath = keyof typeof POST_ROUTES;

/** The action each POST endpoint expects in `header.action`. */
export const G2P_PATH_ACTIONS: Record<G2pPostPath, string> = {
  "/disburse": "disburse",
  "/disburse/sync/disburse": "disburse",
  "/disburse/search": "search",
  "/disburse/status": "search",
  "/disburse/sync/search": "search",
  "/disburse/txn/status": "status",
  "/disburse/sync/txn/status": "status",
  "/disburse/cancel": "cancel",
};

export type G2pResponse = { status: number; text: string; body: any; headers: Headers };

async function read(response: Response): Promise<G2pResponse> {
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: response.status, text, body, headers: response.headers };
}

/** POST a body (or raw text) to a G2P route with `Authorization: Bearer <key>` (null: no header). */
export async function postG2p(
  path: G2pPostPath,
  body: unknown,
  options: { key: string | null; rawBody?: string; headers?: Record<string, string> },
): Promise<G2pResponse> {
  const headers = new Headers(options.headers);
  headers.set("content-type", "application/json");
  if (options.key) headers.set("authorization", `Bearer ${options.key}`);
  const request = new Request(`${G2P_BASE}${path}`, { method: "POST", headers, body: options.rawBody ?? JSON.stringify(body) });
  return read(await POST_ROUTES[path](request));
}

/** `GET /disburse/status/{transaction_id}/{summary_only}` (summaryOnly given) or `GET /disburse/status/{reference_id}`. */
export async function getG2pStatus(options: { key: string | null; id: string; summaryOnly?: string | boolean; senderId?: string }): Promise<G2pResponse> {
  const headers = new Headers();
  if (options.key) headers.set("authorization", `Bearer ${options.key}`);
  const query = options.senderId ? `?sender_id=${encodeURIComponent(options.senderId)}` : "";
  const byTransaction = options.summaryOnly !== undefined;
  const path = `/disburse/status/${encodeURIComponent(options.id)}${byTransaction ? `/${String(options.summaryOnly)}` : ""}`;
  const request = new Request(`${G2P_BASE}${path}${query}`, { method: "GET", headers });
  const params: Record<string, string> = byTransaction ? { id: options.id, summary: String(options.summaryOnly) } : { id: options.id };
  const handler = (byTransaction ? statusByTransactionRoute.GET : statusByReferenceRoute.GET) as GetHandler;
  return read(await handler(request, { params: Promise.resolve(params) }));
}

/* ---------------------------------------------------------------- what a request left behind */

/**
 * Row counts of everything a G2P request may write for an organization, for "a refusal leaves
 * nothing behind" assertions. Inbound messages are counted per answer status.
 */
export async function g2pFootprint(db: Db, orgId: string) {
  const count = async (query: ReturnType<typeof sql>) => Number(([...(await db.execute(query))][0] as { n: string | number }).n);
  return {
    disbursements: await count(sql`select count(*) as n from disbursements where org_id = ${orgId}`),
    payments: await count(sql`select count(*) as n from payments where org_id = ${orgId}`),
    receivers: await count(sql`select count(*) as n from receivers where org_id = ${orgId}`),
    receiverWallets: await count(sql`select count(*) as n from receiver_wallets where org_id = ${orgId}`),
    g2pTransactions: await count(sql`select count(*) as n from g2p_transactions where org_id = ${orgId}`),
    g2pItems: await count(sql`select count(*) as n from g2p_items where org_id = ${orgId}`),
    outbound: await count(sql`select count(*) as n from g2p_messages where org_id = ${orgId} and direction = 'outbound'`),
    inboundAck: await count(sql`select count(*) as n from g2p_messages where org_id = ${orgId} and direction = 'inbound' and status = 'ACK'`),
    inboundRefused: await count(sql`select count(*) as n from g2p_messages where org_id = ${orgId} and direction = 'inbound' and status <> 'ACK'`),
  };
}

/** Outbound callbacks stored for an organization, oldest first. */
export async function outboundCallbacks(db: Db, orgId: string) {
  const rows = await db.execute(
    sql`select id, endpoint, action, status, url, correlation_id, transaction_id, item_count, body from g2p_messages
        where org_id = ${orgId} and direction = 'outbound' order by created_at, id`,
  );
  return [...rows] as {
    id: string;
    endpoint: string;
    action: string;
    status: string;
    url: string;
    correlation_id: string | null;
    transaction_id: string;
    item_count: number;
    body: any;
  }[];
}

/** The inbound message rows for one message_id (refusals included), oldest first. */
export async function inboundMessages(db: Db, orgId: string, messageId: string) {
  const rows = await db.execute(
    sql`select id, endpoint, action, status, error_code, error_message, correlation_id, transaction_id, sender_row_id, sender_id, item_count from g2p_messages
        where org_id = ${orgId} and direction = 'inbound' and message_id = ${messageId} order by created_at, id`,
  );
  return [...rows] as {
    id: string;
    endpoint: string;
    action: string | null;
    status: string;
    error_code: string | null;
    error_message: string | null;
    correlation_id: string | null;
    transaction_id: string | null;
    sender_row_id: string | null;
    sender_id: string | null;
    item_count: number;
  }[];
}

/* ---------------------------------------------------------------- contract and signatures */

/** Assert that a body conforms to the published G2P Connect schema of `name` (tests/contract/g2p/published-spec.ts). */
export function expectContract(name: G2pSpecTarget, body: unknown) {
  const problems = specProblems(name, body);
  expect(problems, `${name}: ${problems.join("; ")} in ${JSON.stringify(body).slice(0, 600)}`).toEqual([]);
}

/** Assert that a `{signature, header, message}` we produced is signed with the platform key by the organization's slug. */
export function expectPlatformSignature(body: { signature?: string; header: { sender_id: string }; message: unknown }, orgSlug: string) {
  expect(body.header.sender_id).toBe(orgSlug);
  expect(body.signature, "signature").toMatch(new RegExp(`keyId="${orgSlug}\\|platform\\|ed25519"`));
  const verdict = verifyG2pSignature(body.signature ?? "", body.header, body.message, parseEd25519PublicKey(platformSigningKey().publicKeyPem));
  expect(verdict).toEqual({ ok: true });
}
