import { generateKeyPairSync } from "node:crypto";
import { and, asc, count, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { assets, disbursements, g2pSenders, payments, receivers, receiverVerifications, receiverWallets, type G2pSender } from "@/db/schema";
import type { DisburseMessage } from "@/server/domain/g2p/messages";
import { seedDemoCatalog } from "@/server/services/catalog/seed-demo-catalog";
import type { OrgContext } from "@/server/services/context";
import { createDisbursement } from "@/server/services/disbursements/create-disbursement";
import { importInstructions } from "@/server/services/disbursements/import-instructions";
import { ServiceError } from "@/server/services/errors";
import { acceptDisburseRequest } from "@/server/services/g2p/accept-disburse-request";
import { G2pRejection, type G2pCall } from "@/server/services/g2p/g2p-call";
import { callerFor, createOrgWithMembers, nextUkMobile, randomSuffix, testDb, type TestOrg } from "./helpers";

/**
 * Direct phone payees (docs/rails/mojaloop-connections.md "Intake"): the DIRECT_PHONE contact type of
 * CSV instructions and G2P `msisdn:+…@mojaloop` payees become receivers matched by phone with a
 * receiver wallet holding the MSISDN, REGISTERED at once (no wallet provider, invitation or
 * verification); routing rules send them to a Mojaloop connection, and start leaves them READY for
 * the dispatcher (the rail itself: tests/integration/mojaloop-rail.test.ts).
 */

const db = testDb();

type Fixture = TestOrg & { catalog: Awaited<ReturnType<typeof seedDemoCatalog>>; kes: { id: string }; mojaloop: { id: string; name: string }; ruleId: string };
let fx: Fixture;
let sender: G2pSender;

const ctxOf = (): OrgContext => ({ db, actor: { userId: fx.users.owner.id }, org: { id: fx.org.id }, role: "owner" });
const owner = () => callerFor(db, fx.users.owner.id, fx.org.id);
const csv = (header: string, ...rows: string[]) => Buffer.from([header, ...rows].join("\n") + "\n");
const upload = (disbursementId: string, content: Buffer) => importInstructions(ctxOf(), { disbursementId, fileName: "phones.csv", content });
/** A Kenyan mobile number (valid for libphonenumber-js), different on each call. */
let phoneCounter = Math.floor(Math.random() * 4_000_000);
const kenyanMobile = () => `+25471${1_000_000 + (phoneCounter++ % 8_000_000)}`;

const phoneDisbursement = () =>
  createDisbursement(ctxOf(), { name: `Phones ${randomSuffix()}`, asset_id: fx.kes.id, registration_contact_type: "DIRECT_PHONE", verification_field: null });

async function serviceError(promise: Promise<unknown>): Promise<ServiceError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error, "expected a ServiceError, but the call succeeded").toBeInstanceOf(ServiceError);
  return error as ServiceError;
}

async function counts() {
  const n = async (table: typeof payments | typeof receivers | typeof receiverWallets | typeof disbursements) =>
    (await db.select({ n: count() }).from(table).where(eq(table.orgId, fx.org.id)))[0]!.n;
  return { receivers: await n(receivers), wallets: await n(receiverWallets), payments: await n(payments), disbursements: await n(disbursements) };
}

const paymentRows = (disbursementId: string) =>
  db
    .select({ payment: payments, wallet: receiverWallets, receiver: receivers })
    .from(payments)
    .innerJoin(receiverWallets, eq(receiverWallets.id, payments.receiverWalletId))
    .innerJoin(receivers, eq(receivers.id, payments.receiverId))
    .where(eq(payments.disbursementId, disbursementId))
    .orderBy(asc(payments.lineNumber));

beforeAll(async () => {
  const org = await createOrgWithMembers(db);
  const catalog = await seedDemoCatalog(db, org.org.id);
  const [kes] = await db.insert(assets).values({ orgId: org.org.id, kind: "FIAT", code: "KES", decimals: 2, issuer: "" }).returning({ id: assets.id });
  const caller = callerFor(db, org.users.owner.id, org.org.id);
  const mojaloop = await caller.connections.create({
    rail_type: "MOJALOOP",
    name: `Mojaloop switch ${randomSuffix()}`,
    settings: { baseUrl: "https://switch.example.org", fspId: "g2p-payer", callbackAllowlist: ["192.0.2.10"] },
    currency_mapping: [{ asset_id: kes!.id, rail_currency: "KES" }],
  });
  const rule = await caller.routing.create({ name: "Phones via Mojaloop", conditions: { destination_kinds: ["MSISDN"] }, connection_id: mojaloop.id });
  fx = { ...org, catalog, kes: kes!, mojaloop: { id: mojaloop.id, name: mojaloop.name }, ruleId: rule.id };
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

describe("DIRECT_PHONE disbursements", () => {
  it("have no wallet provider, pay a fiat currency and take no verification field", async () => {
    const d = await phoneDisbursement();
    const [row] = await db.select().from(disbursements).where(eq(disbursements.id, d.id));
    expect(row).toMatchObject({ walletId: null, assetId: fx.kes.id, registrationContactType: "DIRECT_PHONE", verificationField: null });

    const stellar = await serviceError(
      createDisbursement(ctxOf(), { name: `Phones ${randomSuffix()}`, asset_id: fx.catalog.usdc.id, registration_contact_type: "DIRECT_PHONE" }),
    );
    expect(stellar.message).toBe("A direct-phone (Mojaloop) disbursement pays a fiat currency");
    const refused = createDisbursement(ctxOf(), {
      name: `Phones ${randomSuffix()}`,
      wallet_id: fx.catalog.wallet.id,
      asset_id: fx.kes.id,
      registration_contact_type: "DIRECT_PHONE",
      verification_field: "DATE_OF_BIRTH",
    });
    await expect(refused).rejects.toThrow(/not used with DIRECT_PHONE: phone numbers on a Mojaloop switch are paid without a wallet provider/);
    await expect(refused).rejects.toThrow(/not used with DIRECT_PHONE: payees are paid at the phone number in the file, without registering/);
  });
});

describe("CSV instructions with direct phone payees", () => {
  it("match receivers by phone, give each a REGISTERED MSISDN row without a wallet provider, and route each payment to the Mojaloop connection", async () => {
    // A receiver known by phone from an invitation-flow disbursement is the same receiver here.
    const known = nextUkMobile();
    const sdp = await createDisbursement(ctxOf(), {
      name: `SDP ${randomSuffix()}`,
      wallet_id: fx.catalog.wallet.id,
      asset_id: fx.catalog.usdc.id,
      registration_contact_type: "PHONE_NUMBER",
      verification_field: "DATE_OF_BIRTH",
    });
    await upload(sdp.id, csv("phone,id,amount,verification", `${known},sdp-1,5,1990-01-02`));
    const [sdpRow] = await paymentRows(sdp.id);

    const d = await phoneDisbursement();
    const s = randomSuffix();
    const fresh = kenyanMobile();
    await upload(d.id, csv("phone,id,amount,paymentID,region", `${fresh},p1-${s},1500.50,P-1,North`, `${known},p2-${s},20,,`));
    const rows = await paymentRows(d.id);
    expect(
      rows.map((r) => [
        r.payment.amount,
        r.payment.externalPaymentId,
        r.payment.connectionId,
        r.payment.routingRuleId,
        r.wallet.walletId,
        r.wallet.status,
        r.wallet.destinationKind,
        r.wallet.destinationValue,
        r.receiver.phoneNumber,
      ]),
    ).toEqual([
      ["1500.5000000", "P-1", fx.mojaloop.id, fx.ruleId, null, "REGISTERED", "MSISDN", fresh, fresh],
      ["20.0000000", null, fx.mojaloop.id, fx.ruleId, null, "REGISTERED", "MSISDN", known, known],
    ]);
    expect(rows[0]!.receiver).toMatchObject({ externalId: `p1-${s}`, attributes: { region: "North" } });
    expect(rows[1]!.payment.receiverId).toBe(sdpRow!.payment.receiverId);
    expect(rows[1]!.wallet.id).not.toBe(sdpRow!.wallet.id);
    // No verification values: direct payees never verify.
    const verifications = await db.select().from(receiverVerifications).where(eq(receiverVerifications.receiverId, rows[0]!.receiver.id));
    expect(verifications).toEqual([]);

    // The same file again: the same receivers and MSISDN rows, nothing new.
    const before = await counts();
    await upload(d.id, csv("phone,id,amount", `${fresh},p1-${s},10`, `${known},p2-${s},20`));
    const again = await paymentRows(d.id);
    expect(again.map((r) => r.wallet.id)).toEqual(rows.map((r) => r.wallet.id));
    expect(await counts()).toEqual(before);
  });

  it("names line and field of a bad phone or a refused column, and writes nothing", async () => {
    const d = await phoneDisbursement();
    const before = await counts();
    const bad = await serviceError(upload(d.id, csv("phone,id,amount", `${kenyanMobile()},x1,10`, "0712 345 678,x2,10", `${kenyanMobile()},x3,1.005`)));
    expect(bad.code).toBe("BAD_REQUEST");
    expect(bad.extras).toEqual({
      "line 3 - phone": "invalid phone format. Correct format: +380445555555",
      "line 4 - amount": expect.stringMatching(/at most 2 decimal places/),
    });
    const column = await serviceError(upload(d.id, csv("phone,id,amount,verification", `${kenyanMobile()},x1,10,1990-01-01`)));
    expect(column.extras).toEqual({ "line 1 - verification": "column verification is not allowed for DIRECT_PHONE disbursements" });
    const missing = await serviceError(upload(d.id, csv("id,amount", "x1,10")));
    expect(missing.extras).toMatchObject({ "line 1 - phone": "missing required column phone for DIRECT_PHONE disbursements" });
    expect(await counts()).toEqual(before);
  });

  it("start routes the phone payees to the Mojaloop connection, READY for the dispatcher (the rail is dispatched)", async () => {
    const d = await phoneDisbursement();
    const s = randomSuffix();
    await upload(d.id, csv("phone,id,amount", `${kenyanMobile()},s1-${s},10`, `${kenyanMobile()},s2-${s},20`));
    await owner().disbursements.changeStatus({ id: d.id, status: "STARTED" });
    const [after] = await db.select({ status: disbursements.status }).from(disbursements).where(eq(disbursements.id, d.id));
    expect(after!.status).toBe("STARTED");
    const rows = await paymentRows(d.id);
    expect(rows.map((r) => [r.payment.status, r.payment.connectionId, r.payment.routingRuleId])).toEqual([
      ["READY", fx.mojaloop.id, fx.ruleId],
      ["READY", fx.mojaloop.id, fx.ruleId],
    ]);
  });
});

describe("G2P /disburse with msisdn:…@mojaloop payees", () => {
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
    ...extra,
  });

  it("make a DIRECT_PHONE envelope without a wallet: the phone's receiver, a REGISTERED MSISDN row, routed to the Mojaloop connection", async () => {
    // A phone already paid by a CSV file is that receiver and that row.
    const d = await phoneDisbursement();
    const phone = kenyanMobile();
    await upload(d.id, csv("phone,id,amount", `${phone},g1-${randomSuffix()},5`));
    const [fromCsv] = await paymentRows(d.id);

    const other = kenyanMobile();
    const txn = `T-${randomSuffix()}`;
    const result = await accept({
      transaction_id: txn,
      disbursements: [
        item(`${txn}-1`, `msisdn:${other}@mojaloop`, "100.25", { meta: { region: "Coast" } }),
        item(`${txn}-2`, `MSISDN:${phone.slice(0, 7)} ${phone.slice(7)}@Mojaloop`, "50.00"),
      ],
    });
    const [envelope] = await db.select().from(disbursements).where(eq(disbursements.id, result.disbursementId));
    expect(envelope).toMatchObject({ registrationContactType: "DIRECT_PHONE", walletId: null, assetId: fx.kes.id });
    const rows = await paymentRows(result.disbursementId);
    expect(
      rows.map((r) => [
        r.payment.amount,
        r.payment.connectionId,
        r.wallet.walletId,
        r.wallet.status,
        r.wallet.destinationKind,
        r.wallet.destinationValue,
        r.receiver.phoneNumber,
      ]),
    ).toEqual([
      ["100.2500000", fx.mojaloop.id, null, "REGISTERED", "MSISDN", other, other],
      ["50.0000000", fx.mojaloop.id, null, "REGISTERED", "MSISDN", phone, phone],
    ]);
    expect(rows[0]!.receiver).toMatchObject({ externalId: `msisdn:${other}@mojaloop`, attributes: { region: "Coast" } });
    expect(rows[1]!.payment.receiverId).toBe(fromCsv!.payment.receiverId);
    expect(rows[1]!.wallet.id).toBe(fromCsv!.wallet.id);
  });

  it("refuse mixing with bank or wallet payees, and a Mojaloop payee in a wallet envelope", async () => {
    const before = await counts();
    const txn = `T-${randomSuffix()}`;
    const mixed = await rejection({
      transaction_id: txn,
      disbursements: [item(`${txn}-1`, `msisdn:${kenyanMobile()}@mojaloop`, "1.00"), item(`${txn}-2`, "account:5550002222@KCB01", "1.00", { payee_name: "Ann" })],
    });
    expect(mixed.code).toBe("rjct.payee_fa.invalid");
    expect(mixed.message).toContain("phone numbers through a Mojaloop switch (msisdn:…@mojaloop) or wallets, one kind only");
    const badPhone = await rejection({ transaction_id: txn, disbursements: [item(`${txn}-1`, "msisdn:0712345678@mojaloop", "1.00")] });
    expect(badPhone.message).toContain("is not a valid phone number in international format");
    expect(await counts()).toEqual(before);

    const wtxn = `T-${randomSuffix()}`;
    await accept({
      transaction_id: wtxn,
      disbursement_envelope: { number_of_disbursements: 2, total_disbursement_amount: "2", disbursement_currency_code: "USD" },
      disbursements: [item(`${wtxn}-1`, `mobile:${nextUkMobile()}`, "1.00", { currency_code: "USD" })],
    });
    const late = await rejection({ transaction_id: wtxn, disbursements: [item(`${wtxn}-2`, `msisdn:${kenyanMobile()}@mojaloop`, "1.00", { currency_code: "USD" })] });
    expect(late.message).toContain("this transaction pays wallets; a Mojaloop phone payee needs another transaction");
    const [wenv] = await db
      .select()
      .from(disbursements)
      .where(and(eq(disbursements.orgId, fx.org.id), eq(disbursements.registrationContactType, "PHONE_NUMBER")));
    expect(wenv).toBeDefined();
  });
});
