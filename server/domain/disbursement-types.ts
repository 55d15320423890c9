/**
 * Enumerations shared by disbursements, receivers and payments (docs/domain.md#state-machines,
 * docs/domain.md#csv-instructions).
 */
export const REGISTRATION_CONTACT_TYPES = ["EMAIL", "PHONE_NUMBER", "EMAIL_AND_WALLET_ADDRESS", "PHONE_NUMBER_AND_WALLET_ADDRESS"] as const;
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

export function contactKind(type: RegistrationContactType): "email" | "phone" {
  return type.startsWith("EMAIL") ? "email" : "phone";
}

export type StatusHistoryEntry = { user_id: string | null; status: string; timestamp: string };
export type PaymentStatusHistoryEntry = { status: PaymentStatus; status_message: string | null; timestamp: string };
