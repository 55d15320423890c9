/**
 * The example bank's HTTP face (node:http), following the OpenG2P G2P Bridge example bank's contract
 * plus ISO 20022 file endpoints and a status lookup (docs/example-bank.md):
 *
 *   GET  /  or /health                      who this is (no key needed)
 *   POST /check_funds                       { account_number, account_currency, total_funds_needed }
 *   POST /block_funds                       { account_number, currency, amount, request_reference? }
 *   POST /release_funds                     { block_reference_no }
 *   POST /initiate_payment                  [ { payment_reference_number, remitting_account, … } ]
 *   POST /payment_status                    { payment_reference_numbers: [...] }
 *   GET  /payments/{reference}              one payment's status
 *   POST /generate_account_statement        { program_account_number, from_date?, to_date? } → MT940
 *   GET  /account_statements/{id}           a generated MT940 (text/plain)
 *   GET  /statements/mt940?account_number=&from=&to=
 *   POST /iso20022/pain.001                 pain.001 (raw XML or multipart file) → pain.002
 *   GET  /iso20022/pain.002?msg_id= | batch_id=
 *   GET  /iso20022/camt.053?account_number=&from=&to=   (and /iso20022/camt.054)
 *   GET  /accounts/{number}, POST /accounts, POST /accounts/{number}/deposit
 *
 * Every route but the first needs the API key (header `X-API-Key` by default, or `Authorization:
 * Bearer`). Each change is written to disk before it is answered (persistence.ts).
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { writeCamt } from "./formats/camt-writer";
import { writeMt940 } from "./formats/mt940-writer";
import { readPain001 } from "./formats/pain001-reader";
import { writePain002, type Pain002Input, type TxStatus } from "./formats/pain002-writer";
import { XmlReadError } from "./formats/xml";
import { AmountError, currencyDecimals, formatAmount, isCurrencyCode, parseAmount } from "./money";
import { BankPersistence } from "./persistence";
import { isReasonCode, reasonText } from "./reason-codes";
import { accountView, Bank, normaliseAccount, paymentView, type Account, type Pain001Message, type Payment, type Statement } from "./state";

export type SeedAccount = { account_number: string; account_holder_name?: string; currency: string; balance: string | number; iban?: string };

export type ExampleBankOptions = {
  /** 0 (default): a free port. */
  port?: number;
  host?: string;
  dataDir: string;
  /** The shared API key. When absent, one is generated on first start and kept in the state file. */
  apiKey?: string;
  /** Header carrying the key (default `x-api-key`); `Authorization: Bearer <key>` is accepted too. */
  apiKeyHeader?: string;
  bankCode?: string;
  bic?: string;
  bankName?: string;
  /** How long after intake a payment is paid (default 5000 ms). */
  paymentDelayMs?: number;
  /** How often due payments are looked for (default 250 ms). */
  tickMs?: number;
  /** Beneficiary accounts whose payments fail: "ACCOUNT" or "ACCOUNT:CODE" (default code AC01). */
  rejectAccounts?: string[];
  /** Beneficiary accounts whose payments are paid, then returned: "ACCOUNT" or "ACCOUNT:CODE" (default AC04). */
  returnAccounts?: string[];
  /** Accounts created at start when they do not exist yet (existing ones keep their balances). */
  accounts?: SeedAccount[];
  /** Where MT940 statements are POSTed (multipart field `statement_file`). */
  callbackUrl?: string;
  callbackHeaders?: Record<string, string>;
  /** After paying, send the MT940 of the new entries to the callback (default true when a callback is set). */
  statementAfterPayment?: boolean;
  maxBodyBytes?: number;
  /** Clock (tests); default Date.now. */
  now?: () => number;
  log?: (line: string) => void;
};

export type ExampleBankHandle = {
  url: string;
  apiKey: string;
  apiKeyHeader: string;
  bank: Bank;
  /** Pays what is due now (the timer does the same), saves, and starts the statement callbacks. */
  processDuePayments(): Payment[];
  /** Resolves when no statement delivery is in flight. */
  idle(): Promise<void>;
  close(): Promise<void>;
};

type Json = Record<string, unknown>;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** "ACC" / "ACC:AC04" entries → normalised account → reason code. */
export function parseAccountList(entries: string[] | undefined, defaultCode: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of entries ?? []) {
    const item = raw.trim();
    if (!item) continue;
    const colon = item.lastIndexOf(":");
    const account = colon > 0 ? item.slice(0, colon) : item;
    const code = colon > 0 ? item.slice(colon + 1).toUpperCase() : defaultCode;
    if (!isReasonCode(code)) throw new Error(`"${item}": the reason code must be 4 letters or digits (for example AC01)`);
    out.set(normaliseAccount(account), code);
  }
  return out;
}

const str = (v: unknown): string => (typeof v === "string" ? v.trim() : typeof v === "number" ? String(v) : "");

/** YYYY-MM-DD (start or end of that UTC day) or an ISO date-time; `fallback` when absent. */
function parseWhen(value: string | null | undefined, edge: "start" | "end", fallback: number, field: string): number {
  if (!value) return fallback;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const t = Date.parse(`${value}T00:00:00.000Z`);
    if (Number.isNaN(t)) throw new HttpError(422, `${field} "${value}" is not a date`);
    return edge === "start" ? t : t + 86_400_000 - 1;
  }
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new HttpError(422, `${field} "${value}" is not a date (YYYY-MM-DD or an ISO date-time)`);
  return t;
}

const sha256 = (s: string) => createHash("sha256").update(s).digest();

export async function startExampleBank(opts: ExampleBankOptions): Promise<ExampleBankHandle> {
  const now = opts.now ?? Date.now;
  const log = opts.log ?? (() => {});
  const bankCode = opts.bankCode ?? "EXAMPLE_BANK";
  const bankName = opts.bankName ?? "Example Bank";
  const apiKeyHeader = (opts.apiKeyHeader ?? "x-api-key").toLowerCase();
  const maxBody = opts.maxBodyBytes ?? 200 * 1024 * 1024;
  const statementAfterPayment = opts.statementAfterPayment ?? Boolean(opts.callbackUrl);

  let closed = false;
  const persistence = new BankPersistence(opts.dataDir);
  const state = persistence.load();
  const bank = new Bank(state, {
    bankCode,
    paymentDelayMs: opts.paymentDelayMs ?? 5000,
    rejectAccounts: parseAccountList(opts.rejectAccounts, "AC01"),
    returnAccounts: parseAccountList(opts.returnAccounts, "AC04"),
  });

  const apiKey = opts.apiKey ?? state.api_key ?? randomBytes(24).toString("base64url");
  if (!opts.apiKey) state.api_key = apiKey;
  const apiKeyDigest = sha256(apiKey);

  const iso = () => new Date(now()).toISOString();
  for (const seed of opts.accounts ?? []) {
    if (bank.findAccount(seed.account_number)) continue;
    if (!isCurrencyCode(seed.currency)) throw new Error(`seed account ${seed.account_number}: currency "${seed.currency}" is not an ISO 4217 code`);
    bank.openAccount(
      {
        account_number: seed.account_number,
        account_holder_name: seed.account_holder_name ?? seed.account_number,
        currency: seed.currency,
        iban: seed.iban,
        balance: parseAmount(seed.balance, seed.currency, `seed account ${seed.account_number} balance`),
      },
      iso(),
    );
  }
  persistence.save(state);

  const save = () => persistence.save(state);

  // ---- statements and their delivery ---------------------------------------------------------

  const inflight = new Set<Promise<void>>();

  const mt940For = (
    account: Account,
    range: { entries: typeof state.entries; opening: bigint; closing: bigint },
    reference: string,
    number: number,
    from: number,
    to: number,
  ) =>
    writeMt940({
      reference,
      account: account.account_number,
      statementNumber: number,
      currency: account.currency,
      opening: { amount: range.opening, date: new Date(from) },
      closing: { amount: range.closing, date: new Date(to) },
      entries: range.entries,
    });

  /** The OpenG2P example bank's statement: every entry not yet reported, then marked reported. */
  const generateStatement = (account: Account, period?: { from: number; to: number }): Statement => {
    const range = period ? bank.period(account, period.from, period.to) : bank.unreported(account);
    const id = bank.nextStatementId();
    account.statement_seq += 1;
    const first = range.entries[0];
    const last = range.entries[range.entries.length - 1];
    const from = period?.from ?? (first ? Date.parse(first.booked_at) : now());
    const to = period?.to ?? (last ? Date.parse(last.booked_at) : now());
    const statement: Statement = {
      id,
      account_number: account.account_number,
      sequence: account.statement_seq,
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      created_at: iso(),
      content: mt940For(account, range, id, account.statement_seq, from, to),
    };
    if (!period) for (const e of range.entries) e.reported_in_mt940 = true;
    if (opts.callbackUrl) statement.delivery = { url: opts.callbackUrl, status: "PENDING", attempts: 0 };
    state.statements.set(id, statement);
    return statement;
  };

  const deliver = (statement: Statement) => {
    const d = statement.delivery;
    if (!d || d.status !== "PENDING") return;
    const run = (async () => {
      for (let attempt = 0; attempt < 3 && !closed; attempt++) {
        if (attempt > 0) await new Promise((r) => setTimeout(r, 1000 * attempt));
        d.attempts += 1;
        try {
          const form = new FormData();
          form.append("statement_file", new Blob([statement.content], { type: "text/plain" }), `${statement.id}.mt940`);
          const res = await fetch(d.url, { method: "POST", body: form, headers: opts.callbackHeaders, signal: AbortSignal.timeout(15_000) });
          await res.arrayBuffer().catch(() => undefined);
          if (!res.ok) throw new Error(`HTTP ${res.status}`);
          d.status = "DELIVERED";
          d.delivered_at = iso();
          delete d.last_error;
          log(`statement ${statement.id} (${statement.account_number}) delivered to ${d.url}`);
          break;
        } catch (err) {
          d.last_error = err instanceof Error ? err.message : String(err);
          log(`statement ${statement.id}: delivery to ${d.url} failed (attempt ${d.attempts}): ${d.last_error}`);
        }
      }
      if (d.status === "PENDING" && !closed) d.status = "FAILED";
      if (!closed) save();
    })();
    inflight.add(run);
    void run.finally(() => inflight.delete(run));
  };

  const processDuePayments = (): Payment[] => {
    const settled = bank.processDue(now());
    if (settled.length === 0) return settled;
    const statements: Statement[] = [];
    if (statementAfterPayment) {
      const accounts = new Set<string>();
      for (const p of settled) if (p.status !== "FAILED") accounts.add(p.remitting_account);
      for (const number of accounts) {
        const account = bank.findAccount(number);
        if (account) statements.push(generateStatement(account));
      }
    }
    save();
    const count = (s: Payment["status"]) => settled.filter((p) => p.status === s).length;
    log(`settled ${settled.length} payment(s): ${count("SUCCESS")} paid, ${count("FAILED")} failed, ${count("REVERSED")} paid then returned`);
    for (const s of statements) deliver(s);
    return settled;
  };

  // ---- request handling ----------------------------------------------------------------------

  const readBody = (req: http.IncomingMessage): Promise<Buffer> =>
    new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on("data", (c: Buffer) => {
        size += c.length;
        if (size > maxBody) {
          reject(new HttpError(413, `request body larger than ${maxBody} bytes`));
          req.destroy();
          return;
        }
        chunks.push(c);
      });
      req.on("end", () => resolve(Buffer.concat(chunks)));
      req.on("error", reject);
    });

  const readJson = async (req: http.IncomingMessage): Promise<unknown> => {
    const body = (await readBody(req)).toString("utf8");
    try {
      return JSON.parse(body);
    } catch {
      throw new HttpError(400, "the request body is not valid JSON");
    }
  };

  const send = (res: http.ServerResponse, status: number, body: Json | Json[]) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", "Content-Length": Buffer.byteLength(text) });
    res.end(text);
  };
  const sendText = (res: http.ServerResponse, status: number, type: string, text: string, filename?: string) => {
    res.writeHead(status, {
      "Content-Type": `${type}; charset=utf-8`,
      "Content-Length": Buffer.byteLength(text),
      ...(filename ? { "Content-Disposition": `attachment; filename="${filename}"` } : {}),
    });
    res.end(text);
  };

  const authorised = (req: http.IncomingMessage): boolean => {
    const header = req.headers[apiKeyHeader];
    const auth = req.headers.authorization;
    const given = typeof header === "string" ? header : typeof auth === "string" && auth.startsWith("Bearer ") ? auth.slice(7) : undefined;
    return given !== undefined && timingSafeEqual(sha256(given), apiKeyDigest);
  };

  const accountOr404 = (number: string): Account => {
    const a = bank.findAccount(number);
    if (!a) throw new HttpError(404, `account ${number} not found`);
    return a;
  };

  // -- OpenG2P contract --

  const checkFunds = (body: Json) => {
    const accountNumber = str(body.account_number);
    const currency = str(body.account_currency);
    if (!accountNumber) throw new HttpError(422, "account_number is required");
    const account = bank.findAccount(accountNumber);
    if (!account) return { status: "failed", account_number: accountNumber, has_sufficient_funds: false, error_message: "Account not found" };
    if (currency && currency !== account.currency) {
      return { status: "failed", account_number: accountNumber, has_sufficient_funds: false, error_message: `Account currency is ${account.currency}, not ${currency}` };
    }
    const needed = parseAmount(body.total_funds_needed, account.currency, "total_funds_needed");
    const enough = bank.available(account) >= needed;
    return {
      status: enough ? "success" : "failed",
      account_number: account.account_number,
      has_sufficient_funds: enough,
      available_balance: formatAmount(bank.available(account), account.currency),
      error_message: enough ? "" : "Insufficient funds",
    };
  };

  const blockFunds = (body: Json) => {
    const accountNumber = str(body.account_number);
    const currency = str(body.currency);
    if (!accountNumber || !currency) throw new HttpError(422, "account_number and currency are required");
    const requestReference = str(body.request_reference) || undefined;
    const account = bank.findAccount(accountNumber);
    if (!account || account.currency !== currency) return { status: "failed", block_reference_no: "", error_message: "Account not found" };
    const amount = parseAmount(body.amount, currency, "amount");
    if (amount <= 0n) throw new HttpError(422, "amount must be more than zero");
    if (requestReference) {
      const existing = [...state.blocks.values()].find((b) => b.request_reference === requestReference);
      if (existing) {
        if (existing.account_number !== account.account_number || existing.amount !== amount) {
          return { status: "failed", block_reference_no: "", error_message: `request_reference ${requestReference} was already used for a different block` };
        }
        return { status: "success", block_reference_no: existing.block_reference_no, amount: formatAmount(existing.amount, currency), error_message: "" };
      }
    }
    if (bank.available(account) < amount) return { status: "failed", block_reference_no: "", error_message: "Insufficient funds" };
    const block = bank.block(account, amount, requestReference, iso());
    save();
    log(`blocked ${formatAmount(amount, currency)} ${currency} on ${account.account_number} (${block.block_reference_no})`);
    return { status: "success", block_reference_no: block.block_reference_no, amount: formatAmount(amount, currency), error_message: "" };
  };

  const releaseFunds = (body: Json) => {
    const ref = str(body.block_reference_no);
    const block = state.blocks.get(ref);
    if (!block) return { status: "failed", error_message: `block ${ref} not found` };
    const released = bank.release(block);
    save();
    return { status: "success", block_reference_no: ref, released_amount: formatAmount(released, block.currency), error_message: "" };
  };

  const initiatePayment = (body: unknown) => {
    if (!Array.isArray(body)) throw new HttpError(422, "the body must be a list of payments");
    if (body.length === 0) throw new HttpError(422, "the list of payments is empty");
    const failed = (message: string) => ({ status: "failed", error_message: message });
    type Candidate = Parameters<Bank["accept"]>[0];
    const candidates: Omit<Candidate, "batch_id">[] = [];
    const seen = new Set<string>();
    const onBlock = new Map<string, bigint>();
    for (const [i, raw] of body.entries()) {
      const p = (raw ?? {}) as Json;
      const ref = str(p.payment_reference_number);
      const where = `payment ${i + 1}${ref ? ` (${ref})` : ""}`;
      if (!ref) return failed(`${where}: payment_reference_number is required`);
      if (seen.has(ref)) return failed(`${where}: payment_reference_number appears twice in this request`);
      seen.add(ref);
      const remitting = str(p.remitting_account);
      const currency = str(p.remitting_account_currency);
      if (!remitting || !isCurrencyCode(currency)) return failed(`${where}: remitting_account and remitting_account_currency (ISO 4217) are required`);
      const account = bank.findAccount(remitting);
      if (!account || account.currency !== currency) return failed(`${where}: remitting account ${remitting} in ${currency} not found`);
      let amount: bigint;
      try {
        amount = parseAmount(p.payment_amount, currency, "payment_amount");
      } catch (err) {
        return failed(`${where}: ${(err as Error).message}`);
      }
      if (amount <= 0n) return failed(`${where}: payment_amount must be more than zero`);
      const type = str(p.beneficiary_account_type) || "BANK_ACCOUNT";
      const beneficiary =
        str(p.beneficiary_account) || (type === "MOBILE_WALLET" ? str(p.beneficiary_phone_no) : type === "EMAIL_WALLET" ? str(p.beneficiary_email) : "");
      if (!beneficiary) return failed(`${where}: beneficiary_account is required`);
      const blockRef = str(p.funds_blocked_reference_number) || undefined;
      if (blockRef) {
        const block = state.blocks.get(blockRef);
        if (!block || block.currency !== currency || block.account_number !== account.account_number) {
          return failed(`${where}: Invalid funds block reference or mismatch in details`);
        }
      }
      const providerBank = type === "MOBILE_WALLET" ? str(p.beneficiary_mobile_wallet_provider) : type === "EMAIL_WALLET" ? str(p.beneficiary_email_wallet_provider) : "";
      const candidate: Omit<Candidate, "batch_id"> = {
        payment_reference_number: ref,
        channel: "API",
        remitting_account: account.account_number,
        currency,
        amount,
        ...(blockRef ? { funds_blocked_reference_number: blockRef } : {}),
        beneficiary_name: str(p.beneficiary_name),
        beneficiary_account: beneficiary,
        beneficiary_account_currency: str(p.beneficiary_account_currency) || currency,
        beneficiary_account_type: type,
        beneficiary_bank_code: str(p.beneficiary_bank_code) || providerBank,
        beneficiary_branch_code: str(p.beneficiary_branch_code),
        narratives: [1, 2, 3, 4, 5, 6].map((n) => str(p[`narrative_${n}`])),
        payment_date: str(p.payment_date),
      };
      const seenBefore = bank.classify(candidate);
      if (seenBefore.kind === "conflict") return failed(`${where}: payment_reference_number ${ref} was already used for a different payment`);
      if (seenBefore.kind === "new" && blockRef) onBlock.set(blockRef, (onBlock.get(blockRef) ?? 0n) + amount);
      candidates.push(candidate);
    }
    for (const [ref, sum] of onBlock) {
      const block = state.blocks.get(ref)!;
      const left = block.amount - block.amount_released - bank.pendingOnBlock(ref);
      if (sum > left)
        return failed(`funds block ${ref} holds ${formatAmount(left, block.currency)} ${block.currency}, these payments need ${formatAmount(sum, block.currency)}`);
    }
    const fresh = candidates.filter((c) => bank.classify(c).kind === "new");
    const batchId = fresh.length > 0 ? bank.nextBatchId("BATCH") : null;
    const nowMs = now();
    for (const c of fresh) bank.accept({ ...c, batch_id: batchId! }, nowMs);
    if (batchId)
      state.batches.set(batchId, { batch_id: batchId, received_at: new Date(nowMs).toISOString(), payment_references: fresh.map((c) => c.payment_reference_number) });
    save();
    const freshRefs = new Set(fresh.map((c) => c.payment_reference_number));
    if (batchId) log(`accepted ${fresh.length} payment(s) in ${batchId}${candidates.length > fresh.length ? `, ${candidates.length - fresh.length} already known` : ""}`);
    return {
      status: "success",
      error_message: "",
      batch_id: batchId,
      payments: candidates.map((c) => {
        const stored = state.payments.get(c.payment_reference_number)!;
        return { ...paymentView(stored), duplicate: !freshRefs.has(c.payment_reference_number) };
      }),
    };
  };

  const paymentStatus = (body: Json) => {
    const refs = body.payment_reference_numbers;
    if (!Array.isArray(refs) || refs.some((r) => typeof r !== "string")) throw new HttpError(422, "payment_reference_numbers must be a list of strings");
    return {
      status: "success",
      payments: (refs as string[]).map((r) => {
        const p = state.payments.get(r);
        return p ? paymentView(p) : { payment_reference_number: r, status: "NOT_FOUND" };
      }),
    };
  };

  const generateAccountStatement = (body: Json) => {
    const number = str(body.program_account_number) || str(body.account_number);
    if (!number) throw new HttpError(422, "program_account_number is required");
    const account = bank.findAccount(number);
    if (!account) return { status: "failed", account_statement_id: null, error_message: "Account not found" };
    const hasPeriod = Boolean(str(body.from_date) || str(body.to_date));
    const period = hasPeriod ? { from: parseWhen(str(body.from_date), "start", 0, "from_date"), to: parseWhen(str(body.to_date), "end", now(), "to_date") } : undefined;
    const statement = generateStatement(account, period);
    save();
    log(`statement ${statement.id} for ${account.account_number}`);
    deliver(statement);
    return { status: "success", account_statement_id: statement.id, error_message: null };
  };

  // -- ISO 20022 --

  const messageFingerprint = (doc: ReturnType<typeof readPain001>) =>
    createHash("sha256")
      .update(
        JSON.stringify(
          doc.blocks.map((b) => [
            b.pmtInfId,
            normaliseAccount(b.debtorAccount),
            b.transactions.map((t) => [t.endToEndId, t.amount, t.currency, normaliseAccount(t.creditorAccount)]),
          ]),
        ),
      )
      .digest("hex");

  const txStatusOf = (p: Payment): { status: TxStatus; reasonCode?: string; reasonText?: string } =>
    p.status === "PENDING" ? { status: "ACSP" } : p.status === "SUCCESS" ? { status: "ACSC" } : { status: "RJCT", reasonCode: p.reason_code, reasonText: p.reason };

  const reportId = () => `RPT${randomBytes(8).toString("hex").toUpperCase()}`;

  const pain002ForMessage = (msgId: string): string => {
    const m = state.messages.get(msgId)!;
    const input: Pain002Input = {
      messageId: reportId(),
      createdAt: new Date(now()),
      bankName,
      originalMessageId: m.msg_id,
      originalMessageName: m.message_name,
      originalCreatedAt: m.created_at_original,
      originalNbOfTxs: m.nb_of_txs,
      originalCtrlSum: m.ctrl_sum,
      paymentInfos: m.payment_infos.map((pi) => ({
        id: pi.pmt_inf_id,
        transactions: pi.transactions.map((t) => {
          const p = t.rejected ? undefined : state.payments.get(t.end_to_end_id);
          const status = t.rejected
            ? { status: "RJCT" as const, reasonCode: t.rejected.code, reasonText: t.rejected.reason }
            : p
              ? txStatusOf(p)
              : { status: "RJCT" as const, reasonCode: "MS03" };
          return {
            endToEndId: t.end_to_end_id,
            instrId: t.instr_id,
            ...status,
            bankReference: p?.bank_reference,
            acceptedAt: p?.received_at,
            amount: t.amount,
            currency: t.currency,
          };
        }),
      })),
    };
    return writePain002(input);
  };

  const pain002ForBatch = (batchId: string): string => {
    const b = state.batches.get(batchId)!;
    const payments = b.payment_references.map((r) => state.payments.get(r)!);
    // Control sum: the plain sum of the amounts, at 3 decimals (the most any currency has), trailing zeros trimmed.
    let sum = 0n;
    for (const p of payments) sum += p.amount * 10n ** BigInt(3 - currencyDecimals(p.currency));
    const ctrlSum = `${sum / 1000n}.${(sum % 1000n).toString().padStart(3, "0")}`.replace(/\.?0+$/, "");
    return writePain002({
      messageId: reportId(),
      createdAt: new Date(now()),
      bankName,
      originalMessageId: b.batch_id,
      originalMessageName: "initiate_payment",
      originalCreatedAt: b.received_at.replace(/\.\d{3}Z$/, "Z"),
      originalNbOfTxs: payments.length,
      originalCtrlSum: ctrlSum,
      paymentInfos: [
        {
          id: b.batch_id,
          transactions: payments.map((p) => ({
            endToEndId: p.payment_reference_number,
            ...txStatusOf(p),
            bankReference: p.bank_reference,
            acceptedAt: p.received_at.replace(/\.\d{3}Z$/, "Z"),
            amount: formatAmount(p.amount, p.currency),
            currency: p.currency,
          })),
        },
      ],
    });
  };

  const uploadPain001 = async (req: http.IncomingMessage): Promise<{ status: number; xml: string }> => {
    const raw = await readBody(req);
    const type = req.headers["content-type"] ?? "";
    let xml: string;
    if (type.startsWith("multipart/form-data")) {
      const form = await new Response(new Uint8Array(raw), { headers: { "content-type": type } }).formData().catch(() => {
        throw new HttpError(400, "the multipart body cannot be read");
      });
      const file = (["file", "pain001", "payment_file"].map((k) => form.get(k)).find((v) => v instanceof Blob) ?? [...form.values()].find((v) => v instanceof Blob)) as
        Blob | undefined;
      if (!file) throw new HttpError(400, "the multipart body has no file (field `file`)");
      xml = await file.text();
    } else {
      xml = raw.toString("utf8");
    }
    let doc: ReturnType<typeof readPain001>;
    try {
      doc = readPain001(xml);
    } catch (err) {
      if (err instanceof XmlReadError) throw new HttpError(400, `pain.001 rejected: ${err.message}`);
      throw err;
    }
    const fingerprint = messageFingerprint(doc);
    const known = state.messages.get(doc.msgId);
    if (known) {
      if (known.fingerprint === fingerprint) return { status: 200, xml: pain002ForMessage(doc.msgId) };
      // The same message id for different payments: refuse the file, keep the first one.
      return {
        status: 409,
        xml: writePain002({
          messageId: reportId(),
          createdAt: new Date(now()),
          bankName,
          originalMessageId: doc.msgId,
          originalMessageName: doc.version,
          originalCreatedAt: doc.createdAt,
          originalNbOfTxs: doc.nbOfTxs,
          originalCtrlSum: doc.ctrlSum ?? "0",
          groupRejection: { code: "DU01", text: `Message id ${doc.msgId} was already received with different payments` },
          paymentInfos: [],
        }),
      };
    }
    const nowMs = now();
    const inFile = new Set<string>();
    const message = {
      msg_id: doc.msgId,
      message_name: doc.version,
      fingerprint,
      created_at_original: doc.createdAt,
      received_at: new Date(nowMs).toISOString(),
      nb_of_txs: doc.nbOfTxs,
      ctrl_sum: doc.ctrlSum ?? "0",
      payment_infos: [],
    } satisfies Pain001Message as Pain001Message;
    let accepted = 0;
    for (const block of doc.blocks) {
      const debtor = block.debtorAccount ? bank.findAccount(block.debtorAccount) : undefined;
      const txs = block.transactions.map((t) => {
        const base = {
          end_to_end_id: t.endToEndId || "NOTPROVIDED",
          instr_id: t.instrId,
          amount: t.amount || "0",
          currency: isCurrencyCode(t.currency) ? t.currency : "XXX",
        };
        const reject = (code: string, reason?: string) => ({ ...base, rejected: { code, reason: reason ?? reasonText(code) } });
        if (t.problem) return reject("FF01", t.problem);
        if (!debtor) return reject("AC01", `Debtor account ${block.debtorAccount || "(none)"} is not held at this bank`);
        if (t.currency !== debtor.currency) return reject("AM03", `Debtor account ${debtor.account_number} is in ${debtor.currency}, not ${t.currency}`);
        let amount: bigint;
        try {
          amount = parseAmount(t.amount, t.currency, "InstdAmt");
        } catch (err) {
          if (err instanceof AmountError) return reject("AM12", err.message);
          throw err;
        }
        if (amount <= 0n) return reject("AM12", "InstdAmt must be more than zero");
        if (inFile.has(t.endToEndId)) return reject("DUPL", `EndToEndId ${t.endToEndId} appears twice in this file`);
        inFile.add(t.endToEndId);
        const candidate = {
          payment_reference_number: t.endToEndId,
          channel: "PAIN001" as const,
          msg_id: doc.msgId,
          pmt_inf_id: block.pmtInfId,
          ...(t.instrId ? { instr_id: t.instrId } : {}),
          remitting_account: debtor.account_number,
          currency: t.currency,
          amount,
          beneficiary_name: t.creditorName,
          beneficiary_account: t.creditorAccount,
          beneficiary_account_currency: t.currency,
          beneficiary_account_type: "BANK_ACCOUNT",
          beneficiary_bank_code: t.creditorBankCode,
          beneficiary_branch_code: "",
          narratives: [t.remittance],
          payment_date: block.requestedExecutionDate ?? "",
        };
        const seenBefore = bank.classify(candidate);
        if (seenBefore.kind === "conflict") return reject("DUPL", `EndToEndId ${t.endToEndId} was already used for a different payment`);
        if (seenBefore.kind === "new") {
          bank.accept({ ...candidate, batch_id: doc.msgId }, nowMs);
          accepted += 1;
        }
        return base;
      });
      message.payment_infos.push({ pmt_inf_id: block.pmtInfId, transactions: txs });
    }
    state.messages.set(doc.msgId, message);
    save();
    log(`pain.001 ${doc.msgId}: ${accepted} payment(s) accepted`);
    return { status: 200, xml: pain002ForMessage(doc.msgId) };
  };

  const camt = (kind: "camt.053" | "camt.054", url: URL): string => {
    const account = accountOr404(url.searchParams.get("account_number") ?? url.searchParams.get("account") ?? "");
    const from = parseWhen(url.searchParams.get("from"), "start", Date.parse(account.created_at), "from");
    const to = parseWhen(url.searchParams.get("to"), "end", now(), "to");
    const range = bank.period(account, from, to);
    const id = `${kind === "camt.053" ? "STMT" : "NTFN"}${randomBytes(6).toString("hex").toUpperCase()}`;
    return writeCamt({
      kind,
      messageId: id,
      statementId: id,
      createdAt: new Date(now()),
      from: new Date(from),
      to: new Date(to),
      account,
      bic: opts.bic,
      bankName,
      opening: range.opening,
      closing: range.closing,
      entries: range.entries,
    });
  };

  // -- routing --

  const route = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://bank.local");
    const path = url.pathname.replace(/\/+$/, "") || "/";
    const method = req.method ?? "GET";
    if (method === "GET" && (path === "/" || path === "/health")) {
      return send(res, 200, { status: "ok", service: "example-bank", bank_name: bankName, bank_code: bankCode, bic: opts.bic ?? null });
    }
    if (!authorised(req)) return send(res, 401, { status: "failed", error_message: `missing or wrong API key (header ${apiKeyHeader} or Authorization: Bearer)` });

    if (method === "POST" && path === "/check_funds") return send(res, 200, checkFunds((await readJson(req)) as Json));
    if (method === "POST" && path === "/block_funds") return send(res, 200, blockFunds((await readJson(req)) as Json));
    if (method === "POST" && path === "/release_funds") return send(res, 200, releaseFunds((await readJson(req)) as Json));
    if (method === "POST" && path === "/initiate_payment") return send(res, 200, initiatePayment(await readJson(req)));
    if (method === "POST" && path === "/payment_status") return send(res, 200, paymentStatus((await readJson(req)) as Json));
    if (method === "GET" && path.startsWith("/payments/")) {
      const p = state.payments.get(decodeURIComponent(path.slice("/payments/".length)));
      return p ? send(res, 200, paymentView(p)) : send(res, 404, { status: "NOT_FOUND", error_message: "no payment with this reference" });
    }
    if (method === "POST" && path === "/generate_account_statement") return send(res, 200, generateAccountStatement((await readJson(req)) as Json));
    if (method === "GET" && path.startsWith("/account_statements/")) {
      const s = state.statements.get(decodeURIComponent(path.slice("/account_statements/".length)));
      if (!s) return send(res, 404, { status: "failed", error_message: "no statement with this id" });
      return sendText(res, 200, "text/plain", s.content, `${s.id}.mt940`);
    }
    if (method === "GET" && path === "/statements/mt940") {
      const account = accountOr404(url.searchParams.get("account_number") ?? "");
      const from = parseWhen(url.searchParams.get("from"), "start", Date.parse(account.created_at), "from");
      const to = parseWhen(url.searchParams.get("to"), "end", now(), "to");
      const ref = `P${new Date(to).toISOString().slice(0, 10).replace(/-/g, "")}${account.statement_seq + 1}`;
      return sendText(res, 200, "text/plain", mt940For(account, bank.period(account, from, to), ref, account.statement_seq + 1, from, to), `${ref}.mt940`);
    }
    if (method === "POST" && path === "/iso20022/pain.001") {
      const r = await uploadPain001(req);
      return sendText(res, r.status, "application/xml", r.xml);
    }
    if (method === "GET" && path === "/iso20022/pain.002") {
      const msgId = url.searchParams.get("msg_id");
      const batchId = url.searchParams.get("batch_id");
      if (msgId && state.messages.has(msgId)) return sendText(res, 200, "application/xml", pain002ForMessage(msgId));
      if (batchId && state.batches.has(batchId)) return sendText(res, 200, "application/xml", pain002ForBatch(batchId));
      return send(res, 404, { status: "failed", error_message: "no pain.001 message (msg_id) or payment batch (batch_id) with this id" });
    }
    if (method === "GET" && (path === "/iso20022/camt.053" || path === "/iso20022/camt.054")) {
      return sendText(res, 200, "application/xml", camt(path.endsWith("053") ? "camt.053" : "camt.054", url));
    }
    if (method === "GET" && path.startsWith("/accounts/")) return send(res, 200, accountView(bank, accountOr404(decodeURIComponent(path.slice("/accounts/".length)))));
    if (method === "POST" && path === "/accounts") {
      const body = (await readJson(req)) as Json;
      const number = str(body.account_number);
      const currency = str(body.currency) || str(body.account_currency);
      if (!number || !isCurrencyCode(currency)) throw new HttpError(422, "account_number and currency (ISO 4217) are required");
      if (bank.findAccount(number)) throw new HttpError(409, `account ${number} already exists`);
      const a = bank.openAccount(
        {
          account_number: number,
          account_holder_name: str(body.account_holder_name) || number,
          currency,
          iban: str(body.iban) || undefined,
          balance: parseAmount(body.balance ?? "0", currency, "balance"),
        },
        iso(),
      );
      save();
      return send(res, 201, accountView(bank, a));
    }
    const deposit = /^\/accounts\/([^/]+)\/deposit$/.exec(path);
    if (method === "POST" && deposit) {
      const a = accountOr404(decodeURIComponent(deposit[1]!));
      const body = (await readJson(req)) as Json;
      const amount = parseAmount(body.amount, a.currency, "amount");
      if (amount <= 0n) throw new HttpError(422, "amount must be more than zero");
      bank.deposit(a, amount, str(body.narrative) || "Deposit", iso());
      save();
      return send(res, 200, accountView(bank, a));
    }
    return send(res, 404, { status: "failed", error_message: `no route ${method} ${path}` });
  };

  const server = http.createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      if (res.headersSent) return void res.destroy();
      if (err instanceof HttpError) return send(res, err.status, { status: "failed", error_message: err.message });
      if (err instanceof AmountError) return send(res, 422, { status: "failed", error_message: err.message });
      log(`internal error on ${req.method} ${req.url}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      return send(res, 500, { status: "failed", error_message: "internal error" });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => resolve());
  });
  const address = server.address() as AddressInfo;
  const url = `http://${address.address.includes(":") ? `[${address.address}]` : address.address}:${address.port}`;

  const timer = setInterval(() => {
    try {
      processDuePayments();
    } catch (err) {
      log(`payment processing failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }, opts.tickMs ?? 250);
  timer.unref();
  // Deliveries a previous run left pending (the process stopped before the callback answered).
  for (const s of state.statements.values()) if (s.delivery?.status === "PENDING") deliver(s);

  return {
    url,
    apiKey,
    apiKeyHeader,
    bank,
    processDuePayments,
    idle: async () => {
      while (inflight.size > 0) await Promise.allSettled([...inflight]);
    },
    close: async () => {
      clearInterval(timer);
      closed = true;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.allSettled([...inflight]);
      save();
    },
  };
}
