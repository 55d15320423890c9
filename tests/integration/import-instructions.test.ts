import { Keypair, StrKey } from "@stellar/stellar-sdk";
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import { afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { createDb } from "@/db/client";
import { disbursementFiles, payments, receiverVerifications, receiverWallets, receivers } from "@/db/schema";
import { validateInstructionsCsv } from "@/server/domain/csv-instructions";
import type { RegistrationContactType, VerificationField } from "@/server/domain/disbursement-types";
import type { Role } from "@/server/domain/roles";
import { seedDemoCatalog } from "@/server/services/catalog/seed-demo-catalog";
import type { OrgContext } from "@/server/services/context";
import { checkPaymentTotals, readDisbursementTotals } from "@/server/payments/payment-totals";
import { startDisbursement } from "@/server/services/disbursements/change-disbursement-status";
import { createDisbursement } from "@/server/services/disbursements/create-disbursement";
import { demoBalanceProvider, setDistributionBalanceProvider } from "@/server/services/disbursements/distribution-balance";
import { getInstructionsFile } from "@/server/services/disbursements/get-instructions-file";
import { importInstructions } from "@/server/services/disbursements/import-instructions";
import { ServiceError, type ServiceErrorCode } from "@/server/services/errors";
import { verificationValueMatches } from "@/server/services/receivers/verification-hash";
import { createOrgWithMembers, nextUkMobile, orgSnapshot, randomSuffix, testDb, type TestOrg } from "./helpers";

const db = testDb();

type Fixture = TestOrg & { catalog: Awaited<ReturnType<typeof seedDemoCatalog>> };

async function orgWithCatalog(): Promise<Fixture> {
  const org = await createOrgWithMembers(db);
  return { ...org, catalog: await seedDemoCatalog(db, org.org.id) };
}

const ctxOf = (fx: Fixture, role: Role = "owner"): OrgContext => ({ db, actor: { userId: fx.users[role].id }, org: { id: fx.org.id }, role });

async function newDisbursement(fx: Fixture, type: RegistrationContactType = "PHONE_NUMBER", field: VerificationField | null = "DATE_OF_BIRTH") {
  return createDisbursement(ctxOf(fx), {
    name: `Aid ${randomSuffix()}`,
    wallet_id: fx.catalog.wallet.id,
    asset_id: fx.catalog.usdc.id,
    registration_contact_type: type,
    verification_field: field,
  });
}

const csv = (header: string, ...rows: string[]) => Buffer.from([header, ...rows].join("\n") + "\n");
const PHONE_HEADER = "phone,id,amount,verification,paymentID";
const upload = (fx: Fixture, disbursementId: string, content: Buffer, role: Role = "owner", fileName = "instructions.csv") =>
  importInstructions(ctxOf(fx, role), { disbursementId, fileName, content });

async function expectServiceError(promise: Promise<unknown>, code: ServiceErrorCode): Promise<ServiceError> {
  let error: unknown;
  try {
    await promise;
  } catch (e) {
    error = e;
  }
  expect(error, `expected ${code}, but the call succeeded`).toBeInstanceOf(ServiceError);
  expect((error as ServiceError).code, (error as Error).message).toBe(code);
  return error as ServiceError;
}

const paymentsOf = (disbursementId: string) => db.select().from(payments).where(eq(payments.disbursementId, disbursementId)).orderBy(asc(payments.lineNumber));

async function receiverByPhone(fx: Fixture, phone: string) {
  const [r] = await db
    .select()
    .from(receivers)
    .where(and(eq(receivers.orgId, fx.org.id), eq(receivers.phoneNumber, phone)));
  if (!r) throw new Error(`no receiver ${phone}`);
  return r;
}

async function walletOf(receiverId: string) {
  return db.select().from(receiverWallets).where(eq(receiverWallets.receiverId, receiverId));
}

let fx: Fixture;
let other: Fixture;

beforeAll(async () => {
  [fx, other] = await Promise.all([orgWithCatalog(), orgWithCatalog()]);
});

afterEach(() => setDistributionBalanceProvider(demoBalanceProvider));

describe("a successful upload", () => {
  it("moves DRAFT → READY with the uploader in status_history and writes receivers, verifications, receiver wallets and payments", async () => {
    const d = await newDisbursement(fx);
    const phones = [nextUkMobile(), nextUkMobile(), nextUkMobile()];
    const content = csv(
      PHONE_HEADER,
      `${phones[0]},ext-1,922337203685.4775807,1990-01-30,pay-1`,
      `${phones[1]},ext-2,0.0000001,1985-12-01,`,
      `${phones[2]},ext-3,12.5,2000-02-29,pay-3`,
    );

    const view = await upload(fx, d.id, content, "initiator", "march.csv");

    expect(view).toMatchObject({ id: d.id, status: "READY", file_name: "march.csv", total_payments: 3, total_amount: "922337203697.9775808" });
    expect(view.status_history).toEqual([
      { user_id: fx.users.owner.id, status: "DRAFT", timestamp: expect.any(String) },
      { user_id: fx.users.initiator.id, status: "READY", timestamp: expect.any(String) },
    ]);

    const rows = await paymentsOf(d.id);
    expect(rows.map((p) => [p.lineNumber, p.amount, p.status, p.externalPaymentId, p.assetId])).toEqual([
      [2, "922337203685.4775807", "DRAFT", "pay-1", fx.catalog.usdc.id],
      [3, "0.0000001", "DRAFT", null, fx.catalog.usdc.id],
      [4, "12.5000000", "DRAFT", "pay-3", fx.catalog.usdc.id],
    ]);
    for (const p of rows) expect(p.statusHistory).toEqual([{ status: "DRAFT", status_message: null, timestamp: expect.any(String) }]);
    // New ids are version 7 UUIDs, increasing in line order (so indexes grow at their right edge).
    for (const ids of [rows.map((p) => p.id), rows.map((p) => p.receiverId), rows.map((p) => p.receiverWalletId)]) {
      for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect([...ids].sort()).toEqual(ids);
    }

    const dobs = ["1990-01-30", "1985-12-01", "2000-02-29"];
    for (const [i, phone] of phones.entries()) {
      const receiver = await receiverByPhone(fx, phone);
      expect(receiver.externalId).toBe(`ext-${i + 1}`);
      const payment = rows[i];
      expect(payment?.receiverId).toBe(receiver.id);
      const [verification, ...moreVerifications] = await db.select().from(receiverVerifications).where(eq(receiverVerifications.receiverId, receiver.id));
      expect(moreVerifications).toEqual([]);
      expect(verification).toMatchObject({ orgId: fx.org.id, verificationField: "DATE_OF_BIRTH", confirmedAt: null, attempts: 0 });
      expect(verification?.hashedValue).not.toContain(dobs[i]);
      expect(verificationValueMatches("DATE_OF_BIRTH", dobs[i] ?? "", verification?.hashedValue ?? "")).toBe(true);
      const [wallet, ...moreWallets] = await walletOf(receiver.id);
      expect(moreWallets).toEqual([]);
      expect(wallet).toMatchObject({ id: payment?.receiverWalletId, orgId: fx.org.id, walletId: fx.catalog.wallet.id, status: "DRAFT", stellarAddress: null });
      expect(wallet?.statusHistory).toEqual([{ user_id: fx.users.initiator.id, status: "DRAFT", timestamp: expect.any(String) }]);
    }

    const [file] = await db.select().from(disbursementFiles).where(eq(disbursementFiles.disbursementId, d.id));
    expect(file).toMatchObject({ orgId: fx.org.id, fileName: "march.csv", rowCount: 3, sizeBytes: content.length, uploadedBy: fx.users.initiator.id });
    expect(Buffer.compare(Buffer.from(file?.content ?? []), content)).toBe(0);
    const download = await getInstructionsFile(ctxOf(fx, "approver"), d.id, "original");
    expect(download.fileName).toBe("march.csv");
    expect(download.contentType).toBe("text/csv");
    expect(Buffer.compare(download.content, content)).toBe(0);

    const audit = await db.execute(sql`select action, actor_user_id from audit_events where org_id = ${fx.org.id} and target_id = ${d.id}`);
    expect([...audit]).toContainEqual({ action: "disbursement.instructions_uploaded", actor_user_id: fx.users.initiator.id });
  });

  it("PHONE_NUMBER_AND_WALLET_ADDRESS: receiver wallets are REGISTERED at once with the address and memo; no verification", async () => {
    const d = await newDisbursement(fx, "PHONE_NUMBER_AND_WALLET_ADDRESS", null);
    const [g1, g2] = [Keypair.random().publicKey(), Keypair.random().publicKey()];
    const phones = [nextUkMobile(), nextUkMobile()];
    const view = await upload(fx, d.id, csv("phone,id,amount,walletAddress,walletAddressMemo", `${phones[0]},w-1,5,${g1},42`, `${phones[1]},w-2,6,${g2.toLowerCase()},`));
    expect(view).toMatchObject({ status: "READY", total_payments: 2, total_amount: "11.0000000" });

    const expected = [
      { address: g1, memo: "42" },
      { address: g2, memo: null },
    ];
    for (const [i, phone] of phones.entries()) {
      const receiver = await receiverByPhone(fx, phone);
      const [wallet, ...more] = await walletOf(receiver.id);
      expect(more).toEqual([]);
      expect(wallet).toMatchObject({ status: "REGISTERED", stellarAddress: expected[i]?.address, stellarMemo: expected[i]?.memo, walletId: fx.catalog.wallet.id });
      expect(wallet?.statusHistory).toEqual([{ user_id: fx.users.owner.id, status: "REGISTERED", timestamp: expect.any(String) }]);
      expect(await db.select().from(receiverVerifications).where(eq(receiverVerifications.receiverId, receiver.id))).toEqual([]);
    }
  });

  it("EMAIL_AND_WALLET_ADDRESS: receivers matched by lower-cased e-mail; a contract address is registered", async () => {
    const d = await newDisbursement(fx, "EMAIL_AND_WALLET_ADDRESS", null);
    const email = `Ana.${randomSuffix()}@Example.ORG`;
    const contract = StrKey.encodeContract(Buffer.from(randomSuffix().repeat(4).slice(0, 32)));
    await upload(fx, d.id, csv("email,id,amount,walletAddress", `${email},e-1,3.25,${contract}`));
    const [receiver] = await db
      .select()
      .from(receivers)
      .where(and(eq(receivers.orgId, fx.org.id), eq(receivers.email, email.toLowerCase())));
    expect(receiver).toMatchObject({ externalId: "e-1", phoneNumber: null });
    expect(await walletOf(receiver?.id ?? "")).toMatchObject([{ status: "REGISTERED", stellarAddress: contract, stellarMemo: null }]);
  });

  it("EMAIL with a PIN: verification values stored as keyed hashes", async () => {
    const d = await newDisbursement(fx, "EMAIL", "PIN");
    const email = `pin.${randomSuffix()}@example.com`;
    await upload(fx, d.id, csv("email,id,amount,verification", `${email},p-1,1,4321`));
    const [receiver] = await db
      .select()
      .from(receivers)
      .where(and(eq(receivers.orgId, fx.org.id), eq(receivers.email, email)));
    const [verification] = await db
      .select()
      .from(receiverVerifications)
      .where(eq(receiverVerifications.receiverId, receiver?.id ?? ""));
    expect(verification?.verificationField).toBe("PIN");
    expect(verificationValueMatches("PIN", "4321", verification?.hashedValue ?? "")).toBe(true);
    expect(await walletOf(receiver?.id ?? "")).toMatchObject([{ status: "DRAFT" }]);
  });
});

describe("all or nothing", () => {
  const goodRows = (n: number) => Array.from({ length: n }, (_, i) => `${nextUkMobile()},ok-${i},${i + 1},1990-01-01,`);

  it.each([
    ["first", 0],
    ["middle", 2],
    ["last", 4],
  ])("a bad row (%s) leaves the database unchanged, for a DRAFT and for a READY disbursement", async (_, at) => {
    const draft = await newDisbursement(fx);
    const ready = await newDisbursement(fx);
    await upload(fx, ready.id, csv(PHONE_HEADER, ...goodRows(3)));

    const rows = goodRows(5);
    rows[at] = `${nextUkMobile()},bad,12.12345678,1990-01-01,`;
    const before = await orgSnapshot(db, fx.org.id);
    for (const d of [draft, ready]) {
      const error = await expectServiceError(upload(fx, d.id, csv(PHONE_HEADER, ...rows)), "BAD_REQUEST");
      expect(error.message).toBe("could not parse csv file");
      expect(error.extras).toEqual({ [`line ${at + 2} - amount`]: "invalid amount. Use at most 7 decimal places" });
    }
    expect(await orgSnapshot(db, fx.org.id)).toEqual(before);
  });

  it("many errors: the first 100 and the total; file-level errors; nothing written", async () => {
    const d = await newDisbursement(fx);
    const before = await orgSnapshot(db, fx.org.id);
    const bad = Array.from({ length: 130 }, (_, i) => `${nextUkMobile()},r-${i},0,1990-01-01,`);
    const error = await expectServiceError(upload(fx, d.id, csv(PHONE_HEADER, ...bad)), "BAD_REQUEST");
    expect(Object.keys(error.extras ?? {})).toHaveLength(101);
    expect(error.extras?.["line 2 - amount"]).toBe("invalid amount. Amount must be greater than 0");
    expect(error.extras?.total_errors).toBe("130");

    const headerOnly = await expectServiceError(upload(fx, d.id, csv(PHONE_HEADER)), "BAD_REQUEST");
    expect(headerOnly.extras).toEqual({ file: "the file has no rows: add at least one payment below the header line" });
    const missing = await expectServiceError(upload(fx, d.id, csv("phone,id,amount", `${nextUkMobile()},a,1`)), "BAD_REQUEST");
    expect(missing.extras).toEqual({ "line 1 - verification": "missing required column verification for PHONE_NUMBER disbursements" });
    const binary = await expectServiceError(upload(fx, d.id, Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0])), "BAD_REQUEST");
    expect(binary.extras?.file).toMatch(/Excel/);
    const phone = nextUkMobile();
    const duplicate = await expectServiceError(
      upload(fx, d.id, csv(PHONE_HEADER, `${phone},a,1,1990-01-01,`, `${nextUkMobile()},b,1,1990-01-01,`, `${phone},c,1,1990-01-01,`)),
      "BAD_REQUEST",
    );
    expect(duplicate.extras).toEqual({ "line 4 - phone": "duplicate phone; also on line 2" });

    expect(await orgSnapshot(db, fx.org.id)).toEqual(before);
  });
});

describe("a database failure half-way", () => {
  it("rolls back every write of the upload (receivers, verifications, wallets, payments, file, status)", async () => {
    // A trigger that fails the insert of one payment: the last of 12,000 rows, so the receivers,
    // verifications, receiver wallets and the first payment chunks are already written.
    const tag = `explode_${randomSuffix()}`;
    await db.execute(
      sql.raw(`create function ${tag}() returns trigger language plpgsql as $$
        begin
          if new.external_payment_id = '${tag}' then raise exception 'refused by the test trigger'; end if;
          return new;
        end $$`),
    );
    await db.execute(sql.raw(`create trigger ${tag} before insert on payments for each row execute function ${tag}()`));
    try {
      const d = await newDisbursement(fx);
      await upload(fx, d.id, csv(PHONE_HEADER, `${nextUkMobile()},before,1,1990-01-01,`));
      const rows = Array.from({ length: 12_000 }, (_, i) => `${nextUkMobile()},big-${i},${i + 1},1990-01-01,${i === 11_999 ? tag : ""}`);
      const before = await orgSnapshot(db, fx.org.id);
      let error: unknown;
      try {
        await upload(fx, d.id, csv(PHONE_HEADER, ...rows));
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(Error);
      expect(error).not.toBeInstanceOf(ServiceError);
      // Concise: the database's message, not drizzle's dump of megabytes of parameters.
      expect((error as Error).message).toBe("instructions import failed: refused by the test trigger (SQLSTATE P0001)");
      expect(await orgSnapshot(db, fx.org.id)).toEqual(before);
    } finally {
      await db.execute(sql.raw(`drop trigger ${tag} on payments`));
      await db.execute(sql.raw(`drop function ${tag}()`));
    }
  });
});

describe("re-upload", () => {
  it("replaces the payments, reuses receivers (external id updated) and their wallets: READY → READY", async () => {
    const d = await newDisbursement(fx);
    const [p1, p2, p3, p4] = [nextUkMobile(), nextUkMobile(), nextUkMobile(), nextUkMobile()];
    await upload(fx, d.id, csv(PHONE_HEADER, `${p1},a-1,1,1990-01-01,`, `${p2},a-2,2,1990-01-01,`, `${p3},a-3,3,1990-01-01,`), "initiator", "first.csv");
    const first = await paymentsOf(d.id);
    const r1 = await receiverByPhone(fx, p1);
    const [w1] = await walletOf(r1.id);

    const second = csv(PHONE_HEADER, `${p1},b-1,10,1990-01-01,x`, `${p4},b-4,4,1990-01-01,`);
    const view = await upload(fx, d.id, second, "financial_controller", "second.csv");

    expect(view).toMatchObject({ status: "READY", total_payments: 2, total_amount: "14.0000000", file_name: "second.csv" });
    expect(view.status_history.map((h) => [h.status, h.user_id])).toEqual([
      ["DRAFT", fx.users.owner.id],
      ["READY", fx.users.initiator.id],
      ["READY", fx.users.financial_controller.id],
    ]);
    const now = await paymentsOf(d.id);
    expect(now.map((p) => [p.lineNumber, p.amount, p.externalPaymentId])).toEqual([
      [2, "10.0000000", "x"],
      [3, "4.0000000", null],
    ]);
    expect(
      await db
        .select()
        .from(payments)
        .where(
          inArray(
            payments.id,
            first.map((p) => p.id),
          ),
        ),
    ).toEqual([]);
    expect(await receiverByPhone(fx, p1)).toMatchObject({ id: r1.id, externalId: "b-1" });
    expect(await walletOf(r1.id)).toMatchObject([{ id: w1?.id }]);
    expect(now[0]).toMatchObject({ receiverId: r1.id, receiverWalletId: w1?.id });
    // Receivers of the replaced rows stay (they may be paid by other disbursements).
    expect((await receiverByPhone(fx, p2)).externalId).toBe("a-2");
    expect(Buffer.compare((await getInstructionsFile(ctxOf(fx), d.id, "original")).content, second)).toBe(0);
  });

  it("an unconfirmed verification value is replaced; a REGISTERED receiver wallet stays registered", async () => {
    const phone = nextUkMobile();
    const withWallet = await newDisbursement(fx, "PHONE_NUMBER_AND_WALLET_ADDRESS", null);
    const address = Keypair.random().publicKey();
    await upload(fx, withWallet.id, csv("phone,id,amount,walletAddress", `${phone},v-1,1,${address}`));
    const d1 = await newDisbursement(fx);
    await upload(fx, d1.id, csv(PHONE_HEADER, `${phone},v-1,1,1990-01-01,`));
    const d2 = await newDisbursement(fx);
    await upload(fx, d2.id, csv(PHONE_HEADER, `${phone},v-1,1,1991-02-02,`));
    const receiver = await receiverByPhone(fx, phone);
    const [verification] = await db.select().from(receiverVerifications).where(eq(receiverVerifications.receiverId, receiver.id));
    expect(verificationValueMatches("DATE_OF_BIRTH", "1991-02-02", verification?.hashedValue ?? "")).toBe(true);
    expect(await walletOf(receiver.id)).toMatchObject([{ status: "REGISTERED", stellarAddress: address }]);
  });
});

describe("verification values", () => {
  it("a confirmed value that differs is an error naming the line, and nothing changes", async () => {
    const phone = nextUkMobile();
    const d1 = await newDisbursement(fx);
    await upload(fx, d1.id, csv(PHONE_HEADER, `${phone},c-1,1,1990-01-01,`));
    const receiver = await receiverByPhone(fx, phone);
    await db.update(receiverVerifications).set({ confirmedAt: new Date() }).where(eq(receiverVerifications.receiverId, receiver.id));

    const d2 = await newDisbursement(fx);
    const before = await orgSnapshot(db, fx.org.id);
    const error = await expectServiceError(upload(fx, d2.id, csv(PHONE_HEADER, `${nextUkMobile()},c-2,1,1990-01-01,`, `${phone},c-1,1,1990-01-02,`)), "BAD_REQUEST");
    expect(error.extras).toEqual({ "line 3 - verification": "the verification value does not match the one confirmed for this receiver" });
    expect(await orgSnapshot(db, fx.org.id)).toEqual(before);

    // The confirmed value itself is fine (normalized the same way).
    await upload(fx, d2.id, csv(PHONE_HEADER, `${phone},c-1,1, 1990-01-01 ,`));
    const [verification] = await db.select().from(receiverVerifications).where(eq(receiverVerifications.receiverId, receiver.id));
    expect(verification?.confirmedAt).not.toBeNull();
  });
});

describe("wallet addresses", () => {
  it("an address that belongs to another receiver is a CONFLICT naming the line, and nothing changes", async () => {
    const address = Keypair.random().publicKey();
    const [pa, pb] = [nextUkMobile(), nextUkMobile()];
    const first = await newDisbursement(fx, "PHONE_NUMBER_AND_WALLET_ADDRESS", null);
    await upload(fx, first.id, csv("phone,id,amount,walletAddress", `${pa},a,1,${address}`));

    const second = await newDisbursement(fx, "PHONE_NUMBER_AND_WALLET_ADDRESS", null);
    const before = await orgSnapshot(db, fx.org.id);
    const error = await expectServiceError(
      upload(fx, second.id, csv("phone,id,amount,walletAddress", `${pb},b,1,${Keypair.random().publicKey()}`, `${nextUkMobile()},c,1,${address.toLowerCase()}`)),
      "CONFLICT",
    );
    expect(error.message).toBe("wallet address conflict");
    expect(error.extras).toEqual({ "line 3 - walletAddress": `wallet address ${address} belongs to another receiver` });
    expect(await orgSnapshot(db, fx.org.id)).toEqual(before);

    // The receiver who holds it may use it again.
    await upload(fx, second.id, csv("phone,id,amount,walletAddress", `${pa},a,2,${address}`));
    const receiver = await receiverByPhone(fx, pa);
    expect(await walletOf(receiver.id)).toMatchObject([{ status: "REGISTERED", stellarAddress: address }]);
  });

  it("a new address replaces a receiver's registered one, unless a payment to it is in flight", async () => {
    const phone = nextUkMobile();
    const [g1, g2, g3] = [Keypair.random().publicKey(), Keypair.random().publicKey(), Keypair.random().publicKey()];
    const first = await newDisbursement(fx, "PHONE_NUMBER_AND_WALLET_ADDRESS", null);
    await upload(fx, first.id, csv("phone,id,amount,walletAddress", `${phone},m,1,${g1}`));
    const second = await newDisbursement(fx, "PHONE_NUMBER_AND_WALLET_ADDRESS", null);
    await upload(fx, second.id, csv("phone,id,amount,walletAddress,walletAddressMemo", `${phone},m,1,${g2},7`));
    const receiver = await receiverByPhone(fx, phone);
    const [wallet] = await walletOf(receiver.id);
    expect(wallet).toMatchObject({ status: "REGISTERED", stellarAddress: g2, stellarMemo: "7" });
    expect(wallet?.statusHistory.map((h) => h.status)).toEqual(["REGISTERED", "REGISTERED"]);

    await db.update(payments).set({ status: "PENDING" }).where(eq(payments.disbursementId, first.id));
    const third = await newDisbursement(fx, "PHONE_NUMBER_AND_WALLET_ADDRESS", null);
    const before = await orgSnapshot(db, fx.org.id);
    const error = await expectServiceError(upload(fx, third.id, csv("phone,id,amount,walletAddress", `${phone},m,1,${g3}`)), "CONFLICT");
    expect(error.extras?.["line 2 - walletAddress"]).toMatch(/payments in flight/);
    expect(await orgSnapshot(db, fx.org.id)).toEqual(before);
  });
});

describe("access and status", () => {
  it("another organization's disbursement is NOT_FOUND (upload and download), and neither organization changes", async () => {
    const theirs = await newDisbursement(other);
    await upload(other, theirs.id, csv(PHONE_HEADER, `${nextUkMobile()},o-1,1,1990-01-01,`));
    const [mine, them] = [await orgSnapshot(db, fx.org.id), await orgSnapshot(db, other.org.id)];
    await expectServiceError(upload(fx, theirs.id, csv(PHONE_HEADER, `${nextUkMobile()},o-2,1,1990-01-01,`)), "NOT_FOUND");
    await expectServiceError(getInstructionsFile(ctxOf(fx), theirs.id), "NOT_FOUND");
    await expectServiceError(upload(fx, "not-a-uuid", csv(PHONE_HEADER, `${nextUkMobile()},o-2,1,1990-01-01,`)), "NOT_FOUND");
    expect(await orgSnapshot(db, fx.org.id)).toEqual(mine);
    expect(await orgSnapshot(db, other.org.id)).toEqual(them);
  });

  it.each(["developer", "business", "approver"] as const)("%s (no disbursements:write) is FORBIDDEN", async (role) => {
    const d = await newDisbursement(fx);
    const before = await orgSnapshot(db, fx.org.id);
    await expectServiceError(upload(fx, d.id, csv(PHONE_HEADER, `${nextUkMobile()},f,1,1990-01-01,`), role), "FORBIDDEN");
    expect(await orgSnapshot(db, fx.org.id)).toEqual(before);
  });

  it("downloading needs exports:read (the file holds verification values) and an uploaded file", async () => {
    const d = await newDisbursement(fx);
    await expectServiceError(getInstructionsFile(ctxOf(fx), d.id), "NOT_FOUND");
    await upload(fx, d.id, csv(PHONE_HEADER, `${nextUkMobile()},g,1,1990-01-01,`));
    await expectServiceError(getInstructionsFile(ctxOf(fx, "developer"), d.id), "FORBIDDEN");
    await expectServiceError(getInstructionsFile(ctxOf(fx, "business"), d.id), "FORBIDDEN");
    expect((await getInstructionsFile(ctxOf(fx, "approver"), d.id)).fileName).toBe("instructions.csv");
  });

  it("a STARTED disbursement is BAD_REQUEST naming its status, and nothing changes", async () => {
    const d = await newDisbursement(fx);
    await upload(fx, d.id, csv(PHONE_HEADER, `${nextUkMobile()},s,1,1990-01-01,`));
    await startDisbursement(ctxOf(fx, "approver"), d.id);
    const before = await orgSnapshot(db, fx.org.id);
    const error = await expectServiceError(upload(fx, d.id, csv(PHONE_HEADER, `${nextUkMobile()},s,2,1990-01-01,`)), "BAD_REQUEST");
    expect(error.message).toContain("STARTED");
    expect(await orgSnapshot(db, fx.org.id)).toEqual(before);
  });
});

describe("the bulk load (COPY into a staging table, then one INSERT per table)", () => {
  it("stores values holding COPY's special characters (backslash, tab, newline, \\N) exactly as the file validated them", async () => {
    const d = await newDisbursement(fx);
    const phones = [nextUkMobile(), nextUkMobile(), nextUkMobile()];
    const content = csv(
      PHONE_HEADER,
      `${phones[0]},back\\slash\\N,1,1990-01-01,\\N`,
      `${phones[1]},"tab\there and\nnewline",2,1990-01-01,"carriage\rreturn"`,
      `${phones[2]},\\t\\n literally,3,1990-01-01,\\\\`,
    );
    const validated = validateInstructionsCsv(content, { contactType: "PHONE_NUMBER", verificationField: "DATE_OF_BIRTH" });
    if (!validated.ok) throw new Error(JSON.stringify(validated.errors));
    await upload(fx, d.id, content);
    const rows = await paymentsOf(d.id);
    expect(rows.map((p) => p.externalPaymentId)).toEqual(validated.rows.map((r) => r.paymentId));
    expect(rows.map((p) => p.externalPaymentId)).toContain("\\N"); // the text, not a null
    for (const [i, row] of validated.rows.entries()) {
      expect((await receiverByPhone(fx, phones[i] ?? "")).externalId).toBe(row.externalId);
    }
    expect(validated.rows[1]?.externalId).toContain("\t");
  });

  it("stores an original file larger than one COPY piece (64 KiB) byte for byte, non-ASCII text included", async () => {
    const d = await newDisbursement(fx);
    const lines = Array.from({ length: 1_200 }, (_, i) => `${nextUkMobile()},zoë-ñ-${i}-${"x".repeat(20)},${i + 1},1990-01-01,€-${i}`);
    const content = csv(PHONE_HEADER, ...lines);
    expect(content.byteLength).toBeGreaterThan(64 * 1024);
    await upload(fx, d.id, content);
    const [file] = await db.select().from(disbursementFiles).where(eq(disbursementFiles.disbursementId, d.id));
    expect(file?.sizeBytes).toBe(content.byteLength);
    expect(Buffer.compare(Buffer.from(file?.content ?? []), content)).toBe(0);
  });

  it("keeps the payment totals equal to a recomputation from the rows after imports and re-uploads", async () => {
    const d = await newDisbursement(fx);
    const phones = Array.from({ length: 30 }, () => nextUkMobile());
    await upload(fx, d.id, csv(PHONE_HEADER, ...phones.map((p, i) => `${p},t-${i},${i + 1}.5,1990-01-01,`)));
    expect(await checkPaymentTotals(db, fx.org.id)).toEqual([]);
    expect((await readDisbursementTotals(db, fx.org.id, [d.id])).get(d.id)?.DRAFT).toEqual({ count: 30, amount: "480.0000000" });
    // Re-upload with fewer rows, some receivers new: the old payments leave the totals, the new ones enter.
    await upload(fx, d.id, csv(PHONE_HEADER, `${phones[0]},t-0,7,1990-01-01,`, `${nextUkMobile()},t-new,3,1990-01-01,`));
    expect(await checkPaymentTotals(db, fx.org.id)).toEqual([]);
    expect((await readDisbursementTotals(db, fx.org.id, [d.id])).get(d.id)?.DRAFT).toEqual({ count: 2, amount: "10.0000000" });
  });

  it("a failed import leaves no staging table behind: the same connection imports again at once", async () => {
    const tag = `refuse_${randomSuffix()}`;
    await db.execute(
      sql.raw(`create function ${tag}() returns trigger language plpgsql as $$
        begin
          if new.external_payment_id = '${tag}' then raise exception 'refused by the test trigger'; end if;
          return new;
        end $$`),
    );
    await db.execute(sql.raw(`create trigger ${tag} before insert on payments for each row execute function ${tag}()`));
    const one = createDb(inject("databaseUrl"), { max: 1 });
    try {
      const ctx: OrgContext = { ...ctxOf(fx), db: one.db };
      const d = await newDisbursement(fx);
      const phone = nextUkMobile();
      const before = await orgSnapshot(db, fx.org.id);
      // The payments insert fails after the staging table, receivers, verifications and wallets were written.
      const failing = importInstructions(ctx, { disbursementId: d.id, fileName: "x.csv", content: csv(PHONE_HEADER, `${phone},x,1,1990-01-01,${tag}`) });
      await expect(failing).rejects.toThrow("instructions import failed: refused by the test trigger (SQLSTATE P0001)");
      expect(await orgSnapshot(db, fx.org.id)).toEqual(before);
      const view = await importInstructions(ctx, { disbursementId: d.id, fileName: "x.csv", content: csv(PHONE_HEADER, `${phone},x,2,1990-01-01,`) });
      expect(view).toMatchObject({ status: "READY", total_payments: 1, total_amount: "2.0000000" });
      const [left] = await one.sql<{ n: number }[]>`select count(*)::int as n from pg_class where relname = 'intake_rows' and relpersistence = 't'`;
      expect(left?.n).toBe(0);
    } finally {
      await one.sql.end({ timeout: 5 });
      await db.execute(sql.raw(`drop trigger ${tag} on payments`));
      await db.execute(sql.raw(`drop function ${tag}()`));
    }
  });
});

describe("composite keys (migration 0008)", () => {
  it("refuse a payment whose organization or asset is not its disbursement's, and a wallet or verification of another organization's receiver", async () => {
    const d = await newDisbursement(fx);
    await upload(fx, d.id, csv(PHONE_HEADER, `${nextUkMobile()},k-1,1,1990-01-01,`));
    const [p] = await paymentsOf(d.id);
    if (!p) throw new Error("no payment");
    const copy = (over: Record<string, string>) =>
      db.execute(sql`
        insert into payments (org_id, disbursement_id, receiver_id, receiver_wallet_id, asset_id, amount)
        values (${over.org ?? p.orgId}, ${p.disbursementId}, ${p.receiverId}, ${p.receiverWalletId}, ${over.asset ?? p.assetId}, 1)`);
    await expect(copy({ org: other.org.id })).rejects.toMatchObject({ cause: { code: "23503", constraint_name: "payments_disbursement_org_asset_fk" } });
    await expect(copy({ asset: fx.catalog.xlm.id })).rejects.toMatchObject({ cause: { code: "23503" } });
    await expect(db.execute(sql`update payments set org_id = ${other.org.id} where id = ${p.id}`)).rejects.toMatchObject({ cause: { code: "23503" } });
    await expect(
      db.execute(sql`insert into receiver_wallets (org_id, receiver_id, wallet_id) values (${other.org.id}, ${p.receiverId}, ${other.catalog.wallet.id})`),
    ).rejects.toMatchObject({ cause: { code: "23503", constraint_name: "receiver_wallets_receiver_org_fk" } });
    await expect(
      db.execute(sql`insert into receiver_verifications (receiver_id, org_id, verification_field, hashed_value) values (${p.receiverId}, ${other.org.id}, 'PIN', 'x')`),
    ).rejects.toMatchObject({ cause: { code: "23503", constraint_name: "receiver_verifications_receiver_org_fk" } });
    // A payment's receiver is its receiver wallet's.
    const stranger = await receiverByPhone(
      fx,
      await (async () => {
        const phone = nextUkMobile();
        await upload(fx, (await newDisbursement(fx)).id, csv(PHONE_HEADER, `${phone},k-2,1,1990-01-01,`));
        return phone;
      })(),
    );
    await expect(db.execute(sql`update payments set receiver_id = ${stranger.id} where id = ${p.id}`)).rejects.toMatchObject({
      cause: { code: "23503", constraint_name: "payments_receiver_wallet_receiver_fk" },
    });
    // A receiver with payments still cannot be deleted (its wallet's delete is restricted by the payment).
    await expect(db.execute(sql`delete from receivers where id = ${p.receiverId}`)).rejects.toMatchObject({ cause: { code: "23503" } });
    // Deletes keep their meaning: a disbursement takes its payments with it.
    await db.execute(sql`delete from disbursements where id = ${d.id}`);
    expect(await paymentsOf(d.id)).toEqual([]);
  });
});
