import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { XMLParser } from "fast-xml-parser";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { startExampleBank, type ExampleBankHandle, type ExampleBankOptions } from "@/example-bank";
import { freePort } from "@/scripts/lib/embedded-postgres";
import { ensureExampleBank, exampleBankApiKey } from "@/scripts/lib/example-bank-runtime";
import { waitFor } from "@/tests/support/wait";

/**
 * The example bank (example-bank/, docs/example-bank.md) over real HTTP: the OpenG2P example bank's
 * calls, delayed payment, rejection and return lists, idempotent resends, a restart from its state
 * file, and its MT940 / camt.053 / camt.054 / pain.002 outputs. A fake clock decides when payments
 * are due, so no test depends on timing.
 */

const FUNDING = "1000000001";
const KEY = "test-bank-key";
const T0 = Date.parse("2026-03-02T09:00:00.000Z");

let dataDir: string;
let clock = T0;
let bank: ExampleBankHandle | null = null;
const dirs: string[] = [];

async function start(extra: Partial<ExampleBankOptions> = {}): Promise<ExampleBankHandle> {
  bank = await startExampleBank({
    dataDir,
    apiKey: KEY,
    paymentDelayMs: 60_000,
    // The timer never fires within a test: payments are settled by processDuePayments() with the fake clock.
    tickMs: 3_600_000,
    now: () => clock,
    accounts: [{ account_number: FUNDING, account_holder_name: "Platform funding", currency: "USD", balance: "1000.00" }],
    rejectAccounts: ["999000111:AC04", "DE02 1203 0000 0000 2020 51"],
    returnAccounts: ["888000111:MD07"],
    ...extra,
  });
  return bank;
}

async function call(method: string, route: string, body?: unknown, headers: Record<string, string> = { "x-api-key": KEY }) {
  const res = await fetch(`${bank!.url}${route}`, {
    method,
    headers: { ...(body !== undefined ? { "content-type": "application/json" } : {}), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, type: res.headers.get("content-type") ?? "", text, json: () => JSON.parse(text) as any };
}

const payment = (ref: string, amount: number | string, beneficiary: string, extra: Record<string, unknown> = {}) => ({
  payment_reference_number: ref,
  remitting_account: FUNDING,
  remitting_account_currency: "USD",
  payment_amount: amount,
  funds_blocked_reference_number: "",
  beneficiary_name: `Receiver ${ref}`,
  beneficiary_account: beneficiary,
  beneficiary_account_currency: "USD",
  beneficiary_account_type: "BANK_ACCOUNT",
  beneficiary_bank_code: "OTHERBANK",
  beneficiary_branch_code: "001",
  narrative_1: `disbursement ${ref}`,
  payment_date: "2026-03-02",
  ...extra,
});

const balances = async () => (await call("GET", `/accounts/${FUNDING}`)).json();
const statusOf = async (ref: string) => (await call("GET", `/payments/${ref}`)).json();

function settleAfter(ms: number) {
  clock += ms;
  return bank!.processDuePayments();
}

const xml = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@_",
  parseTagValue: false,
  isArray: (n) => ["Ntry", "Bal", "TxInfAndSts", "OrgnlPmtInfAndSts"].includes(n),
});

/** MT940 as a list of [tag, value] in file order (`:86:` continuation lines joined). */
function mt940Fields(text: string): [string, string][] {
  const out: [string, string][] = [];
  for (const line of text.split("\n")) {
    if (!line) continue;
    const m = /^:(\d{2}[A-Z]?):(.*)$/.exec(line);
    if (m) out.push([m[1]!, m[2]!]);
    else out[out.length - 1]![1] += line;
  }
  return out;
}

/** The XSD of a message (tests/fixtures/iso20022, placed for the platform's writers), when present. */
function findXsd(name: string): string | undefined {
  const root = path.resolve(import.meta.dirname, "../fixtures/iso20022");
  if (!existsSync(root)) return undefined;
  const walk = (dir: string): string | undefined => {
    for (const f of readdirSync(dir)) {
      const full = path.join(dir, f);
      if (statSync(full).isDirectory()) {
        const found = walk(full);
        if (found) return found;
      } else if (f.startsWith(name) && f.endsWith(".xsd")) return full;
    }
    return undefined;
  };
  return walk(root);
}
const hasXmllint = spawnSync("xmllint", ["--version"]).status === 0;

/** Validates with `xmllint --schema` when both the tool and the schema are here; returns whether it did. */
function validateAgainstXsd(text: string, schema: string): boolean {
  const xsd = findXsd(schema);
  if (!hasXmllint || !xsd) return false;
  const file = path.join(dataDir, `${schema}.xml`);
  writeFileSync(file, text);
  execFileSync("xmllint", ["--noout", "--schema", xsd, file], { stdio: "pipe" });
  return true;
}

beforeEach(() => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), "example-bank-"));
  dirs.push(dataDir);
  clock = T0;
});

afterEach(async () => {
  await bank?.close();
  bank = null;
});

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("the OpenG2P example bank contract", () => {
  it("refuses calls without the API key and answers health without it", async () => {
    await start();
    expect((await call("GET", "/health", undefined, {})).json()).toMatchObject({ status: "ok", service: "example-bank" });
    const none = await call("POST", "/check_funds", { account_number: FUNDING, account_currency: "USD", total_funds_needed: 1 }, {});
    expect(none.status).toBe(401);
    const wrong = await call("POST", "/check_funds", { account_number: FUNDING, account_currency: "USD", total_funds_needed: 1 }, { "x-api-key": "nope" });
    expect(wrong.status).toBe(401);
    const bearer = await call("POST", "/check_funds", { account_number: FUNDING, account_currency: "USD", total_funds_needed: 1 }, { authorization: `Bearer ${KEY}` });
    expect(bearer.json()).toMatchObject({ status: "success", has_sufficient_funds: true });
  });

  it("checks and blocks funds exactly, and a block is reused for its request reference", async () => {
    await start();
    expect((await call("POST", "/check_funds", { account_number: FUNDING, account_currency: "USD", total_funds_needed: 1000 })).json()).toMatchObject({
      status: "success",
      has_sufficient_funds: true,
    });
    expect((await call("POST", "/check_funds", { account_number: FUNDING, account_currency: "USD", total_funds_needed: "1000.01" })).json()).toMatchObject({
      status: "failed",
      has_sufficient_funds: false,
      error_message: "Insufficient funds",
    });
    expect((await call("POST", "/check_funds", { account_number: "404", account_currency: "USD", total_funds_needed: 1 })).json()).toMatchObject({
      status: "failed",
      error_message: "Account not found",
    });
    // More decimals than the currency has is refused rather than rounded.
    expect((await call("POST", "/check_funds", { account_number: FUNDING, account_currency: "USD", total_funds_needed: 0.001 })).status).toBe(422);

    const block = (await call("POST", "/block_funds", { account_number: FUNDING, currency: "USD", amount: 0.3, request_reference: "env-1" })).json();
    expect(block).toMatchObject({ status: "success", error_message: "" });
    expect(block.block_reference_no).toMatch(/^BLK\d+$/);
    expect(await balances()).toMatchObject({ book_balance: "1000.00", blocked_amount: "0.30", available_balance: "999.70" });
    const again = (await call("POST", "/block_funds", { account_number: FUNDING, currency: "USD", amount: 0.3, request_reference: "env-1" })).json();
    expect(again.block_reference_no).toBe(block.block_reference_no);
    expect((await balances()).blocked_amount).toBe("0.30");
    expect((await call("POST", "/block_funds", { account_number: FUNDING, currency: "USD", amount: 1000 })).json()).toMatchObject({
      status: "failed",
      error_message: "Insufficient funds",
    });
  });

  it("acknowledges payments, pays them after the delay from the block, and keeps balances exact", async () => {
    await start();
    const block = (await call("POST", "/block_funds", { account_number: FUNDING, currency: "USD", amount: "300.30" })).json().block_reference_no as string;
    const sent = await call("POST", "/initiate_payment", [
      payment("PAY-1", 100.1, "123456", { funds_blocked_reference_number: block }),
      payment("PAY-2", "200.20", "654321", { funds_blocked_reference_number: block }),
    ]);
    expect(sent.json()).toMatchObject({
      status: "success",
      error_message: "",
      payments: [
        { status: "PENDING", duplicate: false },
        { status: "PENDING", duplicate: false },
      ],
    });
    expect(await balances()).toMatchObject({ book_balance: "1000.00", blocked_amount: "300.30" });

    expect(settleAfter(59_999)).toHaveLength(0);
    expect((await statusOf("PAY-1")).status).toBe("PENDING");

    expect(settleAfter(1)).toHaveLength(2);
    const paid = await statusOf("PAY-1");
    expect(paid).toMatchObject({ status: "SUCCESS", iso_status: "ACSC", payment_amount: "100.10", currency: "USD", reason_code: null });
    expect(paid.bank_reference).toMatch(/^EB\d+$/);
    expect(await balances()).toMatchObject({ book_balance: "699.70", blocked_amount: "0.00", available_balance: "699.70" });
    // The beneficiaries' bank is another bank: the money went to its clearing account.
    expect((await call("GET", "/accounts/CLEARING-OTHERBANK-USD")).json()).toMatchObject({ book_balance: "300.30" });
  });

  it("refuses a batch with a bad payment as a whole, and payments beyond the block", async () => {
    await start();
    const block = (await call("POST", "/block_funds", { account_number: FUNDING, currency: "USD", amount: 10 })).json().block_reference_no as string;
    const over = await call("POST", "/initiate_payment", [
      payment("B-1", 6, "1", { funds_blocked_reference_number: block }),
      payment("B-2", 6, "2", { funds_blocked_reference_number: block }),
    ]);
    expect(over.json()).toMatchObject({ status: "failed" });
    expect(over.json().error_message).toContain(block);
    const bad = await call("POST", "/initiate_payment", [payment("B-3", 1, "1"), payment("B-4", "1.234", "2")]);
    expect(bad.json().status).toBe("failed");
    expect(bad.json().error_message).toContain("B-4");
    expect((await call("GET", "/payments/B-1")).status).toBe(404);
    expect((await call("GET", "/payments/B-3")).status).toBe(404);
    const unknownBlock = await call("POST", "/initiate_payment", [payment("B-5", 1, "1", { funds_blocked_reference_number: "BLK-NOPE" })]);
    expect(unknownBlock.json()).toMatchObject({ status: "failed", error_message: expect.stringContaining("Invalid funds block reference") });
  });

  it("rejects payments to listed accounts (no booking) and returns paid ones with a reason", async () => {
    await start();
    await call("POST", "/initiate_payment", [
      payment("R-1", 10, "999000111"),
      payment("R-2", 20, "DE02120300000000202051"),
      payment("R-3", 30, "888000111"),
      payment("R-4", 40, "777"),
    ]);
    settleAfter(60_000);
    expect(await statusOf("R-1")).toMatchObject({ status: "FAILED", iso_status: "RJCT", reason_code: "AC04", reason: "Closed account number", paid_at: null });
    expect(await statusOf("R-2")).toMatchObject({ status: "FAILED", reason_code: "AC01" });
    expect(await statusOf("R-3")).toMatchObject({ status: "REVERSED", iso_status: "RJCT", reason_code: "MD07" });
    expect(await statusOf("R-4")).toMatchObject({ status: "SUCCESS" });
    // Only R-4 left the account: R-1/R-2 were never booked, R-3 came back.
    expect((await balances()).book_balance).toBe("960.00");
  });

  it("pays a resent payment once and answers with its first outcome, also after a restart", async () => {
    await start();
    const first = (await call("POST", "/initiate_payment", [payment("D-1", 25, "111"), payment("D-2", 5, "999000111")])).json();
    const again = (await call("POST", "/initiate_payment", [payment("D-1", 25, "111")])).json();
    expect(again).toMatchObject({ status: "success", batch_id: null, payments: [{ payment_reference_number: "D-1", duplicate: true, batch_id: first.batch_id }] });
    settleAfter(60_000);
    expect((await balances()).book_balance).toBe("975.00");

    // The same reference for a different payment is refused, not paid.
    const conflict = (await call("POST", "/initiate_payment", [payment("D-1", 26, "111")])).json();
    expect(conflict).toMatchObject({ status: "failed", error_message: expect.stringContaining("already used for a different payment") });

    // Restart from the state file: statuses, balances and idempotency survive.
    await bank!.close();
    await start();
    const lookup = (await call("POST", "/payment_status", { payment_reference_numbers: ["D-1", "D-2", "D-404"] })).json();
    expect(lookup.payments).toMatchObject([
      { payment_reference_number: "D-1", status: "SUCCESS", payment_amount: "25.00" },
      { payment_reference_number: "D-2", status: "FAILED", reason_code: "AC04" },
      { payment_reference_number: "D-404", status: "NOT_FOUND" },
    ]);
    const resend = (await call("POST", "/initiate_payment", [payment("D-1", 25, "111")])).json();
    expect(resend.payments[0]).toMatchObject({ duplicate: true, status: "SUCCESS" });
    settleAfter(120_000);
    expect((await balances()).book_balance).toBe("975.00");
  });

  it("pays pending payments that were due while it was stopped", async () => {
    await start();
    await call("POST", "/initiate_payment", [payment("S-1", 1, "111")]);
    await bank!.close();
    clock += 3_600_000;
    await start();
    bank!.processDuePayments();
    expect(await statusOf("S-1")).toMatchObject({ status: "SUCCESS" });
  });

  it("pays on its own timer with the real clock", async () => {
    bank = await startExampleBank({ dataDir, apiKey: KEY, paymentDelayMs: 0, tickMs: 20, accounts: [{ account_number: FUNDING, currency: "USD", balance: "5" }] });
    await call("POST", "/initiate_payment", [payment("TIMER-1", "1.5", "111")]);
    await waitFor(async () => (await statusOf("TIMER-1")).status === "SUCCESS", { message: "the bank's timer to pay TIMER-1" });
    expect((await balances()).book_balance).toBe("3.50");
  });
});

describe("statements and status reports", () => {
  /** A callback receiver like the platform's statement upload: multipart `statement_file`. */
  async function receiver() {
    const received: { file: string; name: string; auth?: string }[] = [];
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", async () => {
        const form = await new Response(Buffer.concat(chunks), { headers: { "content-type": req.headers["content-type"] ?? "" } }).formData();
        const file = form.get("statement_file") as File;
        received.push({ file: await file.text(), name: file.name, auth: req.headers.authorization });
        res.writeHead(200, { "content-type": "application/json" }).end('{"status":"success"}');
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/upload_mt940`, received, close: () => new Promise((r) => server.close(r)) };
  }

  it("posts the MT940 of a paid batch to the callback as statement_file, field by field", async () => {
    const rx = await receiver();
    try {
      await start({ callbackUrl: rx.url, callbackHeaders: { Authorization: "Bearer platform-token" } });
      await call("POST", "/initiate_payment", [
        payment("0f9a6c1e2b7d4e8f9a0b1c2d3e4f5a6b", "100.25", "555"),
        payment("RET-1", 20, "888000111"),
        payment("REJ-1", 5, "999000111"),
      ]);
      settleAfter(60_000);
      await bank!.idle();
      expect(rx.received).toHaveLength(1);
      expect(rx.received[0]!.auth).toBe("Bearer platform-token");
      expect(rx.received[0]!.name).toMatch(/\.mt940$/);
      const f = mt940Fields(rx.received[0]!.file);
      expect(f.map(([t]) => t)).toEqual(["20", "25", "28C", "60F", "61", "86", "61", "86", "61", "86", "62F"]);
      expect(f[0]![1]).toMatch(/^STM\d+$/);
      expect(f[0]![1].length).toBeLessThanOrEqual(16);
      expect(f[1]![1]).toBe(FUNDING);
      expect(f[2]![1]).toBe("1/1");
      expect(f[3]![1]).toBe("C260302USD1000,00");
      // A payout: value date, entry date, D, amount with a comma, NTRF, reference (16 characters at most), bank reference.
      expect(f[4]![1]).toMatch(/^2603020302D100,25NTRF0f9a6c1e2b7d4e8f\/\/EB\d+$/);
      expect(f[5]![1]).toContain("/EREF/0f9a6c1e2b7d4e8f9a0b1c2d3e4f5a6b");
      expect(f[6]![1]).toMatch(/^2603020302D20,00NTRFRET-1\/\/EB\d+$/);
      // The return: a reversal of the debit (RD) with the reason code.
      expect(f[8]![1]).toMatch(/^2603020302RD20,00NTRFRET-1\/\/EB\d+$/);
      expect(f[9]![1]).toContain("/EREF/RET-1/RTRN/MD07");
      // REJ-1 was never booked; closing = 1000 − 100.25 − 20 + 20.
      expect(f[10]![1]).toBe("C260302USD899,75");
      expect(rx.received[0]!.file).not.toContain("REJ-1");

      // The statement is kept and the entries are reported once: the next one starts where this ended.
      const next = (await call("POST", "/generate_account_statement", { program_account_number: FUNDING })).json();
      expect(next).toMatchObject({ status: "success", error_message: null });
      await bank!.idle();
      const second = mt940Fields((await call("GET", `/account_statements/${next.account_statement_id}`)).text);
      expect(second.map(([t]) => t)).toEqual(["20", "25", "28C", "60F", "62F"]);
      expect(second[2]![1]).toBe("2/1");
      expect(second[3]![1]).toBe("C260302USD899,75");
      expect(rx.received).toHaveLength(2);
      expect((await call("POST", "/generate_account_statement", { program_account_number: "404" })).json()).toMatchObject({
        status: "failed",
        error_message: "Account not found",
      });
    } finally {
      await rx.close();
    }
  });

  it("gives camt.053 and camt.054 for an account and period with the required elements", async () => {
    await start({ bic: "EXBKUS33" });
    await call("POST", "/initiate_payment", [payment("C-1", "12.34", "DE89370400440532013000"), payment("C-2", 20, "888000111")]);
    settleAfter(60_000);

    const res = await call("GET", `/iso20022/camt.053?account_number=${FUNDING}&from=2026-03-02&to=2026-03-02`);
    expect(res.status).toBe(200);
    expect(res.type).toContain("application/xml");
    const doc = xml.parse(res.text).Document;
    expect(doc["@_xmlns"]).toBe("urn:iso:std:iso:20022:tech:xsd:camt.053.001.08");
    const stmt = doc.BkToCstmrStmt.Stmt;
    expect(doc.BkToCstmrStmt.GrpHdr.MsgId).toBeTruthy();
    expect(stmt.Acct.Id.Othr.Id).toBe(FUNDING);
    expect(stmt.Acct.Svcr.FinInstnId.BICFI).toBe("EXBKUS33");
    expect(stmt.Bal.map((b: any) => [b.Tp.CdOrPrtry.Cd, b.Amt["#text"], b.Amt["@_Ccy"], b.CdtDbtInd])).toEqual([
      ["OPBD", "1000.00", "USD", "CRDT"],
      ["CLBD", "987.66", "USD", "CRDT"],
    ]);
    const entries = stmt.Ntry.map((n: any) => ({
      amount: n.Amt["#text"],
      cd: n.CdtDbtInd,
      reversal: n.RvslInd,
      status: n.Sts.Cd,
      e2e: n.NtryDtls.TxDtls.Refs.EndToEndId,
      creditorAccount: n.NtryDtls.TxDtls.RltdPties?.CdtrAcct?.Id?.IBAN ?? n.NtryDtls.TxDtls.RltdPties?.CdtrAcct?.Id?.Othr?.Id,
      returnCode: n.NtryDtls.TxDtls.RtrInf?.Rsn?.Cd,
    }));
    expect(entries).toEqual([
      { amount: "12.34", cd: "DBIT", reversal: undefined, status: "BOOK", e2e: "C-1", creditorAccount: "DE89370400440532013000", returnCode: undefined },
      { amount: "20.00", cd: "DBIT", reversal: undefined, status: "BOOK", e2e: "C-2", creditorAccount: "888000111", returnCode: undefined },
      // A returned payout: a credit that reverses the debit (ISO RvslInd usage), with the return reason.
      { amount: "20.00", cd: "CRDT", reversal: "true", status: "BOOK", e2e: "C-2", creditorAccount: "888000111", returnCode: "MD07" },
    ]);
    validateAgainstXsd(res.text, "camt.053.001.08");

    // Another day: no entries, opening = closing = the balance then.
    const later = xml.parse((await call("GET", `/iso20022/camt.053?account_number=${FUNDING}&from=2026-03-03&to=2026-03-03`)).text).Document.BkToCstmrStmt.Stmt;
    expect(later.Ntry).toBeUndefined();
    expect(later.Bal.map((b: any) => b.Amt["#text"])).toEqual(["987.66", "987.66"]);

    const n54 = await call("GET", `/iso20022/camt.054?account_number=${FUNDING}`);
    const ntfctn = xml.parse(n54.text).Document.BkToCstmrDbtCdtNtfctn.Ntfctn;
    expect(ntfctn.Bal).toBeUndefined();
    expect(ntfctn.Ntry).toHaveLength(3);
    validateAgainstXsd(n54.text, "camt.054.001.08");

    const mt = mt940Fields((await call("GET", `/statements/mt940?account_number=${FUNDING}&from=2026-03-02&to=2026-03-02`)).text);
    expect(mt.filter(([t]) => t === "61").map(([, v]) => v.slice(10, 18))).toEqual(["D12,34NT", "D20,00NT", "RD20,00N"]);
    expect((await call("GET", "/iso20022/camt.053?account_number=404")).status).toBe(404);
  });

  const pain001 = (msgId: string, txs: { e2e: string; amount: string; iban: string; ccy?: string }[], debtor = FUNDING) => `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <CstmrCdtTrfInitn>
    <GrpHdr><MsgId>${msgId}</MsgId><CreDtTm>2026-03-02T08:59:00Z</CreDtTm><NbOfTxs>${txs.length}</NbOfTxs><CtrlSum>${txs.reduce((s, t) => s + Number(t.amount), 0).toFixed(2)}</CtrlSum><InitgPty><Nm>Platform</Nm></InitgPty></GrpHdr>
    <PmtInf>
      <PmtInfId>${msgId}-1</PmtInfId><PmtMtd>TRF</PmtMtd><NbOfTxs>${txs.length}</NbOfTxs>
      <ReqdExctnDt><Dt>2026-03-02</Dt></ReqdExctnDt>
      <Dbtr><Nm>Platform</Nm></Dbtr><DbtrAcct><Id><Othr><Id>${debtor}</Id></Othr></Id></DbtrAcct>
      <DbtrAgt><FinInstnId><BICFI>EXBKUS33</BICFI></FinInstnId></DbtrAgt>
      ${txs
        .map(
          (t) => `<CdtTrfTxInf>
        <PmtId><InstrId>I-${t.e2e}</InstrId><EndToEndId>${t.e2e}</EndToEndId></PmtId>
        <Amt><InstdAmt Ccy="${t.ccy ?? "USD"}">${t.amount}</InstdAmt></Amt>
        <CdtrAgt><FinInstnId><BICFI>OTHRUS33</BICFI></FinInstnId></CdtrAgt>
        <Cdtr><Nm>Rec &amp; Co ${t.e2e}</Nm></Cdtr>
        <CdtrAcct><Id><IBAN>${t.iban}</IBAN></Id></CdtrAcct>
        <RmtInf><Ustrd>payout ${t.e2e}</Ustrd></RmtInf>
      </CdtTrfTxInf>`,
        )
        .join("\n      ")}
    </PmtInf>
  </CstmrCdtTrfInitn>
</Document>`;

  const txStatuses = (text: string) => {
    const doc = xml.parse(text).Document.CstmrPmtStsRpt;
    return {
      group: doc.OrgnlGrpInfAndSts,
      txs: (doc.OrgnlPmtInfAndSts ?? []).flatMap((b: any) => b.TxInfAndSts ?? []).map((t: any) => [t.OrgnlEndToEndId, t.TxSts, t.StsRsnInf?.Rsn?.Cd]),
    };
  };

  it("accepts a pain.001 upload and answers pain.002 per EndToEndId, idempotently", async () => {
    await start();
    const file = pain001("MSG-1", [
      { e2e: "E2E-1", amount: "10.50", iban: "DE89370400440532013000" },
      { e2e: "E2E-2", amount: "1.005", iban: "DE89370400440532013000" },
      { e2e: "E2E-3", amount: "3", iban: "DE02120300000000202051" },
      { e2e: "E2E-4", amount: "4", iban: "DE89370400440532013000", ccy: "EUR" },
      { e2e: "E2E-1", amount: "10.50", iban: "DE89370400440532013000" },
    ]);
    const form = new FormData();
    form.append("file", new Blob([file], { type: "application/xml" }), "pain001.xml");
    const upload = await fetch(`${bank!.url}/iso20022/pain.001`, { method: "POST", headers: { "x-api-key": KEY }, body: form });
    expect(upload.status).toBe(200);
    const first = await upload.text();
    const report = txStatuses(first);
    expect(report.group).toMatchObject({ OrgnlMsgId: "MSG-1", OrgnlMsgNmId: "pain.001.001.09", OrgnlNbOfTxs: "5", GrpSts: "PART" });
    expect(report.txs).toEqual([
      ["E2E-1", "ACSP", undefined],
      ["E2E-2", "RJCT", "AM12"],
      ["E2E-3", "ACSP", undefined],
      ["E2E-4", "RJCT", "AM03"],
      ["E2E-1", "RJCT", "DUPL"],
    ]);
    validateAgainstXsd(first, "pain.002.001.11");

    settleAfter(60_000);
    const later = await call("GET", "/iso20022/pain.002?msg_id=MSG-1");
    expect(txStatuses(later.text).txs.slice(0, 3)).toEqual([
      ["E2E-1", "ACSC", undefined],
      ["E2E-2", "RJCT", "AM12"],
      ["E2E-3", "RJCT", "AC01"],
    ]);
    validateAgainstXsd(later.text, "pain.002.001.11");
    expect(await statusOf("E2E-1")).toMatchObject({ status: "SUCCESS", channel: "PAIN001", payment_amount: "10.50" });

    // The same file again (raw XML this time): nothing new is paid, the answer is the current status.
    const resent = await fetch(`${bank!.url}/iso20022/pain.001`, { method: "POST", headers: { "x-api-key": KEY, "content-type": "application/xml" }, body: file });
    expect(txStatuses(await resent.text()).txs[0]).toEqual(["E2E-1", "ACSC", undefined]);
    // A new message carrying an already-paid EndToEndId reports that payment; another amount under it is a duplicate.
    const regenerated = await fetch(`${bank!.url}/iso20022/pain.001`, {
      method: "POST",
      headers: { "x-api-key": KEY, "content-type": "application/xml" },
      body: pain001("MSG-2", [
        { e2e: "E2E-1", amount: "10.50", iban: "DE89370400440532013000" },
        { e2e: "E2E-3", amount: "9.99", iban: "DE02120300000000202051" },
      ]),
    });
    expect(txStatuses(await regenerated.text()).txs).toEqual([
      ["E2E-1", "ACSC", undefined],
      ["E2E-3", "RJCT", "DUPL"],
    ]);
    settleAfter(60_000);
    expect((await balances()).book_balance).toBe("989.50");

    // The same message id with other payments: the whole file is refused.
    const clash = await fetch(`${bank!.url}/iso20022/pain.001`, {
      method: "POST",
      headers: { "x-api-key": KEY, "content-type": "application/xml" },
      body: pain001("MSG-1", [{ e2e: "E2E-9", amount: "1", iban: "DE89370400440532013000" }]),
    });
    expect(clash.status).toBe(409);
    expect(txStatuses(await clash.text()).group).toMatchObject({ GrpSts: "RJCT", StsRsnInf: { Rsn: { Cd: "DU01" } } });
    expect((await call("GET", "/payments/E2E-9")).status).toBe(404);

    const unknownDebtor = await fetch(`${bank!.url}/iso20022/pain.001`, {
      method: "POST",
      headers: { "x-api-key": KEY, "content-type": "application/xml" },
      body: pain001("MSG-3", [{ e2e: "E2E-10", amount: "1", iban: "DE89370400440532013000" }], "404"),
    });
    expect(txStatuses(await unknownDebtor.text()).txs).toEqual([["E2E-10", "RJCT", "AC01"]]);

    const broken = await fetch(`${bank!.url}/iso20022/pain.001`, {
      method: "POST",
      headers: { "x-api-key": KEY, "content-type": "application/xml" },
      body: "<Document><oops></Document>",
    });
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as any).error_message).toContain("pain.001");
  });

  it("reports an initiate_payment batch as pain.002", async () => {
    await start();
    const { batch_id } = (await call("POST", "/initiate_payment", [payment("PB-1", "1.10", "1"), payment("PB-2", "2.20", "999000111")])).json();
    settleAfter(60_000);
    const res = await call("GET", `/iso20022/pain.002?batch_id=${batch_id}`);
    const report = txStatuses(res.text);
    expect(report.group).toMatchObject({ OrgnlMsgId: batch_id, OrgnlNbOfTxs: "2", OrgnlCtrlSum: "3.3", GrpSts: "PART" });
    expect(report.txs).toEqual([
      ["PB-1", "ACSC", undefined],
      ["PB-2", "RJCT", "AC04"],
    ]);
    validateAgainstXsd(res.text, "pain.002.001.11");
    expect((await call("GET", "/iso20022/pain.002?batch_id=NOPE")).status).toBe(404);
  });
});

describe("scripts/example-bank.ts", () => {
  /** Starts the script as the launcher would and resolves with its URL once it listens. */
  function runScript(args: string[], env: Record<string, string> = {}) {
    const child = spawn(process.execPath, ["--import", "tsx", path.resolve(import.meta.dirname, "../../scripts/example-bank.ts"), ...args], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    const url = waitFor(() => /example bank: (http:\/\/\S+)/.exec(out)?.[1], { message: "the example bank script to print its URL", details: () => out });
    return { child, url, exited, output: () => out };
  }

  it("takes its settings from flags and environment, and keeps answered payments through a SIGKILL", async () => {
    const accounts = JSON.stringify([{ account_number: "FUND-9", account_holder_name: "Fund", currency: "EUR", balance: "50.00" }]);
    const env = { EXAMPLE_BANK_ACCOUNTS: accounts, EXAMPLE_BANK_REJECT_ACCOUNTS: "999:AC06" };
    const args = ["--port", "0", "--data", dataDir, "--api-key", "script-key", "--delay-ms", "500"];
    const first = runScript(args, env);
    const url = await first.url;
    const h = { "x-api-key": "script-key", "content-type": "application/json" };
    const pay = (ref: string, account: string) =>
      fetch(`${url}/initiate_payment`, {
        method: "POST",
        headers: h,
        body: JSON.stringify([
          { payment_reference_number: ref, remitting_account: "FUND-9", remitting_account_currency: "EUR", payment_amount: "7.25", beneficiary_account: account },
        ]),
      }).then((r) => r.json() as Promise<any>);
    expect((await pay("K-1", "999")).status).toBe("success");
    await waitFor(async () => ((await (await fetch(`${url}/payments/K-1`, { headers: h })).json()) as any).status === "FAILED", { message: "K-1 to fail" });
    expect(((await (await fetch(`${url}/payments/K-1`, { headers: h })).json()) as any).reason_code).toBe("AC06");
    expect((await pay("K-2", "12345")).status).toBe("success");
    first.child.kill("SIGKILL");
    await first.exited;

    const second = runScript(args, env);
    const url2 = await second.url;
    try {
      await waitFor(async () => ((await (await fetch(`${url2}/payments/K-2`, { headers: h })).json()) as any).status === "SUCCESS", {
        message: "K-2 to be paid",
      });
      expect(((await (await fetch(`${url2}/accounts/FUND-9`, { headers: h })).json()) as any).book_balance).toBe("42.75");
    } finally {
      second.child.kill("SIGTERM");
      expect(await second.exited).toBe(0);
    }
  });
});

describe("scripts/lib/example-bank-runtime.ts", () => {
  it("starts the demo bank with a key derived from the installation secret, and joins it when it is already running", async () => {
    const port = await freePort();
    const lines: string[] = [];
    const first = await ensureExampleBank({ port, dataDir, secret: "installation-secret", currency: "EUR" }, (l) => lines.push(l));
    try {
      expect(first.apiKey).toBe(exampleBankApiKey("installation-secret"));
      expect(first.apiKey).not.toBe(exampleBankApiKey("another-secret"));
      const joined = await ensureExampleBank({ port, dataDir, secret: "installation-secret" }, (l) => lines.push(l));
      expect(joined.url).toBe(first.url);
      expect(lines.at(-1)).toContain("joined the example bank");
      const account = await fetch(`${joined.url}/accounts/${first.fundingAccount}`, { headers: { "x-api-key": joined.apiKey } });
      expect(((await account.json()) as any).account_currency).toBe("EUR");
    } finally {
      await first.close();
    }
  });
});
