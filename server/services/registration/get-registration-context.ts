import { and, eq, inArray, isNull, sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { assets, disbursements, organizations, payments, receiverVerifications, wallets } from "@/db/schema";
import { loadRegistration, maskContact, OTP_MAX_ATTEMPTS, VERIFICATION_MAX_ATTEMPTS } from "./load-registration";

export type RegistrationStep = "otp" | "verify" | "wallet";

/**
 * What the public registration page shows for a token: the organization, the amounts waiting per
 * asset (READY/PAUSED payments of this receiver wallet), the contact type with a masked hint, the
 * verification field, and the step the receiver is at. Never the contact itself or any id.
 */
export async function getRegistrationContext(db: DbOrTx, token: string, now = new Date()) {
  const { wallet, receiver, contactType, verificationField } = await loadRegistration(db, token, { now });
  const [org] = await db.select({ name: organizations.name, logoUrl: organizations.logoUrl }).from(organizations).where(eq(organizations.id, wallet.orgId));
  const amounts = await db
    .select({ code: assets.code, issuer: assets.issuer, amount: sql<string>`sum(${payments.amount})::text` })
    .from(payments)
    .innerJoin(assets, eq(assets.id, payments.assetId))
    .where(and(eq(payments.receiverWalletId, wallet.id), inArray(payments.status, ["READY", "PAUSED"])))
    .groupBy(assets.code, assets.issuer)
    .orderBy(assets.code);
  // "Arrives shortly" only when a disbursement holding a waiting payment is running (not paused or not yet started).
  const [running] = await db
    .select({ one: sql<number>`1` })
    .from(payments)
    .innerJoin(disbursements, eq(disbursements.id, payments.disbursementId))
    .where(and(eq(payments.receiverWalletId, wallet.id), inArray(payments.status, ["READY", "PAUSED"]), eq(disbursements.status, "STARTED")))
    .limit(1);
  const orgWallets = await db
    .select({ name: wallets.name, homepage: wallets.homepage })
    .from(wallets)
    .where(and(eq(wallets.orgId, wallet.orgId), eq(wallets.enabled, true), isNull(wallets.deletedAt)))
    .orderBy(wallets.name);
  const verification = verificationField
    ? (
        await db
          .select()
          .from(receiverVerifications)
          .where(and(eq(receiverVerifications.receiverId, receiver.id), eq(receiverVerifications.verificationField, verificationField)))
      )[0]
    : undefined;
  const otpConfirmed = wallet.otpConfirmedAt !== null;
  const verified = !verificationField || verification?.confirmedAt != null;
  const step: RegistrationStep = !otpConfirmed ? "otp" : !verified ? "verify" : "wallet";
  const contact = contactType === "PHONE_NUMBER" ? receiver.phoneNumber : receiver.email;
  return {
    organization: { name: org?.name ?? "", logoUrl: org?.logoUrl ?? null },
    amounts: amounts.map((a) => ({ asset: a.code, amount: trimAmount(a.amount) })),
    /** A disbursement paying this receiver is running, so the payment follows registration at once. */
    paymentRunning: running !== undefined,
    contactType,
    contactHint: maskContact(contactType, contact),
    verificationField,
    step,
    /** The verification value is already confirmed (e.g. registering again after staff unregistered the wallet). */
    verified,
    otp: {
      sent: wallet.otpHash !== null && wallet.otpExpiresAt !== null && wallet.otpExpiresAt > now,
      attemptsLeft: Math.max(0, OTP_MAX_ATTEMPTS - wallet.otpAttempts),
      /** Past the daily caps (server/domain/otp-caps.ts): only staff can unlock. */
      locked: wallet.otpLockedAt !== null,
    },
    verification: {
      attemptsLeft: Math.max(0, VERIFICATION_MAX_ATTEMPTS - (verification?.attempts ?? 0)),
      locked: verification?.failedAt != null,
    },
    wallets: orgWallets,
  };
}

function trimAmount(value: string): string {
  return value.includes(".") ? value.replace(/0+$/, "").replace(/\.$/, "") : value;
}
