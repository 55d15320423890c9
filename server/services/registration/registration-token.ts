import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { and, eq } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { receiverWallets } from "@/db/schema";
import { subkey } from "../crypto/keys";
import { config } from "@/server/config";

/**
 * Registration links carry `<receiverWalletId>.<nonce>.<expiresAt>.<signature>` (base64url parts).
 * The signature (HMAC-SHA256 under its own subkey) makes the token unguessable and bound to one
 * receiver wallet; the nonce must equal the wallet's current `registration_nonce`, so issuing a new
 * link or completing registration (which clears it) makes older links useless.
 */
export const REGISTRATION_TOKEN_DAYS = config().REGISTRATION_TOKEN_DAYS;

function sign(payload: string): string {
  return createHmac("sha256", subkey("registration-links")).update(payload).digest("base64url");
}

export type RegistrationTokenClaims = { receiverWalletId: string; nonce: string; expiresAt: Date };

export function encodeRegistrationToken(claims: RegistrationTokenClaims): string {
  const payload = `${claims.receiverWalletId}.${claims.nonce}.${Math.floor(claims.expiresAt.getTime() / 1000)}`;
  return `${payload}.${sign(payload)}`;
}

/** Check the signature and expiry only (no database); null when forged, malformed or expired. */
export function decodeRegistrationToken(token: string, now = new Date()): RegistrationTokenClaims | null {
  const parts = token.split(".");
  if (parts.length !== 4) return null;
  const [receiverWalletId, nonce, exp, signature] = parts as [string, string, string, string];
  const expected = Buffer.from(sign(`${receiverWalletId}.${nonce}.${exp}`));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  const expiresAt = new Date(Number(exp) * 1000);
  if (!Number.isFinite(expiresAt.getTime()) || expiresAt <= now) return null;
  if (!/^[0-9a-f-]{36}$/i.test(receiverWalletId)) return null;
  return { receiverWalletId, nonce, expiresAt };
}

/**
 * Issue a new registration token for a receiver wallet (replacing any earlier one). Call inside the
 * transaction that sends the invitation.
 */
export async function issueRegistrationToken(db: DbOrTx, input: { orgId: string; receiverWalletId: string; now?: Date }): Promise<string> {
  const nonce = randomBytes(12).toString("base64url");
  const now = input.now ?? new Date();
  const expiresAt = new Date(now.getTime() + REGISTRATION_TOKEN_DAYS * 24 * 3600 * 1000);
  const updated = await db
    .update(receiverWallets)
    .set({ registrationNonce: nonce, updatedAt: now })
    .where(and(eq(receiverWallets.id, input.receiverWalletId), eq(receiverWallets.orgId, input.orgId)))
    .returning({ id: receiverWallets.id });
  if (updated.length === 0) throw new Error("receiver wallet not found for this organization");
  return encodeRegistrationToken({ receiverWalletId: input.receiverWalletId, nonce, expiresAt });
}

/**
 * Resolve a token to its receiver wallet row, or null when the token is forged, expired, replaced
 * or already used. Callers that change the wallet should lock it (`FOR UPDATE`) in their transaction.
 */
export async function resolveRegistrationToken(db: DbOrTx, token: string, options: { forUpdate?: boolean; now?: Date } = {}) {
  const claims = decodeRegistrationToken(token, options.now);
  if (!claims) return null;
  const query = db.select().from(receiverWallets).where(eq(receiverWallets.id, claims.receiverWalletId));
  const [wallet] = options.forUpdate ? await query.for("update") : await query;
  if (!wallet?.registrationNonce) return null;
  const a = Buffer.from(wallet.registrationNonce);
  const b = Buffer.from(claims.nonce);
  if (a.length !== b.length || !timingSafeEqual(a, b)) return null;
  return wallet;
}

/** The receiver-facing URL for a token. */
export function registrationUrl(appUrl: string, token: string): string {
  return `${appUrl.replace(/\/$/, "")}/r/${encodeURIComponent(token)}`;
}
