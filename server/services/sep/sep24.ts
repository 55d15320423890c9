import { createHmac, timingSafeEqual } from "node:crypto";
import { and, asc, desc, eq, gt, gte, inArray, isNull, lt, or } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { assets, messages, organizations, receivers, receiverWallets, sep24Transactions, wallets } from "@/db/schema";
import { subkey } from "../crypto/keys";
import { sendMessage } from "../messaging/send-message";
import { issueRegistrationToken, registrationUrl } from "../registration/registration-token";
import { sepConfig, type SepConfig } from "./config";
import { SepError } from "./errors";
import type { Sep10Session } from "./sep10";
import { listSepAssets } from "./stellar-toml";

/**
 * SEP-24 interactive deposit, as SDP runs it (docs/domain.md#sep-10-and-sep-24): a wallet app
 * authenticated with SEP-10 starts a "deposit" for its account; the interactive URL opens our page, which
 * asks for the contact the organization knows, and sends the receiver's registration link (/r/<token>) to
 * that contact. The registration page then confirms the OTP and verification value and registers the
 * address; `completeSep24ForReceiverWallet` marks the SEP-24 transaction completed.
 */
export const INTERACTIVE_TOKEN_MINUTES = 30;
/** At most one SEP-24 registration message per receiver wallet in this window (anti-spam). */
export const CONTACT_MESSAGE_INTERVAL_MINUTES = 10;

export const SEP24_STRINGS = {
  invitationSubject: (org: string) => `${org}: finish registering your wallet`,
  invitationBody: (org: string, accountTail: string, link: string) =>
    `${org} has a payment waiting for you. A wallet app (Stellar address ending ${accountTail}) asked to register for it. Continue here and enter the address your own wallet app shows: ${link} If you did not ask for this, ignore this message.`,
};

/** SEP-24 asset keys: the native asset is "native" (wallets may also send "XLM"). */
const assetKey = (code: string, issuer: string) => (issuer ? code : "native");

export async function sep24Info(db: DbOrTx) {
  const deposit: Record<string, { enabled: true; min_amount: number }> = {};
  const withdraw: Record<string, { enabled: false }> = {};
  for (const asset of await listSepAssets(db)) {
    const key = assetKey(asset.code, asset.issuer);
    deposit[key] = { enabled: true, min_amount: 0 };
    withdraw[key] = { enabled: false };
  }
  return { deposit, withdraw, fee: { enabled: false }, features: { account_creation: false, claimable_balances: false } };
}

// ---------------------------------------------------------------------------------------------
// The interactive URL's token: `<transactionId>.<account>.<expiresAt>.<hmac>`, short-lived and bound
// to the SEP-24 transaction and the SEP-10-authenticated account.

function signInteractive(payload: string): string {
  return createHmac("sha256", subkey("sep24-interactive")).update(payload).digest("base64url");
}

export function encodeInteractiveToken(claims: { transactionId: string; account: string; expiresAt: Date }): string {
  const payload = `${claims.transactionId}.${claims.account}.${Math.floor(claims.expiresAt.getTime() / 1000)}`;
  return `${payload}.${signInteractive(payload)}`;
}

export function decodeInteractiveToken(token: string, transactionId: string, now = new Date()): { transactionId: string; account: string; expiresAt: Date } | null {
  const parts = token.split(".");
  if (parts.length !== 4) return null;
  const [id, account, exp, signature] = parts as [string, string, string, string];
  const expected = Buffer.from(signInteractive(`${id}.${account}.${exp}`));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  if (id !== transactionId) return null;
  const expiresAt = new Date(Number(exp) * 1000);
  if (!Number.isFinite(expiresAt.getTime()) || expiresAt <= now) return null;
  return { transactionId: id, account, expiresAt };
}

/** The name of the organization a SEP-24 transaction belongs to ("" when unknown), shown on the interactive page. */
export async function interactiveDepositOrgName(db: DbOrTx, transactionId: string): Promise<string> {
  const [row] = await db
    .select({ orgName: organizations.name })
    .from(sep24Transactions)
    .innerJoin(organizations, eq(organizations.id, sep24Transactions.orgId))
    .where(eq(sep24Transactions.id, transactionId));
  return row?.orgName ?? "";
}

export function interactiveUrl(config: SepConfig, transactionId: string, token: string, lang?: string | null): string {
  const params = new URLSearchParams({ transaction_id: transactionId, token });
  if (lang) params.set("lang", lang);
  return `${config.appUrl}/sep24/interactive?${params.toString()}`;
}

// ---------------------------------------------------------------------------------------------

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The organization a deposit belongs to, as SDP resolves it: the organizations whose wallet has this
 * SEP-10 client domain (when the wallet proved one), narrowed to those paying the asset; it must be
 * exactly one.
 */
export async function resolveDepositOrg(db: DbOrTx, input: { assetCode: string; clientDomain: string | null }): Promise<{ orgId: string; assetCode: string }> {
  const code = input.assetCode.trim();
  const native = code === "native" || code.toUpperCase() === "XLM";
  const candidates = await db
    .selectDistinct({ orgId: assets.orgId })
    .from(assets)
    .where(and(eq(assets.enabled, true), isNull(assets.deletedAt), eq(assets.kind, "STELLAR"), native ? eq(assets.issuer, "") : eq(assets.code, code)));
  if (candidates.length === 0) throw new SepError(400, `asset '${code}' is not supported`);
  let orgIds = [...new Set(candidates.map((c) => c.orgId))];
  if (input.clientDomain) {
    const byWallet = await db
      .selectDistinct({ orgId: wallets.orgId })
      .from(wallets)
      .where(and(eq(wallets.enabled, true), isNull(wallets.deletedAt), eq(wallets.sep10ClientDomain, input.clientDomain), inArray(wallets.orgId, orgIds)));
    if (byWallet.length > 0) orgIds = byWallet.map((w) => w.orgId);
  }
  if (orgIds.length !== 1) throw new SepError(400, "the organization cannot be determined for this wallet and asset");
  return { orgId: orgIds[0]!, assetCode: native ? "native" : code };
}

export async function startInteractiveDeposit(
  db: DbOrTx,
  session: Sep10Session,
  fields: Record<string, string>,
  options: { config?: SepConfig; now?: Date } = {},
): Promise<{ type: "interactive_customer_info_needed"; url: string; id: string }> {
  const config = options.config ?? sepConfig();
  const now = options.now ?? new Date();
  const assetCode = fields.asset_code?.trim();
  if (!assetCode) throw new SepError(400, "'asset_code' is required");
  // SEP-24: an account (or memo) other than the authenticated one is a bad request.
  if (fields.account && fields.account.trim() !== session.account) throw new SepError(400, "'account' does not match the authenticated account");
  const memo = fields.memo?.trim() || null;
  if (memo && memo !== session.memo) throw new SepError(400, "'memo' does not match the authenticated memo");
  const { orgId, assetCode: code } = await resolveDepositOrg(db, { assetCode, clientDomain: session.clientDomain });
  const [row] = await db
    .insert(sep24Transactions)
    .values({ orgId, stellarAccount: session.account, stellarMemo: session.memo, clientDomain: session.clientDomain, assetCode: code, createdAt: now })
    .returning({ id: sep24Transactions.id });
  if (!row) throw new Error("sep24 transaction insert returned nothing");
  const token = encodeInteractiveToken({ transactionId: row.id, account: session.account, expiresAt: new Date(now.getTime() + INTERACTIVE_TOKEN_MINUTES * 60_000) });
  return { type: "interactive_customer_info_needed", url: interactiveUrl(config, row.id, token, fields.lang?.trim() || null), id: row.id };
}

type Sep24Row = typeof sep24Transactions.$inferSelect;

/** A SEP-24 transaction as wallets read it (a deposit: this platform offers no withdrawals). */
function transactionJson(config: SepConfig, tx: Sep24Row) {
  return {
    id: tx.id,
    kind: "deposit" as const,
    status: tx.status,
    more_info_url: `${config.appUrl}/sep24/interactive?transaction_id=${tx.id}`,
    started_at: tx.createdAt.toISOString(),
    ...(tx.completedAt ? { completed_at: tx.completedAt.toISOString() } : {}),
    to: tx.stellarAccount,
    ...(tx.stellarMemo ? { deposit_memo: tx.stellarMemo, deposit_memo_type: "id" } : {}),
  };
}

/** The rows of the authenticated account (and memo) only. */
function ownedBy(session: Sep10Session) {
  return and(
    eq(sep24Transactions.stellarAccount, session.account),
    session.memo ? eq(sep24Transactions.stellarMemo, session.memo) : isNull(sep24Transactions.stellarMemo),
  );
}

/**
 * GET /sep24/transaction: by exactly one of `id`, `stellar_transaction_id`, `external_transaction_id`.
 * Deposits here end with the receiver's registration, not with a Stellar or off-chain transfer, so no
 * SEP-24 transaction carries either of the other two ids: those lookups answer 404 like an unknown id.
 */
export async function getSep24Transaction(
  db: DbOrTx,
  session: Sep10Session,
  q: { id?: string | null; stellarTransactionId?: string | null; externalTransactionId?: string | null },
  options: { config?: SepConfig } = {},
) {
  const config = options.config ?? sepConfig();
  const given = (
    [
      ["id", q.id],
      ["stellar_transaction_id", q.stellarTransactionId],
      ["external_transaction_id", q.externalTransactionId],
    ] as const
  ).filter(([, value]) => value?.trim());
  if (given.length === 0) throw new SepError(400, "one of 'id', 'stellar_transaction_id' or 'external_transaction_id' is required");
  if (given.length > 1) throw new SepError(400, "give only one of 'id', 'stellar_transaction_id' and 'external_transaction_id'");
  const [name, raw] = given[0]!;
  const value = raw!.trim();
  if (name === "stellar_transaction_id" && !/^[0-9a-f]{64}$/i.test(value)) throw new SepError(400, "'stellar_transaction_id' must be a transaction hash (64 hex digits)");
  if (name !== "id" || !UUID.test(value)) throw new SepError(404, "transaction not found");
  const [tx] = await db
    .select()
    .from(sep24Transactions)
    .where(and(eq(sep24Transactions.id, value), ownedBy(session)));
  if (!tx) throw new SepError(404, "transaction not found");
  return { transaction: transactionJson(config, tx) };
}

/** Most transactions one GET /sep24/transactions returns (SEP-24 leaves the default to the anchor). */
export const SEP24_TRANSACTIONS_MAX = 200;

export type Sep24TransactionsQuery = {
  asset_code?: string | null;
  limit?: string | null;
  kind?: string | null;
  no_older_than?: string | null;
  paging_id?: string | null;
};

/**
 * GET /sep24/transactions: the authenticated account's transactions in `asset_code` (required, one of
 * /info's assets), newest first; `limit` (1–200, default 200), `kind` (`deposit`, or `withdrawal`: none
 * here), `no_older_than` (started at or after this date-time), `paging_id` (those older than it).
 */
export async function listSep24Transactions(db: DbOrTx, session: Sep10Session, query: Sep24TransactionsQuery, options: { config?: SepConfig } = {}) {
  const config = options.config ?? sepConfig();
  const code = query.asset_code?.trim();
  if (!code) throw new SepError(400, "'asset_code' is required");
  const native = code === "native" || code.toUpperCase() === "XLM";
  const offered = (await listSepAssets(db)).some((a) => (native ? !a.issuer : a.issuer && a.code === code));
  if (!offered) throw new SepError(400, `invalid 'asset_code': '${code}' is not an asset of /sep24/info`);

  let limit = SEP24_TRANSACTIONS_MAX;
  if (query.limit != null && query.limit !== "") {
    if (!/^\d+$/.test(query.limit) || Number(query.limit) < 1) throw new SepError(400, "invalid 'limit': must be a positive integer");
    limit = Math.min(Number(query.limit), SEP24_TRANSACTIONS_MAX);
  }
  const kind = query.kind?.trim() || null;
  if (kind !== null && kind !== "deposit" && kind !== "withdrawal") throw new SepError(400, "invalid 'kind': must be deposit or withdrawal");
  let noOlderThan: Date | null = null;
  if (query.no_older_than?.trim()) {
    noOlderThan = new Date(query.no_older_than.trim());
    if (!/^\d{4}-\d{2}-\d{2}T/.test(query.no_older_than.trim()) || Number.isNaN(noOlderThan.getTime())) {
      throw new SepError(400, "invalid 'no_older_than': must be an ISO 8601 date-time");
    }
  }
  const pagingId = query.paging_id?.trim() || null;
  if (pagingId !== null && !UUID.test(pagingId)) throw new SepError(400, "invalid 'paging_id': must be the id of a transaction");
  if (kind === "withdrawal") return { transactions: [] };

  const conditions = [ownedBy(session), eq(sep24Transactions.assetCode, native ? "native" : code)];
  if (noOlderThan) conditions.push(gte(sep24Transactions.createdAt, noOlderThan));
  if (pagingId) {
    const [anchor] = await db
      .select({ createdAt: sep24Transactions.createdAt })
      .from(sep24Transactions)
      .where(and(eq(sep24Transactions.id, pagingId), ownedBy(session)));
    if (!anchor) throw new SepError(400, "invalid 'paging_id': no such transaction of this account");
    conditions.push(or(lt(sep24Transactions.createdAt, anchor.createdAt), and(eq(sep24Transactions.createdAt, anchor.createdAt), lt(sep24Transactions.id, pagingId)))!);
  }
  const rows = await db
    .select()
    .from(sep24Transactions)
    .where(and(...conditions))
    .orderBy(desc(sep24Transactions.createdAt), desc(sep24Transactions.id))
    .limit(limit);
  return { transactions: rows.map((tx) => transactionJson(config, tx)) };
}

/** Trim; e-mails lower-cased; phone numbers without spaces, dashes, dots and parentheses. */
export function normalizeContact(raw: string): { kind: "email" | "phone"; value: string } | null {
  const value = raw.trim();
  if (!value || value.length > 254) return null;
  if (value.includes("@")) return { kind: "email", value: value.toLowerCase() };
  const phone = value.replace(/[\s\-.()]/g, "");
  return /^\+?\d{6,15}$/.test(phone) ? { kind: "phone", value: phone.startsWith("+") ? phone : `+${phone}` } : null;
}

/**
 * The interactive page's form: when the organization of the SEP-24 transaction has a receiver with
 * this contact and a READY wallet (preferring the wallet app that authenticated), a fresh
 * registration link goes to that contact (the address is never pre-filled: see below). The outcome is never returned,
 * so the page cannot reveal whether the contact exists. Throws 403 for a bad or expired token.
 */
export async function submitInteractiveContact(
  db: DbOrTx,
  input: { transactionId: string; token: string; contact: string },
  options: { config?: SepConfig; now?: Date } = {},
): Promise<void> {
  const config = options.config ?? sepConfig();
  const now = options.now ?? new Date();
  const claims = UUID.test(input.transactionId) ? decodeInteractiveToken(input.token, input.transactionId, now) : null;
  if (!claims) throw new SepError(403, "this link is not valid any more");
  const contact = normalizeContact(input.contact);
  if (!contact) throw new SepError(400, "enter a phone number (with country code) or an e-mail address");
  const [tx] = await db.select().from(sep24Transactions).where(eq(sep24Transactions.id, claims.transactionId));
  if (!tx || tx.stellarAccount !== claims.account) throw new SepError(403, "this link is not valid any more");
  // One message per SEP-24 transaction.
  if (tx.status !== "incomplete" || tx.receiverWalletId) return;

  const [receiver] = await db
    .select({ id: receivers.id })
    .from(receivers)
    .where(and(eq(receivers.orgId, tx.orgId), contact.kind === "email" ? eq(receivers.email, contact.value) : eq(receivers.phoneNumber, contact.value)));
  if (!receiver) return;
  const candidates = await db
    .select({ id: receiverWallets.id, clientDomain: wallets.sep10ClientDomain })
    .from(receiverWallets)
    .innerJoin(wallets, eq(wallets.id, receiverWallets.walletId))
    .where(and(eq(receiverWallets.orgId, tx.orgId), eq(receiverWallets.receiverId, receiver.id), eq(receiverWallets.status, "READY")))
    .orderBy(desc(receiverWallets.updatedAt), asc(receiverWallets.id));
  const chosen = candidates.find((c) => tx.clientDomain && c.clientDomain === tx.clientDomain) ?? candidates[0];
  if (!chosen) return;
  const since = new Date(now.getTime() - CONTACT_MESSAGE_INTERVAL_MINUTES * 60_000);
  const [recent] = await db
    .select({ id: messages.id })
    .from(messages)
    .where(and(eq(messages.receiverWalletId, chosen.id), eq(messages.type, "RECEIVER_INVITATION"), gt(messages.createdAt, since)))
    .limit(1);
  if (recent) return;
  const [org] = await db.select({ name: organizations.name }).from(organizations).where(eq(organizations.id, tx.orgId));
  const orgName = org?.name ?? "";

  await db.transaction(async (t) => {
    const token = await issueRegistrationToken(t, { orgId: tx.orgId, receiverWalletId: chosen.id, now });
    // No pre-filled address: anyone who knows a receiver's contact can start this flow from their
    // own wallet, so the receiver must type the address their own wallet shows.
    const link = registrationUrl(config.appUrl, token);
    await t.update(sep24Transactions).set({ receiverWalletId: chosen.id }).where(eq(sep24Transactions.id, tx.id));
    await sendMessage(t, {
      orgId: tx.orgId,
      receiverId: receiver.id,
      receiverWalletId: chosen.id,
      type: "RECEIVER_INVITATION",
      channel: contact.kind === "email" ? "EMAIL" : "SMS",
      destination: contact.value,
      subject: contact.kind === "email" ? SEP24_STRINGS.invitationSubject(orgName) : null,
      body: SEP24_STRINGS.invitationBody(orgName, tx.stellarAccount.slice(-4), link),
    });
  });
}

/**
 * Integration point for the registration flow: when a receiver wallet becomes REGISTERED, the SEP-24
 * transactions that led to it are completed (call inside the registering transaction).
 */
export async function completeSep24ForReceiverWallet(db: DbOrTx, receiverWalletId: string, now = new Date()): Promise<number> {
  const rows = await db
    .update(sep24Transactions)
    .set({ status: "completed", completedAt: now })
    .where(and(eq(sep24Transactions.receiverWalletId, receiverWalletId), eq(sep24Transactions.status, "incomplete")))
    .returning({ id: sep24Transactions.id });
  return rows.length;
}
