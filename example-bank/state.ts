/**
 * The example bank's books: accounts, fund blocks, payment instructions, booked entries and the
 * statements it produced. Pure logic over plain data (no I/O): the server persists the whole state
 * after each change (persistence.ts) and drives the clock.
 *
 * Rules (docs/example-bank.md):
 *  - a payment is known by its reference (`payment_reference_number`, the pain.001 `EndToEndId`):
 *    the same reference with the same details again is the same payment (answered with its current
 *    outcome, never paid twice); with different details it is refused as a duplicate;
 *  - payments are acknowledged on intake and paid when due (`receivedAt + paymentDelayMs`);
 *  - a payment to an account on the reject list fails without booking (pain.002 RJCT + reason);
 *    one on the return list is booked, then reversed (MT940 `RD`, camt CRDT + RvslInd + RtrInf);
 *  - every booked movement is an entry with the account's balance after it, so statements over any
 *    period have exact opening and closing balances.
 */
import { formatAmount } from "./money";
import { reasonText } from "./reason-codes";

export type Account = {
  account_number: string;
  account_holder_name: string;
  currency: string;
  iban?: string;
  /** Book balance in minor units before the first entry. */
  opening_balance: bigint;
  book_balance: bigint;
  blocked_amount: bigint;
  created_at: string;
  /** Number of the last MT940 statement produced for this account (`:28C:`). */
  statement_seq: number;
};

export type FundBlock = {
  block_reference_no: string;
  account_number: string;
  currency: string;
  amount: bigint;
  amount_released: bigint;
  /** The caller's idempotency key, when given. */
  request_reference?: string;
  active: boolean;
  created_at: string;
};

export type PaymentStatus = "PENDING" | "SUCCESS" | "FAILED" | "REVERSED";

export type Payment = {
  payment_reference_number: string;
  batch_id: string;
  channel: "API" | "PAIN001";
  /** pain.001 references, kept to answer the pain.002. */
  msg_id?: string;
  pmt_inf_id?: string;
  instr_id?: string;
  remitting_account: string;
  currency: string;
  amount: bigint;
  funds_blocked_reference_number?: string;
  beneficiary_name: string;
  beneficiary_account: string;
  beneficiary_account_currency: string;
  beneficiary_account_type: string;
  beneficiary_bank_code: string;
  beneficiary_branch_code: string;
  narratives: string[];
  payment_date: string;
  received_at: string;
  due_at: string;
  status: PaymentStatus;
  reason_code?: string;
  reason?: string;
  paid_at?: string;
  reversed_at?: string;
  /** The bank's reference of the debit entry (MT940 `:61:` after `//`, camt `AcctSvcrRef`). */
  bank_reference?: string;
};

export type Entry = {
  /** The bank's reference (≤ 16 characters, MT940 `//` reference). */
  id: string;
  account_number: string;
  /**
   * The movement's direction as MT940 marks it: D (money leaves) or C (money arrives); with
   * `reversal`, the entry undoes an earlier movement of that direction (RD gives money back, RC
   * takes it away), so its effect on the balance is the opposite (see `effect`).
   */
  direction: "D" | "C";
  reversal: boolean;
  amount: bigint;
  currency: string;
  booked_at: string;
  balance_after: bigint;
  payment_reference?: string;
  /** The pain.001 references of the payment, for camt `Refs`. */
  msg_id?: string;
  pmt_inf_id?: string;
  instr_id?: string;
  counterparty_name?: string;
  counterparty_account?: string;
  counterparty_bank_code?: string;
  narrative: string;
  reason_code?: string;
  kind: "PAYMENT" | "RETURN" | "DEPOSIT";
  reported_in_mt940: boolean;
};

/** One pain.001 file the bank accepted (possibly with rejected transactions), for its pain.002. */
export type Pain001Message = {
  msg_id: string;
  /** e.g. "pain.001.001.09". */
  message_name: string;
  fingerprint: string;
  created_at_original?: string;
  received_at: string;
  nb_of_txs: number;
  ctrl_sum: string;
  payment_infos: {
    pmt_inf_id: string;
    transactions: { end_to_end_id: string; instr_id?: string; amount: string; currency: string; rejected?: { code: string; reason: string } }[];
  }[];
};

/** A `/initiate_payment` call, for its pain.002 (batch id = original message id). */
export type ApiBatch = { batch_id: string; received_at: string; payment_references: string[] };

export type Statement = {
  id: string;
  account_number: string;
  /** `:28C:` statement number. */
  sequence: number;
  from: string;
  to: string;
  created_at: string;
  content: string;
  delivery?: { url: string; status: "PENDING" | "DELIVERED" | "FAILED"; attempts: number; last_error?: string; delivered_at?: string };
};

export type BankState = {
  version: 1;
  api_key?: string;
  accounts: Map<string, Account>;
  blocks: Map<string, FundBlock>;
  payments: Map<string, Payment>;
  entries: Entry[];
  messages: Map<string, Pain001Message>;
  batches: Map<string, ApiBatch>;
  statements: Map<string, Statement>;
  counters: { entry: number; block: number; batch: number; statement: number; report: number };
};

/** What an entry does to the balance: C adds, D subtracts. */
export function effect(e: Pick<Entry, "direction" | "reversal">): "C" | "D" {
  return (e.direction === "C") !== e.reversal ? "C" : "D";
}

export function emptyState(): BankState {
  return {
    version: 1,
    accounts: new Map(),
    blocks: new Map(),
    payments: new Map(),
    entries: [],
    messages: new Map(),
    batches: new Map(),
    statements: new Map(),
    counters: { entry: 0, block: 0, batch: 0, statement: 0, report: 0 },
  };
}

/** Account numbers and IBANs compare without spaces, case-insensitively. */
export function normaliseAccount(value: string): string {
  return value.replace(/\s+/g, "").toUpperCase();
}

export class Bank {
  /** Normalised account number and IBAN → account number (beneficiary accounts can be many). */
  private readonly index = new Map<string, string>();

  constructor(
    readonly state: BankState,
    private readonly opts: {
      bankCode: string;
      paymentDelayMs: number;
      /** Normalised beneficiary account → ISO reason code. */
      rejectAccounts: Map<string, string>;
      returnAccounts: Map<string, string>;
    },
  ) {
    for (const a of state.accounts.values()) this.indexAccount(a);
  }

  private indexAccount(a: Account): void {
    this.index.set(normaliseAccount(a.account_number), a.account_number);
    if (a.iban) this.index.set(normaliseAccount(a.iban), a.account_number);
  }

  // ---- accounts ------------------------------------------------------------------------------

  /** By account number or IBAN. */
  findAccount(idOrIban: string): Account | undefined {
    const direct = this.state.accounts.get(idOrIban);
    if (direct) return direct;
    const number = this.index.get(normaliseAccount(idOrIban));
    return number === undefined ? undefined : this.state.accounts.get(number);
  }

  available(a: Account): bigint {
    return a.book_balance - a.blocked_amount;
  }

  openAccount(a: { account_number: string; account_holder_name: string; currency: string; iban?: string; balance: bigint }, now: string): Account {
    const account: Account = {
      account_number: a.account_number,
      account_holder_name: a.account_holder_name,
      currency: a.currency,
      ...(a.iban ? { iban: normaliseAccount(a.iban) } : {}),
      opening_balance: a.balance,
      book_balance: a.balance,
      blocked_amount: 0n,
      created_at: now,
      statement_seq: 0,
    };
    this.state.accounts.set(account.account_number, account);
    this.indexAccount(account);
    return account;
  }

  deposit(account: Account, amount: bigint, narrative: string, now: string): Entry {
    return this.book(account, { direction: "C", reversal: false, amount, narrative, kind: "DEPOSIT" }, now);
  }

  // ---- funds ---------------------------------------------------------------------------------

  block(account: Account, amount: bigint, requestReference: string | undefined, now: string): FundBlock {
    if (requestReference) {
      for (const b of this.state.blocks.values()) if (b.request_reference === requestReference) return b;
    }
    const block: FundBlock = {
      block_reference_no: `BLK${String(++this.state.counters.block).padStart(9, "0")}`,
      account_number: account.account_number,
      currency: account.currency,
      amount,
      amount_released: 0n,
      ...(requestReference ? { request_reference: requestReference } : {}),
      active: true,
      created_at: now,
    };
    account.blocked_amount += amount;
    this.state.blocks.set(block.block_reference_no, block);
    return block;
  }

  /** Unblocks what a block still holds (payments already paid from it stay paid). */
  release(block: FundBlock): bigint {
    const remaining = block.amount - block.amount_released - this.pendingOnBlock(block.block_reference_no);
    if (!block.active || remaining <= 0n) return 0n;
    const account = this.state.accounts.get(block.account_number);
    if (account) account.blocked_amount -= remaining;
    block.amount_released += remaining;
    if (block.amount_released >= block.amount) block.active = false;
    return remaining;
  }

  /** What pending payments will still take from a block. */
  pendingOnBlock(ref: string): bigint {
    let sum = 0n;
    for (const p of this.state.payments.values()) if (p.status === "PENDING" && p.funds_blocked_reference_number === ref) sum += p.amount;
    return sum;
  }

  // ---- payments ------------------------------------------------------------------------------

  static fingerprint(p: Pick<Payment, "remitting_account" | "currency" | "amount" | "beneficiary_account">): string {
    return [normaliseAccount(p.remitting_account), p.currency, p.amount.toString(), normaliseAccount(p.beneficiary_account)].join("|");
  }

  /**
   * The outcome of offering a payment: `new` (accepted now), `duplicate` (the same payment again: no
   * change) or `conflict` (its reference already names a different payment).
   */
  classify(candidate: Omit<Payment, "status" | "due_at" | "received_at" | "batch_id">): { kind: "new" } | { kind: "duplicate" | "conflict"; existing: Payment } {
    const existing = this.state.payments.get(candidate.payment_reference_number);
    if (!existing) return { kind: "new" };
    return { kind: Bank.fingerprint(existing) === Bank.fingerprint(candidate) ? "duplicate" : "conflict", existing };
  }

  accept(candidate: Omit<Payment, "status" | "due_at" | "received_at">, nowMs: number): Payment {
    const payment: Payment = {
      ...candidate,
      status: "PENDING",
      received_at: new Date(nowMs).toISOString(),
      due_at: new Date(nowMs + this.opts.paymentDelayMs).toISOString(),
    };
    this.state.payments.set(payment.payment_reference_number, payment);
    return payment;
  }

  nextBatchId(prefix: string): string {
    return `${prefix}${String(++this.state.counters.batch).padStart(9, "0")}`;
  }

  /** Pays (or fails) every pending payment due at `nowMs`, in arrival order. Returns the payments settled. */
  processDue(nowMs: number): Payment[] {
    const due: Payment[] = [];
    for (const p of this.state.payments.values()) if (p.status === "PENDING" && Date.parse(p.due_at) <= nowMs) due.push(p);
    const now = new Date(nowMs).toISOString();
    for (const p of due) this.settle(p, now);
    return due;
  }

  private fail(p: Payment, code: string, releaseBlock = true): void {
    p.status = "FAILED";
    p.reason_code = code;
    p.reason = reasonText(code);
    // The part of the block this payment held goes back to the account's available balance.
    const block = p.funds_blocked_reference_number ? this.state.blocks.get(p.funds_blocked_reference_number) : undefined;
    const account = this.findAccount(p.remitting_account);
    if (releaseBlock && block && account && block.amount - block.amount_released >= p.amount) {
      account.blocked_amount -= p.amount;
      block.amount_released += p.amount;
      if (block.amount_released >= block.amount) block.active = false;
    }
  }

  private settle(p: Payment, now: string): void {
    const target = normaliseAccount(p.beneficiary_account);
    const rejectCode = this.opts.rejectAccounts.get(target);
    if (rejectCode) return this.fail(p, rejectCode);
    const remitting = this.findAccount(p.remitting_account);
    if (!remitting || remitting.currency !== p.currency) return this.fail(p, "AC01", false);
    const block = p.funds_blocked_reference_number ? this.state.blocks.get(p.funds_blocked_reference_number) : undefined;
    if (block) {
      if (block.amount - block.amount_released < p.amount) return this.fail(p, "AM04", false);
      remitting.blocked_amount -= p.amount;
      block.amount_released += p.amount;
      if (block.amount_released >= block.amount) block.active = false;
    } else if (this.available(remitting) < p.amount) {
      return this.fail(p, "AM04", false);
    }

    const narrative = p.narratives.filter(Boolean).join(" ");
    const refs = { payment_reference: p.payment_reference_number, msg_id: p.msg_id, pmt_inf_id: p.pmt_inf_id, instr_id: p.instr_id };
    const debit = this.book(
      remitting,
      {
        direction: "D",
        reversal: false,
        amount: p.amount,
        narrative,
        kind: "PAYMENT",
        ...refs,
        counterparty_name: p.beneficiary_name,
        counterparty_account: p.beneficiary_account,
        counterparty_bank_code: p.beneficiary_bank_code,
      },
      now,
    );
    const beneficiary = this.beneficiaryAccount(p, now);
    this.book(
      beneficiary,
      {
        direction: "C",
        reversal: false,
        amount: p.amount,
        narrative,
        kind: "PAYMENT",
        ...refs,
        counterparty_name: remitting.account_holder_name,
        counterparty_account: remitting.iban ?? remitting.account_number,
        counterparty_bank_code: this.opts.bankCode,
      },
      now,
    );
    p.status = "SUCCESS";
    p.paid_at = now;
    p.bank_reference = debit.id;

    const returnCode = this.opts.returnAccounts.get(target);
    if (returnCode) {
      // Paid, then returned by the beneficiary's side: both legs are reversed with the reason.
      this.book(beneficiary, { direction: "C", reversal: true, amount: p.amount, narrative, kind: "RETURN", reason_code: returnCode, ...refs }, now);
      this.book(
        remitting,
        {
          direction: "D",
          reversal: true,
          amount: p.amount,
          narrative,
          kind: "RETURN",
          reason_code: returnCode,
          ...refs,
          counterparty_name: p.beneficiary_name,
          counterparty_account: p.beneficiary_account,
          counterparty_bank_code: p.beneficiary_bank_code,
        },
        now,
      );
      p.status = "REVERSED";
      p.reason_code = returnCode;
      p.reason = reasonText(returnCode);
      p.reversed_at = now;
    }
  }

  /** The beneficiary's account here, or the clearing account of the beneficiary's bank. */
  private beneficiaryAccount(p: Payment, now: string): Account {
    const own = !p.beneficiary_bank_code || p.beneficiary_bank_code === this.opts.bankCode;
    const existing = this.findAccount(p.beneficiary_account);
    if (existing && existing.currency === p.currency) return existing;
    if (own && !existing) {
      return this.openAccount(
        { account_number: p.beneficiary_account, account_holder_name: p.beneficiary_name || p.beneficiary_account, currency: p.currency, balance: 0n },
        now,
      );
    }
    const clearing = `CLEARING-${(p.beneficiary_bank_code || "OTHER").toUpperCase()}-${p.currency}`;
    return (
      this.state.accounts.get(clearing) ??
      this.openAccount(
        { account_number: clearing, account_holder_name: `Clearing account for ${p.beneficiary_bank_code || "other banks"}`, currency: p.currency, balance: 0n },
        now,
      )
    );
  }

  private book(account: Account, e: Omit<Entry, "id" | "account_number" | "currency" | "booked_at" | "balance_after" | "reported_in_mt940">, now: string): Entry {
    account.book_balance += effect(e) === "C" ? e.amount : -e.amount;
    const entry: Entry = {
      ...e,
      id: `EB${String(++this.state.counters.entry).padStart(10, "0")}`,
      account_number: account.account_number,
      currency: account.currency,
      booked_at: now,
      balance_after: account.book_balance,
      reported_in_mt940: false,
    };
    this.state.entries.push(entry);
    return entry;
  }

  // ---- statements ----------------------------------------------------------------------------

  /** Entries of an account booked in [fromMs, toMs], with the balances around them. */
  period(account: Account, fromMs: number, toMs: number): { entries: Entry[]; opening: bigint; closing: bigint } {
    let opening = account.opening_balance;
    const entries: Entry[] = [];
    for (const e of this.state.entries) {
      if (e.account_number !== account.account_number) continue;
      const t = Date.parse(e.booked_at);
      if (t < fromMs) opening = e.balance_after;
      else if (t <= toMs) entries.push(e);
    }
    const closing = entries.length > 0 ? entries[entries.length - 1]!.balance_after : opening;
    return { entries, opening, closing };
  }

  /** Entries of an account not yet reported in an MT940 (the OpenG2P example bank's statement). */
  unreported(account: Account): { entries: Entry[]; opening: bigint; closing: bigint } {
    const entries = this.state.entries.filter((e) => e.account_number === account.account_number && !e.reported_in_mt940);
    const first = entries[0];
    const opening = first ? first.balance_after + (effect(first) === "C" ? -first.amount : first.amount) : account.book_balance;
    const closing = entries.length > 0 ? entries[entries.length - 1]!.balance_after : account.book_balance;
    return { entries, opening, closing };
  }

  nextStatementId(): string {
    return `STM${String(++this.state.counters.statement).padStart(9, "0")}`;
  }

  nextReportId(prefix: string): string {
    return `${prefix}${String(++this.state.counters.report).padStart(9, "0")}`;
  }
}

/** What the API answers about a payment (amounts as decimal strings). */
export function paymentView(p: Payment) {
  return {
    payment_reference_number: p.payment_reference_number,
    batch_id: p.batch_id,
    channel: p.channel,
    status: p.status,
    iso_status: p.status === "PENDING" ? "ACSP" : p.status === "SUCCESS" ? "ACSC" : "RJCT",
    reason_code: p.reason_code ?? null,
    reason: p.reason ?? null,
    remitting_account: p.remitting_account,
    currency: p.currency,
    payment_amount: formatAmount(p.amount, p.currency),
    beneficiary_name: p.beneficiary_name,
    beneficiary_account: p.beneficiary_account,
    beneficiary_bank_code: p.beneficiary_bank_code,
    funds_blocked_reference_number: p.funds_blocked_reference_number ?? null,
    received_at: p.received_at,
    due_at: p.due_at,
    paid_at: p.paid_at ?? null,
    reversed_at: p.reversed_at ?? null,
    bank_reference: p.bank_reference ?? null,
  };
}

export function accountView(bank: Bank, a: Account) {
  return {
    account_number: a.account_number,
    account_holder_name: a.account_holder_name,
    account_currency: a.currency,
    iban: a.iban ?? null,
    book_balance: formatAmount(a.book_balance, a.currency),
    blocked_amount: formatAmount(a.blocked_amount, a.currency),
    available_balance: formatAmount(bank.available(a), a.currency),
  };
}
