/**
 * Bank file import and reconciliation (server/services/bank-files/import-bank-file.ts) against real
 * PostgreSQL, through the real readers (server/rails/bank/formats/): pain.002 accept/reject, camt.053,
 * camt.054 and MT940 settlement, reversal, duplicates, unknown references, amount mismatch, re-import,
 * tenancy, permissions, totals and all-or-nothing import.
 */
import { randomUUID } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { auditEvents, bankFileEntries, bankFiles, disbursements, payments } from "@/db/schema";
import { buildCamt, buildMt940, buildPain002 } from "@/scripts/lib/bank-file-builders";
import { checkPaymentTotals, readDisbursementTotals } from "@/server/payments/payment-totals";
import { importBankFile } from "@/server/services/bank-files/import-bank-file";
import { getBankFile, listBankFiles, listReconciliationExceptions } from "@/server/services/bank-files/list-bank-files";
import type { OrgContext } from "@/server/services/context";
import { ServiceError } from "@/server/services/errors";
import { createBankPayments, createBankSetup, type BankSetup } from "../support/bank-payments";
import { callerFor, createOrgWithMembers, expectTRPCError, testDb } from "./helpers";

const db = testDb();
const makeOrg = () => createOrgWithMembers(db, ["owner", "financial_controller", "business", "initiator", "approver"] as const);
let org: Awaited<ReturnType<typeof makeOrg>>;
let ctx: OrgContext;
let bank: BankSetup;

beforeAll(async () => {
  org = await makeOrg();
  ctx = { db, actor: { userId: org.users.owner.id }, org: { id: org.org.id }, role: "owner" };
  bank = await createBankSetup(db, org.org.id);
});

const file = (name: string, text: string) => ({ fileName: name, content: Buffer.from(text), source: "UPLOAD" as const });

async function paymentRow(id: string) {
  const [p] = await db.select().from(payments).where(eq(payments.id, id));
  return p!;
}

async function entriesOf(fileId: string) {
  return db.select().from(bankFileEntries).where(eq(bankFileEntries.bankFileId, fileId)).orderBy(bankFileEntries.entryIndex);
}

async function expectServiceError(promise: Promise<unknown>, code: ServiceError["code"]): Promise<ServiceError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error, "expected a ServiceError").toBeInstanceOf(ServiceError);
  expect((error as ServiceError).code).toBe(code);
  return error as ServiceError;
}

describe("pain.002 status reports", () => {
  it("reject fails the payment with the reason in plain words and the ISO code; acceptance keeps it PENDING with the reply", async () => {
    const {
      paymentIds: [rejected, accepted, technical],
    } = await createBankPayments(db, org.org.id, bank, ["10.00", "20.00", "30.00"]);
    const result = await importBankFile(
      ctx,
      file(
        "psr.xml",
        buildPain002([
          { reference: rejected!, status: "RJCT", reasonCode: "AC04" },
          { reference: accepted!, status: "ACSP" },
          { reference: technical!, status: "ACTC" },
        ]),
      ),
    );
    expect(result.already_imported).toBe(false);
    expect(result.file).toMatchObject({ format: "PAIN002", source: "UPLOAD", entry_count: 3, matched_count: 3, exception_count: 0 });
    expect(result.outcomes.MATCHED).toBe(3);

    const r = await paymentRow(rejected!);
    expect(r.status).toBe("FAILED");
    expect(r.failureCode).toBe("AC04");
    expect(r.statusMessage).toBe("The beneficiary account is closed.");
    expect(r.railDetails).toMatchObject({ replyStatus: "RJCT", replyReason: "AC04", bankFileId: result.file.id });
    expect(r.statusHistory.at(-1)).toMatchObject({ status: "FAILED", status_message: "The beneficiary account is closed." });

    const a = await paymentRow(accepted!);
    expect(a.status).toBe("PENDING");
    expect(a.railDetails).toMatchObject({ replyStatus: "ACSP" });
    expect((await paymentRow(technical!)).railDetails).toMatchObject({ replyStatus: "ACTC" });
    expect(await checkPaymentTotals(db, org.org.id)).toEqual([]);
  });
});

/** A pain.002 answering a whole pain.001 at group or payment-information level, without one status per transaction. */
function groupPain002(originalMessageId: string, level: "group" | "block", code: string, reasonCode?: string, messageId = `PSR-${randomUUID()}`): string {
  const reason = reasonCode ? `<StsRsnInf><Rsn><Cd>${reasonCode}</Cd></Rsn></StsRsnInf>` : "";
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"><CstmrPmtStsRpt>`,
    `<GrpHdr><MsgId>${messageId}</MsgId><CreDtTm>2026-12-03T10:00:00</CreDtTm></GrpHdr>`,
    `<OrgnlGrpInfAndSts><OrgnlMsgId>${originalMessageId}</OrgnlMsgId><OrgnlMsgNmId>pain.001.001.09</OrgnlMsgNmId>`,
    level === "group" ? `<GrpSts>${code}</GrpSts>${reason}` : "",
    `</OrgnlGrpInfAndSts>`,
    level === "block" ? `<OrgnlPmtInfAndSts><OrgnlPmtInfId>${originalMessageId}</OrgnlPmtInfId><PmtInfSts>${code}</PmtInfSts>${reason}</OrgnlPmtInfAndSts>` : "",
    `</CstmrPmtStsRpt></Document>`,
  ].join("\n");
}

/** A shipped bank batch (rail_batches row, reference = the pain.001 MsgId) carrying these payments. */
async function shipBatch(disbursementId: string, paymentIds: readonly string[], reference = `PAIN001-${randomUUID().slice(0, 8)}`) {
  const [batch] = await db.execute<{ id: string }>(sql`
    insert into rail_batches (org_id, disbursement_id, connection_id, rail_type, reference, status, payment_count, amount, currency)
    values (${org.org.id}, ${disbursementId}, ${bank.connectionId}, 'BANK', ${reference}, 'SHIPPED', ${paymentIds.length}, 0, 'EUR') returning id`);
  for (const id of paymentIds) await db.update(payments).set({ railBatchId: batch!.id }).where(eq(payments.id, id));
  return reference;
}

describe("pain.002 rejecting a whole message", () => {
  it("a group RJCT without transaction statuses fails every payment of the batch it names, with the reason in plain words, once", async () => {
    const { disbursementId, paymentIds } = await createBankPayments(db, org.org.id, bank, ["1.00", "2.00", "3.00"]);
    const other = await createBankPayments(db, org.org.id, bank, ["4.00"]);
    const reference = await shipBatch(disbursementId, paymentIds);
    await shipBatch(other.disbursementId, other.paymentIds);

    const result = await importBankFile(ctx, file("group-rjct.xml", groupPain002(reference, "group", "RJCT", "AM04")));
    expect(result.file).toMatchObject({ format: "PAIN002", entry_count: 3, matched_count: 3, exception_count: 0 });
    for (const id of paymentIds) {
      const p = await paymentRow(id);
      expect(p.status).toBe("FAILED");
      expect(p.failureCode).toBe("AM04");
      expect(p.statusMessage).toBe("Not enough funds on the sponsor account.");
      expect(p.statusHistory.at(-1)).toMatchObject({ status: "FAILED", status_message: "Not enough funds on the sponsor account." });
      expect(p.railDetails).toMatchObject({ replyStatus: "RJCT", replyReason: "AM04", bankFileId: result.file.id });
    }
    const entries = await entriesOf(result.file.id);
    expect(entries.map((e) => e.paymentId)).toEqual(paymentIds);
    expect(entries.every((e) => e.outcome === "MATCHED" && e.reasonCode === "AM04")).toBe(true);
    // Another batch of the organization is not named: untouched.
    expect((await paymentRow(other.paymentIds[0]!)).status).toBe("PENDING");
    expect(await checkPaymentTotals(db, org.org.id)).toEqual([]);

    // A second report of the same rejection (other bytes): every payment ALREADY_APPLIED, nothing changes.
    const histories = await Promise.all(paymentIds.map(async (id) => (await paymentRow(id)).statusHistory.length));
    const again = await importBankFile(ctx, file("group-rjct-2.xml", groupPain002(reference, "group", "RJCT", "AM04")));
    expect(again.already_imported).toBe(false);
    expect(again.outcomes).toMatchObject({ ALREADY_APPLIED: 3, MATCHED: 0 });
    expect(await Promise.all(paymentIds.map(async (id) => (await paymentRow(id)).statusHistory.length))).toEqual(histories);
    expect(await checkPaymentTotals(db, org.org.id)).toEqual([]);
  });

  it("a payment-information block RJCT rejects the batch; a rejection naming an unknown message is one UNMATCHED entry", async () => {
    const { disbursementId, paymentIds } = await createBankPayments(db, org.org.id, bank, ["5.00", "6.00"]);
    const reference = await shipBatch(disbursementId, paymentIds);
    const result = await importBankFile(ctx, file("block-rjct.xml", groupPain002(reference, "block", "RJCT", "AC01")));
    expect(result.outcomes.MATCHED).toBe(2);
    for (const id of paymentIds) {
      const p = await paymentRow(id);
      expect(p.status).toBe("FAILED");
      expect(p.failureCode).toBe("AC01");
      expect(p.statusMessage).toBe("The account number is wrong (invalid or missing).");
    }

    const unknown = await importBankFile(ctx, file("unknown-rjct.xml", groupPain002("NO-SUCH-MSG", "group", "RJCT", "MS03")));
    expect(unknown.file).toMatchObject({ entry_count: 1, matched_count: 0, exception_count: 1 });
    const [entry] = await entriesOf(unknown.file.id);
    expect(entry).toMatchObject({ outcome: "UNMATCHED", reasonCode: "MS03", paymentId: null });
    expect(entry!.outcomeMessage).toContain("rejected the whole message NO-SUCH-MSG");
    // An accepted group (no rejection) with no transaction statuses changes nothing and lists nothing.
    const accepted = await importBankFile(ctx, file("group-acc.xml", groupPain002(reference, "group", "ACCP")));
    expect(accepted.file.entry_count).toBe(0);
    expect(await checkPaymentTotals(db, org.org.id)).toEqual([]);
  });
});

describe("entries are stored exactly", () => {
  it("text outside ASCII, amounts, currencies and references reach bank_file_entries unchanged", async () => {
    const {
      paymentIds: [id],
    } = await createBankPayments(db, org.org.id, bank, ["12.50"]);
    const bankText = "Konto gelöscht – Zahlung an Müller über 12,50 € zurück 🏦";
    const result = await importBankFile(
      ctx,
      file("unicode.xml", buildPain002([{ reference: id!, status: "RJCT", reasonCode: "AC04", reasonText: bankText, amount: "12.50", currency: "EUR" }])),
    );
    const [entry] = await entriesOf(result.file.id);
    expect(entry).toMatchObject({
      entryIndex: 1,
      endToEndId: id!.replace(/-/g, ""),
      bankReference: "ST-1",
      amount: "12.5000000",
      currency: "EUR",
      direction: "DEBIT",
      reversal: false,
      entryStatus: "RJCT",
      reasonCode: "AC04",
      reasonText: `The beneficiary account is closed. Bank says: ${bankText}`,
      outcome: "MATCHED",
      paymentId: id,
    });
    expect((await paymentRow(id!)).statusMessage).toBe(`The beneficiary account is closed. Bank says: ${bankText}`);
  });
});

describe("statements", () => {
  it("camt.053 settles PENDING bank payments (SUCCESS with booking date and bank reference) and completes the disbursement", async () => {
    const { disbursementId, paymentIds } = await createBankPayments(db, org.org.id, bank, ["12.50", "7.25"]);
    const result = await importBankFile(
      ctx,
      file(
        "stmt.xml",
        buildCamt(
          "053",
          paymentIds.map((id, i) => ({ reference: id, amount: i === 0 ? "12.50" : "7.25", bankReference: `BANKREF-${i}`, bookingDate: "2026-12-02" })),
        ),
      ),
    );
    expect(result.file).toMatchObject({ format: "CAMT053", entry_count: 2, matched_count: 2, exception_count: 0, statement_id: "STMT-1", account: "NL91ABNA0417164300" });
    for (const [i, id] of paymentIds.entries()) {
      const p = await paymentRow(id);
      expect(p.status).toBe("SUCCESS");
      expect(p.railDetails).toMatchObject({ replyStatus: "BOOK", bookingDate: "2026-12-02", bankReference: `BANKREF-${i}` });
    }
    const [d] = await db.select({ status: disbursements.status }).from(disbursements).where(eq(disbursements.id, disbursementId));
    expect(d!.status).toBe("COMPLETED");
    const totals = (await readDisbursementTotals(db, org.org.id, [disbursementId])).get(disbursementId)!;
    expect(totals.SUCCESS).toEqual({ count: 2, amount: "19.7500000" });
    expect(totals.PENDING.count).toBe(0);
    expect(await checkPaymentTotals(db, org.org.id)).toEqual([]);
  });

  it("MT940 settles by /EREF/, and an RD reversal fails the paid payment with the reversal reason", async () => {
    const {
      paymentIds: [paid, other],
    } = await createBankPayments(db, org.org.id, bank, ["40.00", "5.00"]);
    await importBankFile(
      ctx,
      file(
        "day1.sta",
        buildMt940(
          [
            { reference: paid!, amount: "40.00", bankReference: "MT-1" },
            { reference: other!, amount: "5.00", bankReference: "MT-2" },
          ],
          { statementId: "D1" },
        ),
      ),
    );
    expect((await paymentRow(paid!)).status).toBe("SUCCESS");
    expect((await paymentRow(other!)).status).toBe("SUCCESS");

    const reversal = await importBankFile(
      ctx,
      file("day2.sta", buildMt940([{ reference: paid!, amount: "40.00", reversal: true, returnReason: "AC04", bankReference: "MT-9" }], { statementId: "D2" })),
    );
    expect(reversal.outcomes.MATCHED).toBe(1);
    const p = await paymentRow(paid!);
    expect(p.status).toBe("FAILED");
    expect(p.failureCode).toBe("AC04");
    expect(p.statusMessage).toBe("The beneficiary account is closed.");
    expect(p.statusHistory.map((h) => h.status).slice(-2)).toEqual(["SUCCESS", "FAILED"]);
    expect(p.railDetails).toMatchObject({ reversal: { bankReference: "MT-9", reasonCode: "AC04" } });
    expect((await paymentRow(other!)).status).toBe("SUCCESS");
    expect(await checkPaymentTotals(db, org.org.id)).toEqual([]);
  });

  it("one MT940 booking a payment and reversing it: booked then failed in one import, with both entries' details", async () => {
    const {
      paymentIds: [paid, kept],
    } = await createBankPayments(db, org.org.id, bank, ["12.00", "3.00"]);
    const result = await importBankFile(
      ctx,
      file(
        "day-both.sta",
        buildMt940(
          [
            { reference: paid!, amount: "12.00", bankReference: "MT-B1" },
            { reference: kept!, amount: "3.00", bankReference: "MT-B2" },
            { reference: paid!, amount: "12.00", reversal: true, returnReason: "AC04", bankReference: "MT-B9" },
          ],
          { statementId: "DB" },
        ),
      ),
    );
    expect(result.outcomes.MATCHED).toBe(3);
    const p = await paymentRow(paid!);
    expect(p.status).toBe("FAILED");
    expect(p.failureCode).toBe("AC04");
    // The booking's move (first round, no details) then the reversal's (details from the staging table).
    expect(p.statusHistory.map((h) => h.status)).toEqual(["PENDING", "SUCCESS", "FAILED"]);
    expect(p.railDetails).toMatchObject({ settlement: { bankReference: "MT-B1" }, reversal: { bankReference: "MT-B9", reasonCode: "AC04" }, entryIndex: 3 });
    const k = await paymentRow(kept!);
    expect(k.status).toBe("SUCCESS");
    expect(k.railDetails).toMatchObject({ replyStatus: "BOOK", bankReference: "MT-B2", entryIndex: 2 });
    expect(await checkPaymentTotals(db, org.org.id)).toEqual([]);
  });

  it("camt.054 then camt.053 of the same booking: ALREADY_APPLIED, nothing changes twice", async () => {
    const {
      paymentIds: [id],
    } = await createBankPayments(db, org.org.id, bank, ["9.99"]);
    const first = await importBankFile(ctx, file("ntf.xml", buildCamt("054", [{ reference: id!, amount: "9.99", bankReference: "SAME-REF-123" }])));
    expect(first.outcomes.MATCHED).toBe(1);
    const history = (await paymentRow(id!)).statusHistory.length;
    const second = await importBankFile(
      ctx,
      file("stmt.xml", buildCamt("053", [{ reference: id!, amount: "9.99", bankReference: "SAME-REF-123" }], { statementId: "S-2" })),
    );
    expect(second.outcomes.ALREADY_APPLIED).toBe(1);
    expect(second.file).toMatchObject({ matched_count: 1, exception_count: 0 });
    expect((await paymentRow(id!)).statusHistory.length).toBe(history);
  });
});

describe("exceptions are stored and listed, never dropped", () => {
  it("duplicate entry, unknown reference, amount mismatch and not-yet-shipped payments", async () => {
    const {
      paymentIds: [a, b, c],
    } = await createBankPayments(db, org.org.id, bank, ["10.00", "20.00", "30.00"]);
    const {
      paymentIds: [ready],
    } = await createBankPayments(db, org.org.id, bank, ["15.00"], { status: "READY" });
    const unknown = randomUUID();
    const result = await importBankFile(
      ctx,
      file(
        "mixed.xml",
        buildCamt("053", [
          { reference: a!, amount: "10.00", bankReference: "R-A1" },
          { reference: a!, amount: "10.00", bankReference: "R-A2" },
          { reference: unknown, amount: "11.00" },
          { reference: "INV-2026-0042", amount: "12.00" },
          { reference: b!, amount: "20.01" },
          { reference: c!, amount: "30.00", currency: "USD" },
          { reference: ready!, amount: "15.00" },
        ]),
      ),
    );
    const entries = await entriesOf(result.file.id);
    expect(entries.map((e) => e.outcome)).toEqual(["MATCHED", "DUPLICATE", "UNMATCHED", "UNMATCHED", "AMOUNT_MISMATCH", "AMOUNT_MISMATCH", "INVALID_STATE"]);
    expect(entries[1]!.outcomeMessage).toMatch(/second booking/);
    expect(entries[2]!.outcomeMessage).toContain(unknown);
    expect(entries[2]!.paymentId).toBeNull();
    expect(entries[3]!.outcomeMessage).toMatch(/INV-2026-0042/);
    expect(entries[4]!.outcomeMessage).toMatch(/20\.01 EUR; the payment is 20 EUR/);
    expect(entries[6]!.outcomeMessage).toMatch(/READY/);
    expect(result.file).toMatchObject({ entry_count: 7, matched_count: 1, exception_count: 6 });
    expect((await paymentRow(a!)).status).toBe("SUCCESS");
    expect((await paymentRow(b!)).status).toBe("PENDING");
    expect((await paymentRow(c!)).status).toBe("PENDING");
    expect((await paymentRow(ready!)).status).toBe("READY");

    // Listed for staff: across files, and per file.
    const exceptions = await listReconciliationExceptions(ctx, { page_limit: 100 });
    const mine = exceptions.data.filter((e) => e.bank_file.id === result.file.id);
    expect(mine.map((e) => e.entry_index)).toEqual([2, 3, 4, 5, 6, 7]);
    expect(exceptions.pagination.total).toBeGreaterThanOrEqual(6);
    const mismatches = await listReconciliationExceptions(ctx, { outcome: "AMOUNT_MISMATCH", page_limit: 100 });
    expect(mismatches.data.every((e) => e.outcome === "AMOUNT_MISMATCH")).toBe(true);
    const detail = await getBankFile(ctx, { id: result.file.id, outcome: "exceptions", page_limit: 2 });
    expect(detail.entries.pagination.total).toBe(6);
    expect(detail.entries.data.map((e) => e.entry_index)).toEqual([2, 3]);
    const next = await getBankFile(ctx, { id: result.file.id, outcome: "exceptions", page_limit: 2, cursor: detail.entries.pagination.next_cursor! });
    expect(next.entries.data.map((e) => e.entry_index)).toEqual([4, 5]);
    expect(detail.file.outcomes).toMatchObject({ MATCHED: 1, DUPLICATE: 1, UNMATCHED: 2, AMOUNT_MISMATCH: 2, INVALID_STATE: 1 });
    expect(await checkPaymentTotals(db, org.org.id)).toEqual([]);
  });
});

describe("re-import", () => {
  it("the same file again answers with the earlier import and changes nothing", async () => {
    const {
      paymentIds: [id],
    } = await createBankPayments(db, org.org.id, bank, ["3.00"]);
    const text = buildMt940([{ reference: id!, amount: "3.00" }], { statementId: "REIMPORT" });
    const first = await importBankFile(ctx, file("again.sta", text));
    const before = {
      payment: await paymentRow(id!),
      files: await db
        .select({ n: sql<number>`count(*)::int` })
        .from(bankFiles)
        .where(eq(bankFiles.orgId, org.org.id)),
    };
    const audit = await db
      .select({ n: sql<number>`count(*)::int` })
      .from(auditEvents)
      .where(eq(auditEvents.orgId, org.org.id));
    const second = await importBankFile({ ...ctx, actor: { userId: org.users.financial_controller.id }, role: "financial_controller" }, file("renamed.sta", text));
    expect(second.already_imported).toBe(true);
    expect(second.file.id).toBe(first.file.id);
    expect(second.message).toMatch(/^This file was already imported on \d{4}-\d{2}-\d{2} at \d{2}:\d{2} UTC \(again\.sta\); nothing changed\.$/);
    expect(await paymentRow(id!)).toEqual(before.payment);
    expect(
      await db
        .select({ n: sql<number>`count(*)::int` })
        .from(bankFiles)
        .where(eq(bankFiles.orgId, org.org.id)),
    ).toEqual(before.files);
    expect(
      await db
        .select({ n: sql<number>`count(*)::int` })
        .from(auditEvents)
        .where(eq(auditEvents.orgId, org.org.id)),
    ).toEqual(audit);
  });

  it("two concurrent imports of one file: one imports, the other answers already imported; each payment moves once", async () => {
    const { paymentIds } = await createBankPayments(db, org.org.id, bank, ["7.00", "8.00"]);
    const text = buildCamt(
      "053",
      paymentIds.map((id, i) => ({ reference: id, amount: `${i + 7}.00` })),
      { statementId: "CONCURRENT" },
    );
    const results = await Promise.all([importBankFile(ctx, file("one.xml", text)), importBankFile(ctx, file("two.xml", text))]);
    expect(results.map((r) => r.already_imported).sort()).toEqual([false, true]);
    expect(results[0]!.file.id).toBe(results[1]!.file.id);
    for (const id of paymentIds) {
      const p = await paymentRow(id);
      expect(p.status).toBe("SUCCESS");
      expect(p.statusHistory.filter((h) => h.status === "SUCCESS")).toHaveLength(1);
    }
    expect(await checkPaymentTotals(db, org.org.id)).toEqual([]);
  });
});

describe("tenancy, connection scope and permissions", () => {
  it("another organization's payment id in a file is UNMATCHED and untouched; the other org cannot read the file", async () => {
    const other = await createOrgWithMembers(db, ["owner"] as const);
    const otherBank = await createBankSetup(db, other.org.id);
    const {
      paymentIds: [foreign],
    } = await createBankPayments(db, other.org.id, otherBank, ["8.00"]);
    const result = await importBankFile(ctx, file("foreign.xml", buildCamt("053", [{ reference: foreign!, amount: "8.00" }], { statementId: "FOREIGN" })));
    const [entry] = await entriesOf(result.file.id);
    expect(entry!.outcome).toBe("UNMATCHED");
    expect(entry!.paymentId).toBeNull();
    expect((await paymentRow(foreign!)).status).toBe("PENDING");
    const otherCtx: OrgContext = { db, actor: { userId: other.users.owner.id }, org: { id: other.org.id }, role: "owner" };
    await expectServiceError(getBankFile(otherCtx, { id: result.file.id }), "NOT_FOUND");
    expect((await listBankFiles(otherCtx, {})).data).toEqual([]);
  });

  it("a file for one connection matches only that connection's payments; Stellar payments never match", async () => {
    const second = await createBankSetup(db, org.org.id, `Second bank ${randomUUID().slice(0, 6)}`);
    const {
      paymentIds: [viaSecond],
    } = await createBankPayments(db, org.org.id, second, ["6.00"]);
    const {
      paymentIds: [viaFirst],
    } = await createBankPayments(db, org.org.id, bank, ["6.00"]);
    const [stellar] = await db.execute<{ id: string }>(
      sql`insert into payment_connections (org_id, rail_type, name) values (${org.org.id}, 'STELLAR', ${`Stellar ${randomUUID().slice(0, 6)}`}) returning id`,
    );
    const {
      paymentIds: [viaStellar],
    } = await createBankPayments(db, org.org.id, { ...bank, connectionId: stellar!.id }, ["6.00"]);
    const result = await importBankFile(ctx, {
      ...file(
        "second.xml",
        buildCamt(
          "053",
          [
            { reference: viaSecond!, amount: "6.00" },
            { reference: viaFirst!, amount: "6.00" },
            { reference: viaStellar!, amount: "6.00" },
          ],
          { statementId: "SECOND" },
        ),
      ),
      source: "BANK_PUSH",
      connectionId: second.connectionId,
    });
    expect((await entriesOf(result.file.id)).map((e) => e.outcome)).toEqual(["MATCHED", "UNMATCHED", "UNMATCHED"]);
    expect(result.file.connection?.id).toBe(second.connectionId);
    expect(result.file.source).toBe("BANK_PUSH");
    expect((await paymentRow(viaFirst!)).status).toBe("PENDING");
    expect((await paymentRow(viaStellar!)).status).toBe("PENDING");
    const refused = await expectServiceError(importBankFile(ctx, { ...file("x.xml", buildCamt("053", [])), connectionId: stellar!.id }), "BAD_REQUEST");
    expect(refused.message).toMatch(/STELLAR connection/);
  });

  it("import needs bank_files:import (owner, financial controller); reading needs bank_files:read", async () => {
    const text = buildCamt("053", [{ reference: randomUUID(), amount: "1.00" }], { statementId: "PERM" });
    for (const role of ["business", "initiator", "approver"] as const) {
      const caller = callerFor(db, org.users[role].id, org.org.id);
      await expectServiceError(importBankFile({ ...ctx, actor: { userId: org.users[role].id }, role }, file("perm.xml", text)), "FORBIDDEN");
      expect((await caller.bankFiles.list({})).data.length).toBeGreaterThan(0);
    }
    const fc = await importBankFile({ ...ctx, actor: { userId: org.users.financial_controller.id }, role: "financial_controller" }, file("perm.xml", text));
    expect(fc.file.imported_by?.id).toBe(org.users.financial_controller.id);
    // An API key needs write:statements to import and read:statements to read.
    await expectServiceError(importBankFile({ ...ctx, scopes: ["read:statements"] }, file("perm2.xml", text + " ")), "FORBIDDEN");
    await expectServiceError(listBankFiles({ ...ctx, scopes: ["read:payments"] }, {}), "FORBIDDEN");
  });
});

describe("bad files store nothing", () => {
  it("a malformed file names its line; an unknown format says what it is; too large is refused", async () => {
    const count = async () =>
      (
        await db
          .select({ n: sql<number>`count(*)::int` })
          .from(bankFiles)
          .where(eq(bankFiles.orgId, org.org.id))
      )[0]!.n;
    const before = await count();
    const broken = buildCamt("053", [{ reference: randomUUID(), amount: "1.00" }]).replace('<Amt Ccy="EUR">1.00</Amt>', '<Amt Ccy="EUR">1,00</Amt>');
    const e1 = await expectServiceError(importBankFile(ctx, file("broken.xml", broken)), "BAD_REQUEST");
    expect(e1.message).toMatch(/line \d+/);
    expect(e1.extras?.line).toMatch(/^\d+$/);
    const e2 = await expectServiceError(importBankFile(ctx, file("notes.txt", "hello, this is not a statement")), "BAD_REQUEST");
    expect(e2.message).toMatch(/neither ISO 20022 XML .* nor an MT940 statement/);
    const e3 = await expectServiceError(importBankFile(ctx, file("cut.xml", buildCamt("053", []).slice(0, 300))), "BAD_REQUEST");
    expect(e3.message).toMatch(/could not be read/);
    process.env.BANK_FILE_MAX_BYTES = "100";
    try {
      const e4 = await expectServiceError(importBankFile(ctx, file("big.xml", buildCamt("053", []))), "BAD_REQUEST");
      expect(e4.reason).toBe("PAYLOAD_TOO_LARGE");
      expect(e4.message).toMatch(/the limit is 100 bytes/);
    } finally {
      delete process.env.BANK_FILE_MAX_BYTES;
    }
    expect(await count()).toBe(before);
  });

  it("text PostgreSQL cannot store (a NUL character) is refused before anything is written, naming the line and field", async () => {
    const {
      paymentIds: [id],
    } = await createBankPayments(db, org.org.id, bank, ["1.00"]);
    const text = buildMt940([{ reference: id!, amount: "1.00" }], { statementId: "NUL" }).replace(/(:86:[^\n]*)/, "$1 bad\u0000text");
    const files = async () =>
      (
        await db
          .select({ n: sql<number>`count(*)::int` })
          .from(bankFiles)
          .where(eq(bankFiles.orgId, org.org.id))
      )[0]!.n;
    const before = await files();
    const error = await expectServiceError(importBankFile(ctx, file("nul.sta", text)), "BAD_REQUEST");
    expect(error.message).toContain("NUL character");
    expect(error.extras).toMatchObject({ line: "5", field: "endToEndId" }); // the /EREF/ runs to the end of the :86: line
    expect(await files()).toBe(before);
    expect((await paymentRow(id!)).status).toBe("PENDING");
  });

  it("the import is one transaction: a failure after every write leaves no file, no entry, no status change, no audit row", async () => {
    const { disbursementId, paymentIds } = await createBankPayments(db, org.org.id, bank, ["1.00", "2.00", "3.00"]);
    const snapshot = async () => ({
      payments: await db.select().from(payments).where(eq(payments.disbursementId, disbursementId)).orderBy(payments.id),
      files: await db
        .select({ n: sql<number>`count(*)::int` })
        .from(bankFiles)
        .where(eq(bankFiles.orgId, org.org.id)),
      entries: await db
        .select({ n: sql<number>`count(*)::int` })
        .from(bankFileEntries)
        .where(eq(bankFileEntries.orgId, org.org.id)),
      audit: await db
        .select({ n: sql<number>`count(*)::int` })
        .from(auditEvents)
        .where(eq(auditEvents.orgId, org.org.id)),
      totals: await readDisbursementTotals(db, org.org.id, [disbursementId]),
    });
    const before = await snapshot();
    const text = buildCamt(
      "053",
      paymentIds.map((id, i) => ({ reference: id, amount: `${i + 1}.00` })),
      { statementId: "CRASH" },
    );
    let sawWrites = false;
    await expect(
      importBankFile(ctx, file("crash.xml", text), {
        beforeCommit: async (tx) => {
          const [moved] = await tx.execute<{ n: number }>(sql`select count(*)::int as n from payments where disbursement_id = ${disbursementId} and status = 'SUCCESS'`);
          sawWrites = moved!.n === 3;
          throw new Error("simulated crash before commit");
        },
      }),
    ).rejects.toThrow("simulated crash");
    expect(sawWrites).toBe(true);
    expect(await snapshot()).toEqual(before);
    // The same file imports cleanly afterwards (nothing half-stored blocks it).
    const again = await importBankFile(ctx, file("crash.xml", text));
    expect(again.already_imported).toBe(false);
    expect(again.outcomes.MATCHED).toBe(3);
    expect(await checkPaymentTotals(db, org.org.id)).toEqual([]);
  });
});

describe("reading through tRPC", () => {
  it("lists files newest first with counters, and a file with its entries", async () => {
    const caller = callerFor(db, org.users.owner.id, org.org.id);
    const {
      paymentIds: [id],
    } = await createBankPayments(db, org.org.id, bank, ["4.00"]);
    // A non-ASCII narrative too: the file is kept byte for byte.
    const text = buildCamt(
      "053",
      [
        { reference: id!, amount: "4.00" },
        { reference: null, amount: "1.00" },
      ],
      { statementId: "TRPC" },
    ).replace("<Id>STMT-1</Id>", "<Id>STMT-1</Id><!-- Zahlung für Bénéficiaire € -->");
    const imported = await importBankFile(ctx, file("trpc.xml", text));
    // Kept byte for byte (streamed by COPY).
    const [stored] = await db.select({ content: bankFiles.content }).from(bankFiles).where(eq(bankFiles.id, imported.file.id));
    expect(Buffer.compare(stored!.content, Buffer.from(text))).toBe(0);
    const list = await caller.bankFiles.list({ page_limit: 1 });
    expect(list.data[0]).toMatchObject({
      id: imported.file.id,
      file_name: "trpc.xml",
      entry_count: 2,
      matched_count: 1,
      exception_count: 1,
      imported_by: { id: org.users.owner.id },
    });
    expect(list.pagination.next_cursor).not.toBeNull();
    const one = await caller.bankFiles.get({ id: imported.file.id });
    expect(one.entries.data.map((e) => [e.entry_index, e.outcome])).toEqual([
      [1, "MATCHED"],
      [2, "UNMATCHED"],
    ]);
    expect(one.entries.data[0]).toMatchObject({ amount: "4", currency: "EUR", payment_id: id, booking_date: "2026-12-03" });
    const exceptions = await caller.bankFiles.exceptions({});
    expect(exceptions.data[0]).toMatchObject({ bank_file: { id: imported.file.id }, entry_index: 2, outcome: "UNMATCHED" });
    await expectTRPCError(caller.bankFiles.get({ id: randomUUID() }), "NOT_FOUND");
  });
});
