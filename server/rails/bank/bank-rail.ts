import { currencyDecimals } from "@/server/domain/currencies";
import type { BankSettings } from "@/server/schemas/connections.schema";
import { describeReasonCode } from "./formats/iso-reason-codes";
import { paymentIdToEndToEndId } from "./formats/payment-reference";
import type { FundsBlock, FundsCheck, PaymentRail, RailCapabilities, RailConnection, RailHealth, RailOutcome, RailPayment } from "../payment-rail";
import { BankApiClient, BankApiError, type BankPaymentInstruction, type BankPaymentState } from "./bank-api-client";
import { checkBankDestination } from "./bank-destination";
import { mappedNarratives, templateValues } from "./field-templates";

/**
 * The sponsor-bank rail (the G2P Bridge model, docs/rails.md): funds are checked and blocked with the
 * bank, payments are handed over by `initiate_payment` (API shipment) and settle later by status
 * report or statement. Only this folder knows the bank's protocol.
 */

/** Payments per `initiate_payment` call. */
export const BANK_MAX_BATCH = 500;

function settingsOf(connection: RailConnection): BankSettings {
  return connection.settings as BankSettings;
}

/** The account the disbursements are paid from, as the bank knows it (account number, else IBAN). */
export function debtorAccountOf(settings: BankSettings): string {
  return settings.debtorAccountNumber ?? settings.debtorIban ?? "";
}

export function bankClientFor(connection: RailConnection, timeoutMs?: number): BankApiClient {
  return new BankApiClient({ baseUrl: settingsOf(connection).baseUrl, apiKey: connection.credentials.apiKey, timeoutMs });
}

function outcomeOf(paymentId: string, state: BankPaymentState | undefined): RailOutcome {
  if (!state || state.status === "NOT_FOUND") return { paymentId, status: "UNKNOWN" };
  const details = { bankReference: state.bankReference, batchId: state.batchId, bankStatus: state.status };
  if (state.status === "PENDING") return { paymentId, status: "PENDING", details };
  if (state.status === "SUCCESS") return { paymentId, status: "SUCCESS", details };
  const code = state.reasonCode ?? (state.status === "REVERSED" ? "RETURNED" : "BANK_FAILED");
  const words = describeReasonCode(state.reasonCode ?? undefined, state.reason ?? undefined) ?? "The bank did not pay this payment.";
  return { paymentId, status: "FAILED", code, message: state.status === "REVERSED" ? `Paid, then returned by the bank: ${words}` : words, details };
}

const today = () => new Date().toISOString().slice(0, 10);

export const bankRail: PaymentRail = {
  type: "BANK",

  /** The pain.001 EndToEndId: the payment's id as 32 hex digits (formats/payment-reference.ts), stored at claim. */
  paymentReference: paymentIdToEndToEndId,

  capabilities(): RailCapabilities {
    return {
      maxBatchSize: BANK_MAX_BATCH,
      destinationKinds: ["BANK_ACCOUNT", "IBAN"],
      decimalsFor: (currency) => currencyDecimals(currency),
      settlement: "STATEMENT",
      blocksFunds: true,
    };
  },

  checkDestination: checkBankDestination,

  /**
   * Healthy when the bank answers with the key and knows the debtor account: a `check_funds` of
   * zero on it (the contract's cheapest call that needs both).
   */
  async checkHealth(connection): Promise<RailHealth> {
    const settings = settingsOf(connection);
    const account = debtorAccountOf(settings);
    if (!connection.credentials.apiKey) return { healthy: false, message: "No API key is set: replace the credentials with the key the bank issued." };
    try {
      // No currency: the account's own is what matters here (the example bank then skips the comparison).
      const answer = await bankClientFor(connection).checkFunds(account, "", "0");
      if (!answer.sufficient) return { healthy: false, message: `The bank answered but refused the debtor account ${account}: ${answer.message || "no reason given"}.` };
      return {
        healthy: true,
        message: `The bank answered and knows the debtor account ${account}${answer.available !== null ? ` (available ${answer.available})` : ""}.`,
      };
    } catch (error) {
      if (error instanceof BankApiError) return { healthy: false, message: error.message };
      throw error;
    }
  },

  async checkFunds(connection, currency, amount): Promise<FundsCheck> {
    const answer = await bankClientFor(connection).checkFunds(debtorAccountOf(settingsOf(connection)), currency, amount);
    return { available: answer.available ?? "0", sufficient: answer.sufficient, ...(answer.message ? { message: answer.message } : {}) };
  },

  async blockFunds(connection, currency, amount, reference): Promise<FundsBlock> {
    const answer = await bankClientFor(connection).blockFunds(debtorAccountOf(settingsOf(connection)), currency, amount, reference);
    return { blocked: answer.blocked, ...(answer.reference ? { reference: answer.reference } : {}), ...(answer.message ? { message: answer.message } : {}) };
  },

  /**
   * API shipment: `initiate_payment` with each payment's reference (the bank answers a reference it
   * already has with that payment, so a resend after a crash pays nothing twice). FILE shipment is a
   * pain.001 downloaded for the bank's portal, not a call.
   */
  async submit(connection, batch): Promise<RailOutcome[]> {
    const settings = settingsOf(connection);
    if (settings.shipmentMode === "FILE") {
      throw new Error(`${connection.name} ships by file: download the pain.001 for the bank's portal instead of submitting through the API.`);
    }
    if ("payload" in batch) throw new Error("The bank rail builds its pain.001 instructions at send time: it takes no prepared batch.");
    if (batch.payments.length === 0) return [];
    const account = debtorAccountOf(settings);
    const instructions = batch.payments.map((p) => instructionOf(account, p, batch.reference, batch.fundsBlockReference ?? null, connection.fieldMapping));
    const answer = await bankClientFor(connection).initiatePayment(instructions);
    const byReference = new Map(answer.payments.map((s) => [s.reference, s]));
    return batch.payments.map((p) => {
      const state = byReference.get(p.reference);
      // Accepted without a per-payment answer: the final outcome comes by status report or statement.
      if (!state) return { paymentId: p.paymentId, status: "PENDING", details: { batchId: answer.batchId } };
      return outcomeOf(p.paymentId, state);
    });
  },

  async lookup(connection, payments): Promise<RailOutcome[]> {
    if (payments.length === 0) return [];
    const states = await bankClientFor(connection).paymentStatus(payments.map((p) => p.reference));
    const byReference = new Map(states.map((s) => [s.reference, s]));
    return payments.map((p) => outcomeOf(p.paymentId, byReference.get(p.reference)));
  },

  describeFailure(code: string): string {
    if (code === "BANK_FAILED") return "The bank did not pay this payment and gave no reason.";
    if (code === "RETURNED") return "The bank paid this payment, then it was returned.";
    return describeReasonCode(code) ?? `The bank rejected the payment (${code}).`;
  },
};

function instructionOf(
  debtorAccount: string,
  p: RailPayment,
  batchReference: string,
  fundsBlockReference: string | null,
  fieldMapping: Readonly<Record<string, string>>,
): BankPaymentInstruction {
  const d = p.destination.details ?? {};
  return {
    // narrative_3…6 from the connection's field mapping; 1 and 2 carry the references statements are matched by.
    ...mappedNarratives(fieldMapping, templateValues(p, batchReference)),
    payment_reference_number: p.reference,
    remitting_account: debtorAccount,
    remitting_account_currency: p.currency,
    payment_amount: p.amount,
    beneficiary_name: p.payeeName ?? d.holderName ?? "",
    beneficiary_account: p.destination.value,
    beneficiary_account_currency: p.currency,
    beneficiary_account_type: "BANK_ACCOUNT",
    beneficiary_bank_code: d.bankCode ?? d.bic ?? "",
    beneficiary_branch_code: d.branch ?? "",
    payment_date: today(),
    narrative_1: p.reference,
    narrative_2: batchReference,
    // The block made before shipping pays these payments (G2P Bridge's funds_blocked_reference_number).
    ...(fundsBlockReference ? { funds_blocked_reference_number: fundsBlockReference } : {}),
  };
}
