import { StrKey } from "@stellar/stellar-sdk";
import { and, eq, ne, sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { receiverVerifications, receiverWallets } from "@/db/schema";
import type { StatusHistoryEntry } from "@/server/domain/disbursement-types";
import { t } from "@/server/domain/registration-strings";
import { canTransition, RECEIVER_WALLET_TRANSITIONS } from "@/server/domain/state-machines";
import { badRequest, ServiceError } from "../errors";
import { loadRegistration } from "./load-registration";
import { completeSep24ForReceiverWallet } from "../sep/sep24";

/** A Stellar account (G…) or muxed account (M…) address. */
export function isValidStellarAddress(address: string): boolean {
  return StrKey.isValidEd25519PublicKey(address) || StrKey.isValidMed25519PublicKey(address);
}

/** Text memo of at most 28 bytes, or an id memo (unsigned 64-bit integer). */
export function isValidMemo(memo: string): boolean {
  if (/^\d+$/.test(memo)) return BigInt(memo) <= 18446744073709551615n;
  return Buffer.byteLength(memo, "utf8") <= 28;
}

/**
 * Register the receiver's Stellar address: requires a confirmed OTP and a confirmed verification
 * value; moves the wallet READY → REGISTERED with a status-history entry, clears the registration
 * nonce (the link dies) and the OTP fields, in one transaction with the wallet locked. An address
 * another receiver of the organization already uses is refused without saying whose it is.
 */
export async function registerReceiverWallet(db: DbOrTx, input: { token: string; stellarAddress: string; memo?: string | null }, now = new Date()) {
  const address = String(input.stellarAddress ?? "").trim();
  const memo = input.memo == null ? "" : String(input.memo).trim();
  if (!isValidStellarAddress(address)) throw badRequest(t("wallet.invalidAddress"), { stellarAddress: t("wallet.invalidAddress") });
  if (memo && !isValidMemo(memo)) throw badRequest(t("wallet.invalidMemo"), { memo: t("wallet.invalidMemo") });
  return db.transaction(async (tx) => {
    const { wallet, receiver, verificationField } = await loadRegistration(tx, input.token, { forUpdate: true, now });
    if (!wallet.otpConfirmedAt) throw new ServiceError("BAD_REQUEST", t("otp.confirmFirst"), undefined, "INVALID_STATE");
    if (verificationField) {
      const [v] = await tx
        .select({ confirmedAt: receiverVerifications.confirmedAt })
        .from(receiverVerifications)
        .where(and(eq(receiverVerifications.receiverId, receiver.id), eq(receiverVerifications.verificationField, verificationField)));
      if (!v?.confirmedAt) throw new ServiceError("BAD_REQUEST", t("verify.confirmFirst"), undefined, "INVALID_STATE");
    }
    if (!canTransition(RECEIVER_WALLET_TRANSITIONS, wallet.status, "REGISTERED")) throw new ServiceError("NOT_FOUND", t("link.invalid.body"), undefined, "LINK_INVALID");
    const [taken] = await tx
      .select({ id: receiverWallets.id })
      .from(receiverWallets)
      .where(
        and(
          eq(receiverWallets.orgId, wallet.orgId),
          eq(receiverWallets.destinationKind, "STELLAR_ADDRESS"),
          eq(receiverWallets.destinationValue, address),
          ne(receiverWallets.receiverId, receiver.id),
        ),
      )
      .limit(1);
    if (taken) throw new ServiceError("CONFLICT", t("wallet.addressTaken"), { stellarAddress: t("wallet.addressTaken") }, "ALREADY_EXISTS");
    const entry = JSON.stringify([{ user_id: null, status: "REGISTERED", timestamp: now.toISOString() } satisfies StatusHistoryEntry]);
    await tx
      .update(receiverWallets)
      .set({
        status: "REGISTERED",
        destinationKind: "STELLAR_ADDRESS",
        destinationValue: address,
        destinationMemo: memo || null,
        destinationDetails: null,
        statusHistory: sql`${receiverWallets.statusHistory} || ${entry}::jsonb`,
        registrationNonce: null,
        otpHash: null,
        otpExpiresAt: null,
        otpAttempts: 0,
        otpConfirmedAt: null,
        updatedAt: now,
      })
      .where(and(eq(receiverWallets.id, wallet.id), eq(receiverWallets.status, "READY")));
    // A wallet app's SEP-24 deposit that led here is complete now (same transaction).
    await completeSep24ForReceiverWallet(tx, wallet.id, now);
    return { registered: true as const, stellarAddress: address };
  });
}
