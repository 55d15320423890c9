/**
 * Enumerations shared by disbursements, receivers and payments (docs/domain.md#state-machines,
 * docs/domain.md#csv-instructions).
 */
/**
 * BANK_ACCOUNT: payees identified by a bank account given in the instructions; DIRECT_PHONE: payees paid
 * at their phone number through a switch (Mojaloop) — neither registers a wallet (docs/rails.md).
 */
export const REGISTRATION_CONTACT_TYPES = [
  "EMAIL",
  "PHONE_NUMBER",
  "EMAIL_AND_WALLET_ADDRESS",
  "PHONE_NUMBER_AND_WALLET_ADDRESS",
  "BANK_ACCOUNT",
  "DIRECT_PHONE",
] as const;
export type RegistrationContactType = (typeof REGISTRATION_CONTACT_TYPES)[number];

export const VERIFICATION_FIELDS = ["DATE_OF_BIRTH", "YEAR_MONTH", "PIN", "NATIONAL_ID_NUMBER"] as const;
export type VerificationField = (typeof VERIFICATION_FIELDS)[number];

export const DISBURSEMENT_STATUSES = ["DRAFT", "READY", "STARTED", "PAUSED", "COMPLETED", "CANCELED"] as const;
export type DisbursementStatus = (typeof DISBURSEMENT_STATUSES)[number];

export const PAYMENT_STATUSES = ["DRAFT", "READY", "PENDING", "PAUSED", "SUCCESS", "FAILED", "CANCELED"] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

export const RECEIVER_WALLET_STATUSES = ["DRAFT", "READY", "REGISTERED", "FLAGGED"] as const;
export type ReceiverWalletStatus = (typeof RECEIVER_WALLET_STATUSES)[number];

export function includesWalletAddress(type: RegistrationContactType): boolean {
  return type === "EMAIL_AND_WALLET_ADDRESS" || type === "PHONE_NUMBER_AND_WALLET_ADDRESS";
}

/** Bank-account payees: no wallet provider, no invitation, no verification (docs/rails.md "Destinations"). */
export function isBankAccountType(type: RegistrationContactType): boolean {
  return type === "BANK_ACCOUNT";
}

/**
 * Payees paid straight to a destination given in the instructions — a bank account (BANK_ACCOUNT) or a
 * phone number on a Mojaloop switch (DIRECT_PHONE): no wallet provider, no invitation, no verification;
 * their receiver wallet holds the destination and is REGISTERED at once (docs/rails/mojaloop-connections.md).
 */
export function isDirectPayeeType(type: RegistrationContactType): boolean {
  return type === "BANK_ACCOUNT" || type === "DIRECT_PHONE";
}

/** Receivers of this type prove who they are with a verification value before they are paid. */
export function needsVerification(type: RegistrationContactType): boolean {
  return type === "EMAIL" || type === "PHONE_NUMBER";
}

/** The contact a receiver is matched by (BANK_ACCOUNT payees have none: they are matched by external id). */
export function contactKind(type: RegistrationContactType): "email" | "phone" {
  return type.startsWith("EMAIL") ? "email" : "phone";
}

export type StatusHistoryEntry = { user_id: string | null; status: string; timestamp: string };
export type PaymentStatusHistoryEntry = { status: PaymentStatus; status_message: string | null; timestamp: string };
