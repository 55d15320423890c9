import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startExampleBank, type ExampleBankHandle } from "@/example-bank";
import { parseCamt } from "@/server/rails/bank/formats/camt-reader";
import { parseMt940 } from "@/server/rails/bank/formats/mt940-reader";
import { endToEndIdToPaymentId, writePain001 } from "@/server/rails/bank/formats/pain001-writer";
import { parsePain002 } from "@/server/rails/bank/formats/pain002-reader";

/**
 * The two sides of the bank rail, written apart, read each other: the platform's pain.001 writer
 * (server/rails/bank/formats/) → the example bank (example-bank/) → its pain.002, camt.053 and MT940
 * → the platform's readers. Payment ids come back, amounts stay exact, a rejection and a return carry
 * their reason codes.
 */

const FUNDING = "GB33BUKB20201555555555";
let clock = Date.parse("2026-03-02T09:00:00.000Z");
let bank: ExampleBankHandle;
let dataDir: string;
const headers = { "x-api-key": "roundtrip-key" };

const paid = randomUUID();
const rejected = randomUUID();
const returned = randomUUID();

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), "example-bank-roundtrip-"));
  bank = await startExampleBank({
    dataDir,
    apiKey: "roundtrip-key",
    bic: "EXBKGB22",
    paymentDelayMs: 1000,
    tickMs: 3_600_000,
    now: () => clock,
    accounts: [{ account_number: FUNDING, account_holder_name: "Programme account", currency: "EUR", balance: "5000.00", iban: FUNDING }],
    rejectAccounts: ["DE02120300000000202051:AC04"],
    returnAccounts: ["FR1420041010050500013M02606:MD07"],
  });
});

afterAll(async () => {
  await bank.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("platform files ⇄ example bank", () => {
  it("ships a platform pain.001 and reconciles the bank's pain.002, camt.053 and MT940", async () => {
    const file = writePain001({
      messageId: "RT-MSG-1",
      createdAt: new Date(clock),
      requestedExecutionDate: "2026-03-02",
      initiatingParty: { name: "Platform" },
      debtor: { name: "Programme account", account: { iban: FUNDING }, agent: { bic: "EXBKGB22" } },
      payments: [
        {
          paymentId: paid,
          amount: "1234.5",
          currency: "EUR",
          creditor: { name: "Amina Diallo", account: { iban: "DE89370400440532013000" }, agent: { bic: "COBADEFF" } },
        },
        { paymentId: rejected, amount: "10", currency: "EUR", creditor: { name: "Closed Account", account: { iban: "DE02120300000000202051" } } },
        { paymentId: returned, amount: "0.01", currency: "EUR", creditor: { name: "Late Receiver", account: { iban: "FR1420041010050500013M02606" } } },
      ],
    });
    const upload = await fetch(`${bank.url}/iso20022/pain.001`, { method: "POST", headers: { ...headers, "content-type": "application/xml" }, body: file.xml });
    expect(upload.status).toBe(200);
    const accepted = parsePain002(await upload.text());
    expect(accepted.originalMessageId).toBe("RT-MSG-1");
    expect(accepted.entries.map((e) => [e.paymentId, e.status])).toEqual([
      [paid, "ACCEPTED"],
      [rejected, "ACCEPTED"],
      [returned, "ACCEPTED"],
    ]);

    clock += 1000;
    bank.processDuePayments();

    const report = parsePain002(await (await fetch(`${bank.url}/iso20022/pain.002?msg_id=RT-MSG-1`, { headers })).text());
    expect(report.entries.map((e) => [e.paymentId, e.status, e.reasonCode ?? null])).toEqual([
      [paid, "SETTLED", null],
      [rejected, "REJECTED", "AC04"],
      [returned, "REJECTED", "MD07"],
    ]);

    const camt = parseCamt(await (await fetch(`${bank.url}/iso20022/camt.053?account_number=${FUNDING}&from=2026-03-02&to=2026-03-02`, { headers })).text());
    expect(camt.account?.iban).toBe(FUNDING);
    expect(camt.openingBalance).toMatchObject({ amount: "5000.00", currency: "EUR" });
    expect(camt.closingBalance).toMatchObject({ amount: "3765.50", currency: "EUR" });
    expect(camt.entries.map((e) => [e.paymentId, e.amount, e.direction, e.reversal, e.reasonCode ?? null])).toEqual([
      [paid, "1234.50", "DEBIT", false, null],
      [returned, "0.01", "DEBIT", false, null],
      [returned, "0.01", "CREDIT", true, "MD07"],
    ]);

    const generated = (await (
      await fetch(`${bank.url}/generate_account_statement`, {
        method: "POST",
        headers: { ...headers, "content-type": "application/json" },
        body: JSON.stringify({ program_account_number: FUNDING }),
      })
    ).json()) as { account_statement_id: string };
    const mt940 = parseMt940(await (await fetch(`${bank.url}/account_statements/${generated.account_statement_id}`, { headers })).text());
    expect(mt940.statements[0]?.account?.number ?? mt940.statements[0]?.account?.iban).toBe(FUNDING);
    expect(mt940.openingBalance).toMatchObject({ amount: "5000.00", currency: "EUR" });
    expect(mt940.closingBalance).toMatchObject({ amount: "3765.50", currency: "EUR" });
    expect(mt940.entries.map((e) => [endToEndIdToPaymentId(e.endToEndId), e.amount, e.direction, e.reversal, e.reasonCode ?? null])).toEqual([
      [paid, "1234.50", "DEBIT", false, null],
      [returned, "0.01", "DEBIT", false, null],
      // RD: the reversal of a debit gives the money back, read as a credit that reverses (as camt's CRDT + RvslInd).
      [returned, "0.01", "CREDIT", true, "MD07"],
    ]);
  });
});
