import { generateKeyPairSync } from "node:crypto";
import { Keypair } from "@stellar/stellar-sdk";
import { and, asc, count, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { assets, disbursements, g2pSenders, payments, receivers, receiverWallets, type G2pSender } from "@/db/schema";
import type { DisburseMessage } from "@/server/domain/g2p/messages";
import type { Role } from "@/server/domain/roles";
import { seedDemoCatalog } from "@/server/services/catalog/seed-demo-catalog";
import type { OrgContext } from "@/server/services/context";
import { createDisbursement } from "@/server/services/disbursements/create-disbursement";
import { importInstructions } from "@/server/services/disbursements/import-instructions";
import { ServiceError, type ServiceErrorCode } from "@/server/services/errors";
import { acceptDisburseRequest } from "@/server/services/g2p/accept-disburse-request";
import { G2pRejection, type G2pCall } from "@/server/services/g2p/g2p-call";
import { loadPaymentViews } from "@/server/services/payments/payment-view";
import { getDisbursement } from "@/server/services/disbursements/get-disbursement";
import { getReceiver } from "@/server/services/receivers/get-receiver";
import { unregisterReceiverWallet } from "@/server/services/receivers/unregister-receiver-wallet";
import { createOrgWithMembers, nextUkMobile, randomSuffix, testDb, type TestOrg } from "./helpers";

/**
 * Bank-account payees (docs/rails.md "Destinations"): the BANK_ACCOUNT contact type of CSV
 * instructions and G2P `account:`/`iban:` payees become receiver_wallets rows without a wallet
 * provider holding the account; receivers get the `region` attribute from the file or `meta`.
 */

const db = testDb();

type Fixture = TestOrg & { catalog: Awaited<ReturnType<typeof seedDemoCatalog>>; kes: { id: string } };
let fx: Fixture;
let sender: G2pSender;

const ctxOf = (role: Role = "owner"): OrgContext => ({ db, actor: { userId: fx.users[role].id }, org: { id: fx.org.id }, role });
const csv = (header: string, ...rows: string[]) => Buffer.from([header, ...rows].join("\n") + "\n");
const upload = (disbursementId: string, content: Buffer) => importInstructions(ctxOf(), { disbursementId, fileName: "bank.csv", content });

async function expectServiceError(promise: Promise<unknown>, code: ServiceErrorCode): Promise<ServiceError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error, `expected ${code}, but the call succeeded`).toBeInstanceOf(ServiceError);
  expect((error as ServiceError).code, (error as Error).message).toBe(code);
  return error as ServiceError;
}

const bankDisbursement = () =>
  createDisbursement(ctxOf(), { name: `Bank ${randomSuffix()}`, asset_id: fx.kes.id, registration_contact_type: "BANK_ACCOUNT", verification_field: null });

async function counts() {
  const n = async (table: typeof payments | typeof receivers | typeof receiverWallets | typeof disbursements) =>
    (await db.select({ n: count() }).from(table).where(eq(table.orgId, fx.org.id)))[0]!.n;
  return { receivers: await n(receivers), wallets: await n(receiverWallets), payments: await n(payments), disbursements: await n(disbursements) };
}

async function receiverByExternalId(externalId: string) {
  const rows = await db
    .select()
    .from(receivers)
    .where(and(eq(receivers.orgId, fx.org.id), eq(receivers.externalId, externalId)));
  expect(rows).toHaveLength(1);
  return rows[0]!;
}

const paymentRows = (disbursementId: string) =>
  db
    .select({ payment: payments, wallet: receiverWallets })
    .from(payments)
    .innerJoin(receiverWallets, eq(receiverWallets.id, payments.receiverWalletId))
    .where(eq(payments.disbursementId, disbursementId))
    .orderBy(asc(payments.lineNumber));

beforeAll(async () => {
  const org = await createOrgWithMembers(db);
  const catalog = await seedDemoCatalog(db, org.org.id);
  // A fiat currency (the lead's catalog UI adds these; here the row is inserted directly).
  const [kes] = await db.insert(assets).values({ orgId: org.org.id, kind: "FIAT", code: "KES", decimals: 2, issuer: "" }).returning({ id: assets.id });
  fx = { ...org, catalog, kes: kes! };
  const { publicKey } = generateKeyPairSync("ed25519");
  const [row] = await db
    .insert(g2pSenders)
    .values({
      orgId: org.org.id,
      senderId: `registry-${randomSuffix()}`,
      name: "Social registry",
      callbackUrl: "http://127.0.0.1:9/callbacks",
      publicKey: publicKey.export({ format: "pem", type: "spki" }).toString(),
      walletId: catalog.wallet.id,
      defaultAssetId: catalog.usdc.id,
    })
    .returning();
  sender = row!;
});

describe("BANK_ACCOUNT disbursements", () => {
  it("have no wallet and pay a fiat currency", async () => {
    const d = await bankDisbursement();
    const [row] = await db.select().from(disbursements).where(eq(disbursements.id, d.id));
    expect(row).toMatchObject({ walletId: null, assetId: fx.kes.id, registrationContactType: "BANK_ACCOUNT", verificationField: null });

    const stellarAsset = await expectServiceError(
      createDisbursement(ctxOf(), { name: `Bank ${randomSuffix()}`, asset_id: fx.catalog.usdc.id, registration_contact_type: "BANK_ACCOUNT" }),
      "BAD_REQUEST",
    );
    expect(stellarAsset.extras).toEqual({ asset_id: "USDC is a Stellar asset; choose a fiat currency" });
  });

  it("refuses a wallet, and a wallet type without one", async () => {
    await expect(
      createDisbursement(ctxOf(), { name: `Bank ${randomSuffix()}`, wallet_id: fx.catalog.wallet.id, asset_id: fx.kes.id, registration_contact_type: "BANK_ACCOUNT" }),
    ).rejects.toThrow(/is not used with BANK_ACCOUNT/);
    await expect(
      createDisbursement(ctxOf(), { name: `W ${randomSuffix()}`, asset_id: fx.catalog.usdc.id, registration_contact_type: "PHONE_NUMBER_AND_WALLET_ADDRESS" }),
    ).rejects.toThrow(/Choose a wallet/);
  });
});

describe("CSV instructions with bank accounts", () => {
  it("creates receivers by id and one registered bank row per account, payments pointing at them, with the region", async () => {
    const d = await bankDisbursement();
    const s = randomSuffix();
    await upload(
      d.id,
      csv(
        "id,amount,bankAccount,bankCode,name,paymentID,region",
        `b1-${s},1500.50,de89 3704 0044 0532 0130 00,,Ana Díaz,P-1,North`,
        `b2-${s},20,0123-456789,kcb01,  Baraka   Otieno ,,`,
        `b3-${s},7.05,GB82 WEST 1234 5698 7654 32,WEST01,Chloe Smith,,South`,
      ),
    );
    const rows = await paymentRows(d.id);
    expect(
      rows.map((r) => [
        r.payment.amount,
        r.payment.externalPaymentId,
        r.payment.assetId,
        r.wallet.walletId,
        r.wallet.status,
        r.wallet.destinationKind,
        r.wallet.destinationValue,
        r.wallet.destinationDetails,
        r.wallet.stellarAddress,
      ]),
    ).toEqual([
      ["1500.5000000", "P-1", fx.kes.id, null, "REGISTERED", "IBAN", "DE89370400440532013000", { holderName: "Ana Díaz" }, null],
      ["20.0000000", null, fx.kes.id, null, "REGISTERED", "BANK_ACCOUNT", "0123456789", { bankCode: "KCB01", holderName: "Baraka Otieno" }, null],
      ["7.0500000", null, fx.kes.id, null, "REGISTERED", "IBAN", "GB82WEST12345698765432", { bankCode: "WEST01", holderName: "Chloe Smith" }, null],
    ]);
    const b1 = await receiverByExternalId(`b1-${s}`);
    expect(b1).toMatchObject({ phoneNumber: null, email: null, attributes: { region: "North" } });
    expect(rows[0]!.payment.receiverId).toBe(b1.id);
    expect((await receiverByExternalId(`b2-${s}`)).attributes).toEqual({});

    // Again, with a new name, a new region and another account for b2: same receivers, the known
    // accounts keep their rows (details updated), the new account gets a row of its own.
    const before = await counts();
    await upload(
      d.id,
      csv(
        "id,amount,bankAccount,bankCode,name,region",
        `b1-${s},10,DE89370400440532013000,,Ana María Díaz,Coast`,
        `b2-${s},20,9999888877,kcb01,Baraka Otieno,`,
        `b3-${s},30,GB82WEST12345698765432,WEST01,Chloe Smith,`,
      ),
    );
    const again = await paymentRows(d.id);
    expect(again.map((r) => r.wallet.id)).toEqual([rows[0]!.wallet.id, expect.any(String), rows[2]!.wallet.id]);
    expect(again[1]!.wallet.id).not.toBe(rows[1]!.wallet.id);
    expect(again[0]!.wallet.destinationDetails).toEqual({ holderName: "Ana María Díaz" });
    expect(await counts()).toEqual({ ...before, wallets: before.wallets + 1 });
    expect((await receiverByExternalId(`b1-${s}`)).attributes).toEqual({ region: "Coast" });
    // The region column left empty keeps what the receiver had.
    expect((await receiverByExternalId(`b3-${s}`)).attributes).toEqual({ region: "South" });
  });

  it("names line and field for every bad value, at the currency's 2 decimals, and writes nothing", async () => {
    const d = await bankDisbursement();
    const before = await counts();
    const s = randomSuffix();
    const error = await expectServiceError(
      upload(
        d.id,
        csv(
          "id,amount,bankAccount,bankCode,name",
          `c1-${s},10,DE89370400440532013000,,Ana`,
          `c2-${s},10,DE89370400440532013001,,Ben`,
          `c3-${s},10.005,0123456789,KCB01,Cleo`,
          `c4-${s},10,0123456789,,Dan`,
          `c5-${s},10,NO9386011117947,,`,
          `c6-${s},10,DE89 3704 0044 0532 0130 00,,Eve`,
          `c1-${s},10,NL91ABNA0417164300,,Fay`,
        ),
      ),
      "BAD_REQUEST",
    );
    expect(error.extras).toEqual({
      "line 3 - bankAccount": "bankAccount: IBAN checksum fails (a character is mistyped)",
      "line 4 - amount": "invalid amount. Use at most 2 decimal places",
      "line 5 - bankCode": "bankCode is required when bankAccount is not an IBAN",
      "line 6 - name": "name cannot be empty",
      "line 7 - bankAccount": "duplicate bankAccount; also on line 2",
      "line 8 - id": "duplicate id; also on line 2",
    });
    expect(await counts()).toEqual(before);
    const [row] = await db.select().from(disbursements).where(eq(disbursements.id, d.id));
    expect(row!.status).toBe("DRAFT");
  });

  it("refuses an account another receiver holds, leaving the earlier import whole", async () => {
    const d = await bankDisbursement();
    const s = randomSuffix();
    await upload(d.id, csv("id,amount,bankAccount,bankCode,name", `d1-${s},5,NL91ABNA0417164300,,Ann`, `d2-${s},6,BE68539007547034,,Bob`));
    const first = await paymentRows(d.id);
    const before = await counts();
    const error = await expectServiceError(
      upload(d.id, csv("id,amount,bankAccount,bankCode,name", `d1-${s},5,NL91ABNA0417164300,,Ann`, `d3-${s},6,BE68 5390 0754 7034,,Bob`)),
      "CONFLICT",
    );
    expect(error.extras).toEqual({ "line 3 - bankAccount": "bank account BE68539007547034 belongs to another receiver" });
    expect(await counts()).toEqual(before);
    expect((await paymentRows(d.id)).map((r) => r.payment.id)).toEqual(first.map((r) => r.payment.id));
  });

  it("views keep SDP's field names, add the destination and show no wallet", async () => {
    const d = await bankDisbursement();
    expect((await getDisbursement(ctxOf(), d.id)).wallet).toBeNull();
    await upload(d.id, csv("id,amount,bankAccount,bankCode,name", `v1-${randomSuffix()},5,0011223344,KCB01,Vera`));
    const [row] = await paymentRows(d.id);
    const [view] = await loadPaymentViews(db, fx.org.id, [row!.payment.id]);
    expect(view!.receiver_wallet).toMatchObject({
      stellar_address: null,
      stellar_memo: null,
      wallet: null,
      destination: { kind: "BANK_ACCOUNT", value: "0011223344", memo: null, bank_code: "KCB01", bic: null, branch: null, holder_name: "Vera" },
    });
    const receiver = await getReceiver(ctxOf(), row!.payment.receiverId);
    expect(receiver.wallets).toEqual([expect.objectContaining({ wallet: null, destination: expect.objectContaining({ kind: "BANK_ACCOUNT", value: "0011223344" }) })]);
  });

  it("a bank row cannot be unregistered (nothing to register again)", async () => {
    const d = await bankDisbursement();
    await upload(d.id, csv("id,amount,bankAccount,name", `u1-${randomSuffix()},5,CH93 0076 2011 6238 5295 7,Uli`));
    const [row] = await paymentRows(d.id);
    await expectServiceError(unregisterReceiverWallet(ctxOf(), { receiverWalletId: row!.wallet.id }), "CONFLICT");
  });

  it("the region column works for wallet-address files too", async () => {
    const d = await createDisbursement(ctxOf(), {
      name: `W ${randomSuffix()}`,
      wallet_id: fx.catalog.wallet.id,
      asset_id: fx.catalog.usdc.id,
      registration_contact_type: "PHONE_NUMBER_AND_WALLET_ADDRESS",
    });
    const phone = nextUkMobile();
    const g = Keypair.random().publicKey();
    await upload(d.id, csv("phone,id,amount,walletAddress,region", `${phone},w1-${randomSuffix()},1.1234567,${g},Lake`));
    const [r] = await db
      .select()
      .from(receivers)
      .where(and(eq(receivers.orgId, fx.org.id), eq(receivers.phoneNumber, phone)));
    expect(r!.attributes).toEqual({ region: "Lake" });
    await upload(d.id, csv("phone,id,amount,walletAddress,region", `${phone},${r!.externalId},2,${g},Highlands`));
    const [again] = await db.select().from(receivers).where(eq(receivers.id, r!.id));
    expect(again!.attributes).toEqual({ region: "Highlands" });
    const [w] = await db.select().from(receiverWallets).where(eq(receiverWallets.receiverId, r!.id));
    expect(w).toMatchObject({ destinationKind: "STELLAR_ADDRESS", destinationValue: g, stellarAddress: g, walletId: fx.catalog.wallet.id });
  });
});

describe("G2P /disburse with bank payees", () => {
  function call(): G2pCall {
    return {
      ctx: { db, actor: { userId: fx.users.owner.id }, org: { id: fx.org.id }, role: "owner", scopes: ["write:disbursements"] },
      sender,
      header: { message_id: randomSuffix(), message_ts: new Date().toISOString(), action: "disburse", sender_id: sender.senderId },
      correlationId: randomSuffix(),
      now: new Date(),
    };
  }
  const accept = (message: DisburseMessage) => db.transaction((tx) => acceptDisburseRequest(tx, call(), message));
  const rejection = (message: DisburseMessage) =>
    accept(message).then(
      () => {
        throw new Error("expected a rejection");
      },
      (e: unknown) => {
        expect(e).toBeInstanceOf(G2pRejection);
        return e as G2pRejection;
      },
    );
  const item = (ref: string, payee: string, amount: string, extra: Record<string, unknown> = {}) => ({
    reference_id: ref,
    payee_fa: payee,
    amount,
    currency_code: "KES",
    payee_name: `Payee ${ref}`,
    ...extra,
  });

  it("account: and iban: payees make a BANK_ACCOUNT envelope without a wallet, with the region from meta", async () => {
    const txn = `T-${randomSuffix()}`;
    const result = await accept({
      transaction_id: txn,
      disbursements: [
        item(`${txn}-1`, "account:5550001111@KCB01", "100.25", { meta: { region: "North" } }),
        item(`${txn}-2`, "iban:ES91 2100 0418 4502 0005 1332@CAIXESBB", "50.00"),
      ],
    });
    const [d] = await db.select().from(disbursements).where(eq(disbursements.id, result.disbursementId));
    expect(d).toMatchObject({ registrationContactType: "BANK_ACCOUNT", walletId: null, assetId: fx.kes.id });
    const rows = await paymentRows(result.disbursementId);
    expect(
      rows.map((r) => [r.payment.amount, r.wallet.walletId, r.wallet.status, r.wallet.destinationKind, r.wallet.destinationValue, r.wallet.destinationDetails]),
    ).toEqual([
      ["100.2500000", null, "REGISTERED", "BANK_ACCOUNT", "5550001111", { bankCode: "KCB01", holderName: `Payee ${txn}-1` }],
      ["50.0000000", null, "REGISTERED", "IBAN", "ES9121000418450200051332", { bic: "CAIXESBB", holderName: `Payee ${txn}-2` }],
    ]);
    const [r1] = await db.select().from(receivers).where(eq(receivers.id, rows[0]!.payment.receiverId));
    expect(r1).toMatchObject({ externalId: "account:5550001111@KCB01", attributes: { region: "North" } });

    // The same account in a later transaction is the same receiver and row; meta.region updates it.
    const txn2 = `T-${randomSuffix()}`;
    const later = await accept({ transaction_id: txn2, disbursements: [item(`${txn2}-1`, "account:555-000-1111@kcb01", "1.00", { meta: { Region: "Coast" } })] });
    const [row2] = await paymentRows(later.disbursementId);
    expect(row2!.wallet.id).toBe(rows[0]!.wallet.id);
    const [r1again] = await db.select().from(receivers).where(eq(receivers.id, r1!.id));
    expect(r1again!.attributes).toEqual({ region: "Coast" });
  });

  it("an account known from a CSV file is that receiver", async () => {
    const d = await bankDisbursement();
    const s = randomSuffix();
    await upload(d.id, csv("id,amount,bankAccount,name", `g1-${s},5,IT60 X054 2811 1010 0000 0123 456,Gia`));
    const [fromCsv] = await paymentRows(d.id);
    const txn = `T-${randomSuffix()}`;
    const result = await accept({ transaction_id: txn, disbursements: [item(`${txn}-1`, "iban:IT60X0542811101000000123456", "3.00")] });
    const [fromG2p] = await paymentRows(result.disbursementId);
    expect(fromG2p!.payment.receiverId).toBe(fromCsv!.payment.receiverId);
    expect(fromG2p!.wallet.id).toBe(fromCsv!.wallet.id);
  });

  it("refuses bad bank payees, mixing with wallets, finer amounts than the currency's and writes nothing", async () => {
    const before = await counts();
    const txn = `T-${randomSuffix()}`;
    const bad = await rejection({ transaction_id: txn, disbursements: [item(`${txn}-1`, "iban:DE89370400440532013001", "1.00")] });
    expect(bad.code).toBe("rjct.payee_fa.invalid");
    expect(bad.message).toContain("payee_fa: IBAN checksum fails");
    const noName = await rejection({ transaction_id: txn, disbursements: [item(`${txn}-1`, "account:5550002222@KCB01", "1.00", { payee_name: "" })] });
    expect(noName.message).toContain("needs the account holder's name");
    const mixed = await rejection({
      transaction_id: txn,
      disbursements: [item(`${txn}-1`, "account:5550002222@KCB01", "1.00"), item(`${txn}-2`, `stellar:${Keypair.random().publicKey()}`, "1.00")],
    });
    expect(mixed.code).toBe("rjct.payee_fa.invalid");
    expect(mixed.message).toContain("bank accounts (account:, iban:), phone numbers through a Mojaloop switch (msisdn:…@mojaloop) or wallets, one kind only");
    const fine = await rejection({ transaction_id: txn, disbursements: [item(`${txn}-1`, "account:5550002222@KCB01", "1.005")] });
    expect(fine.code).toBe("rjct.amount.invalid");
    // The spec's Amount pattern (two decimals at most) refuses it before the currency's precision does.
    expect(fine.message).toContain("one or two decimals");
    const noFiat = await rejection({ transaction_id: txn, disbursements: [item(`${txn}-1`, "account:5550002222@KCB01", "1.00", { currency_code: "EUR" })] });
    expect(noFiat.code).toBe("rjct.currency_code.invalid");
    expect(await counts()).toEqual(before);

    // A wallet envelope refuses a bank payee in a later request.
    const wtxn = `T-${randomSuffix()}`;
    await accept({
      transaction_id: wtxn,
      disbursement_envelope: { number_of_disbursements: 2, total_disbursement_amount: "2", disbursement_currency_code: "USD" },
      disbursements: [item(`${wtxn}-1`, `stellar:${Keypair.random().publicKey()}`, "1.00", { currency_code: "USD" })],
    });
    const late = await rejection({ transaction_id: wtxn, disbursements: [item(`${wtxn}-2`, "account:5550002222@KCB01", "1.00", { currency_code: "USD" })] });
    expect(late.message).toContain("a bank account payee needs another transaction");
  });
});
