import { desc, eq } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { disbursements, payments, receivers, receiverVerifications } from "@/db/schema";
import type { VerificationField } from "@/server/domain/disbursement-types";
import { t } from "@/server/domain/registration-strings";
import { ServiceError } from "../errors";
import { resolveRegistrationToken } from "./registration-token";

/** The one answer for a forged, expired, replaced or used link: it never says which. */
export const invalidLink = () => new ServiceError("NOT_FOUND", t("link.invalid.body"), undefined, "LINK_INVALID");

export const OTP_MAX_ATTEMPTS = 5;
export const OTP_TTL_MS = 5 * 60 * 1000;
export const OTP_RESEND_MS = 30 * 1000;
export const VERIFICATION_MAX_ATTEMPTS = 5;

/**
 * Resolve a registration token to its receiver wallet, the receiver, and the contact type and
 * verification field of the latest disbursement that pays this wallet. Only the token decides which
 * rows are touched: nothing the client sends besides the token is trusted. A wallet that is not
 * READY (e.g. already registered) is an invalid link.
 */
export async function loadRegistration(db: DbOrTx, token: string, options: { forUpdate?: boolean; now?: Date } = {}) {
  if (typeof token !== "string" || token.length > 512) throw invalidLink();
  const wallet = await resolveRegistrationToken(db, token, options);
  if (!wallet || wallet.status !== "READY") throw invalidLink();
  const [receiver] = await db.select().from(receivers).where(eq(receivers.id, wallet.receiverId));
  if (!receiver || receiver.orgId !== wallet.orgId) throw invalidLink();
  const [latest] = await db
    .select({ contactType: disbursements.registrationContactType, verificationField: disbursements.verificationField })
    .from(payments)
    .innerJoin(disbursements, eq(disbursements.id, payments.disbursementId))
    .where(eq(payments.receiverWalletId, wallet.id))
    .orderBy(desc(payments.createdAt))
    .limit(1);
  const contactType: "EMAIL" | "PHONE_NUMBER" = latest?.contactType?.startsWith("EMAIL")
    ? "EMAIL"
    : latest?.contactType?.startsWith("PHONE")
      ? "PHONE_NUMBER"
      : receiver.phoneNumber
        ? "PHONE_NUMBER"
        : "EMAIL";
  let verificationField: VerificationField | null = latest?.verificationField ?? null;
  if (!verificationField) {
    const [v] = await db
      .select({ field: receiverVerifications.verificationField })
      .from(receiverVerifications)
      .where(eq(receiverVerifications.receiverId, receiver.id))
      .limit(1);
    verificationField = v?.field ?? null;
  }
  return { wallet, receiver, contactType, verificationField };
}

/** "+44•••••3456" / "a•••@example.org": enough for the receiver to recognise, nothing more. */
export function maskContact(contactType: "EMAIL" | "PHONE_NUMBER", value: string | null): string {
  if (!value) return "";
  if (contactType === "PHONE_NUMBER") {
    return value.length <= 7 ? "•••••" : `${value.slice(0, 3)}•••••${value.slice(-4)}`;
  }
  const [local = "", domain = ""] = value.split("@");
  return `${local.slice(0, 1)}•••@${domain}`;
}
