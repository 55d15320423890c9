import { guardedRequest, OutboundError, staffSnippet } from "@/server/net/guarded-fetch";

/**
 * An HTTP client of a sponsor bank's API, following the OpenG2P G2P Bridge example bank's contract
 * (`check_funds`, `block_funds`, `initiate_payment`, `generate_account_statement`) plus the status
 * lookup of this project's example bank (docs/example-bank.md). The bank's URL is configured by
 * staff, so every call goes through the guarded outbound client (server/net/guarded-fetch.ts).
 * Amounts travel as exact decimal strings. The API key is sent as `Authorization: Bearer` and
 * `X-API-Key`; it never appears in an error message.
 */

export type BankApiOptions = { baseUrl: string; apiKey?: string; timeoutMs?: number };

/** The bank answered, but not as the contract says (HTTP error, not JSON, `status: failed`). */
export class BankApiError extends Error {
  constructor(
    message: string,
    readonly httpStatus: number | null,
    readonly kind: "unreachable" | "unauthorised" | "http" | "invalid_answer" | "refused",
  ) {
    super(message);
    this.name = "BankApiError";
  }
}

export type CheckFundsAnswer = { sufficient: boolean; available: string | null; message: string };
export type BlockFundsAnswer = { blocked: boolean; reference: string | null; message: string };

/** One payment as `initiate_payment` takes it (the OpenG2P BankPaymentPayload, amounts as strings). */
export type BankPaymentInstruction = {
  payment_reference_number: string;
  remitting_account: string;
  remitting_account_currency: string;
  payment_amount: string;
  funds_blocked_reference_number?: string;
  beneficiary_name: string;
  beneficiary_account: string;
  beneficiary_account_currency: string;
  beneficiary_account_type: "BANK_ACCOUNT" | "MOBILE_WALLET" | "EMAIL_WALLET";
  beneficiary_bank_code: string;
  beneficiary_branch_code: string;
  payment_date: string;
  narrative_1?: string;
  narrative_2?: string;
  narrative_3?: string;
  narrative_4?: string;
  narrative_5?: string;
  narrative_6?: string;
};

export type BankPaymentState = {
  reference: string;
  /** PENDING, SUCCESS, FAILED, REVERSED; NOT_FOUND when the bank has no such payment. */
  status: "PENDING" | "SUCCESS" | "FAILED" | "REVERSED" | "NOT_FOUND";
  reasonCode: string | null;
  reason: string | null;
  bankReference: string | null;
  batchId: string | null;
};

type Json = Record<string, unknown>;

const str = (v: unknown): string | null => (typeof v === "string" ? v : typeof v === "number" ? String(v) : null);

export class BankApiClient {
  private readonly baseUrl: string;
  constructor(private readonly options: BankApiOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
  }

  private headers(json: boolean): Record<string, string> {
    const h: Record<string, string> = { accept: "application/json" };
    if (json) h["content-type"] = "application/json";
    if (this.options.apiKey) {
      h.authorization = `Bearer ${this.options.apiKey}`;
      h["x-api-key"] = this.options.apiKey;
    }
    return h;
  }

  /** One call; answers the parsed JSON body of a 2xx, throws BankApiError otherwise. */
  async call(method: "GET" | "POST", path: string, body?: unknown, options: { maxResponseBytes?: number; text?: boolean } = {}): Promise<unknown> {
    let response;
    try {
      response = await guardedRequest(`${this.baseUrl}${path}`, {
        method,
        headers: this.headers(body !== undefined),
        body: body === undefined ? undefined : JSON.stringify(body),
        timeoutMs: this.options.timeoutMs ?? 10_000,
        maxResponseBytes: options.maxResponseBytes ?? 1024 * 1024,
      });
    } catch (error) {
      if (error instanceof OutboundError) {
        const kind = error.code === "destination_refused" || error.code === "url_invalid" ? "refused" : "unreachable";
        throw new BankApiError(`The bank at ${this.baseUrl} could not be reached: ${error.message}.`, null, kind);
      }
      throw error;
    }
    const text = response.body.toString("utf8");
    if (response.status === 401 || response.status === 403) {
      throw new BankApiError(
        `The bank refused the API key (HTTP ${response.status}). Replace the connection's credentials with the key the bank issued.`,
        response.status,
        "unauthorised",
      );
    }
    if (response.status < 200 || response.status >= 300) {
      const detail = errorMessageOf(text);
      throw new BankApiError(`The bank answered HTTP ${response.status} to ${method} ${path}${detail ? `: ${detail}` : ""}.`, response.status, "http");
    }
    if (response.truncated) throw new BankApiError(`The bank's answer to ${method} ${path} was too long.`, response.status, "invalid_answer");
    if (options.text) return text;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new BankApiError(`The bank's answer to ${method} ${path} is not JSON: ${staffSnippet(text, 120)}`, response.status, "invalid_answer");
    }
  }

  /** `GET /health` (or `/`): the bank's service answers; needs no key. */
  async ping(): Promise<Json> {
    const answer = await this.call("GET", "/health");
    return (answer ?? {}) as Json;
  }

  /** `POST /check_funds`: does the account hold `amount` (available, blocks deducted)? */
  async checkFunds(accountNumber: string, currency: string, amount: string): Promise<CheckFundsAnswer> {
    const a = (await this.call("POST", "/check_funds", { account_number: accountNumber, account_currency: currency, total_funds_needed: amount })) as Json;
    const sufficient = a.has_sufficient_funds === true || (a.has_sufficient_funds === undefined && a.status === "success");
    return { sufficient, available: str(a.available_balance), message: str(a.error_message) || (sufficient ? "" : "The bank reports insufficient funds.") };
  }

  /** `POST /block_funds`: reserve `amount` for a disbursement; `requestReference` makes a retry return the same block. */
  async blockFunds(accountNumber: string, currency: string, amount: string, requestReference: string): Promise<BlockFundsAnswer> {
    const a = (await this.call("POST", "/block_funds", { account_number: accountNumber, currency, amount, request_reference: requestReference })) as Json;
    const reference = str(a.block_reference_no) || null;
    const blocked = a.status === "success" && reference !== null;
    return { blocked, reference, message: str(a.error_message) || (blocked ? "" : "The bank did not block the funds.") };
  }

  /**
   * `POST /initiate_payment`: hand payments over. The bank answers each one's status by its
   * reference; a reference it already has is answered with that payment, never paid twice.
   */
  async initiatePayment(payments: BankPaymentInstruction[]): Promise<{ batchId: string | null; payments: BankPaymentState[] }> {
    const a = (await this.call("POST", "/initiate_payment", payments)) as Json;
    if (a.status !== "success") throw new BankApiError(`The bank refused the payments: ${str(a.error_message) || "no reason given"}.`, 200, "refused");
    const list = Array.isArray(a.payments) ? (a.payments as Json[]) : [];
    return { batchId: str(a.batch_id), payments: list.map(paymentStateOf) };
  }

  /** `POST /payment_status`: what became of payments already handed over (crash recovery, polling). */
  async paymentStatus(references: string[]): Promise<BankPaymentState[]> {
    const a = (await this.call("POST", "/payment_status", { payment_reference_numbers: references })) as Json;
    const list = Array.isArray(a.payments) ? (a.payments as Json[]) : [];
    return list.map(paymentStateOf);
  }

  /** `POST /generate_account_statement`: the bank makes an MT940 statement (and posts it back where configured). */
  async generateAccountStatement(accountNumber: string, period?: { from: string; to: string }): Promise<{ statementId: string }> {
    const a = (await this.call("POST", "/generate_account_statement", {
      program_account_number: accountNumber,
      ...(period ? { from_date: period.from, to_date: period.to } : {}),
    })) as Json;
    const id = str(a.account_statement_id);
    if (a.status !== "success" || !id) throw new BankApiError(`The bank did not generate a statement: ${str(a.error_message) || "no reason given"}.`, 200, "refused");
    return { statementId: id };
  }

  /** `GET /account_statements/{id}`: a generated MT940 statement's text. */
  async fetchStatement(statementId: string): Promise<string> {
    return (await this.call("GET", `/account_statements/${encodeURIComponent(statementId)}`, undefined, { text: true, maxResponseBytes: 64 * 1024 * 1024 })) as string;
  }
}

function paymentStateOf(p: Json): BankPaymentState {
  const status = str(p.status);
  return {
    reference: str(p.payment_reference_number) ?? "",
    status: status === "PENDING" || status === "SUCCESS" || status === "FAILED" || status === "REVERSED" ? status : "NOT_FOUND",
    reasonCode: str(p.reason_code),
    reason: str(p.reason),
    bankReference: str(p.bank_reference),
    batchId: str(p.batch_id),
  };
}

function errorMessageOf(text: string): string {
  try {
    const body = JSON.parse(text) as Json;
    const message = str(body.error_message) ?? str(body.error) ?? str(body.message) ?? str(body.detail);
    if (message) return staffSnippet(message, 200);
  } catch {
    // not JSON
  }
  return staffSnippet(text, 120);
}
