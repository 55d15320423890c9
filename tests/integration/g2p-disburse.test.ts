import { generateKeyPairSync } from "node:crypto";
import { Keypair } from "@stellar/stellar-sdk";
import { and, count, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { disbursements, g2pItems, messages, g2pSenders, g2pTransactions, payments, receivers, receiverWallets, type G2pSender } from "@/db/schema";
import { seedDemoCatalog } from "@/server/services/catalog/seed-demo-catalog";
import { acceptDisburseRequest } from "@/server/services/g2p/accept-disburse-request";
import { cancelG2pItems } from "@/server/services/g2p/cancel-g2p-items";
import { demoBalanceProvider, setDistributionBalanceProvider } from "@/server/services/disbursements/distribution-balance";
import { startEnvelopeBySchedule } from "@/server/services/disbursements/start-envelope-by-schedule";
import { sendDueInvitations } from "@/server/services/messaging/send-receiver-invitations";
import { getRegistrationContext } from "@/server/services/registration/get-registration-context";
import { G2pRejection, type G2pCall } from "@/server/services/g2p/g2p-call";
import type { DisburseMessage } from "@/server/domain/g2p/messages";
import { createOrgWithMembers, nextUkMobile, randomSuffix, testDb } from "./helpers";

const db = testDb();
let org: Awaited<ReturnType<typeof createOrgWithMembers<"owner">>>;
let sender: G2pSender;

function call(): G2pCall {
  const owner = org.users.owner!;
  return {
    ctx: { db, actor: { userId: owner.id }, org: { id: org.org.id }, role: "owner", scopes: ["write:disbursements"] },
    sender,
    header: { message_id: randomSuffix(), message_ts: new Date().toISOString(), action: "disburse", sender_id: sender.senderId, total_count: 1 },
    correlationId: randomSuffix(),
    now: new Date(),
  };
}

const accept = (message: DisburseMessage) => db.transaction((tx) => acceptDisburseRequest(tx, call(), message));

async function rejection(message: DisburseMessage): Promise<G2pRejection> {
  const error = await accept(message).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(G2pRejection);
  return error as G2pRejection;
}

async function counts() {
  const n = async (table: typeof payments | typeof receivers | typeof receiverWallets | typeof disbursements | typeof g2pItems | typeof g2pTransactions) =>
    (await db.select({ n: count() }).from(table).where(eq(table.orgId, org.org.id)))[0]!.n;
  return {
    disbursements: await n(disbursements),
    payments: await n(payments),
    receivers: await n(receivers),
    wallets: await n(receiverWallets),
    transactions: await n(g2pTransactions),
    items: await n(g2pItems),
  };
}

const stellarItem = (ref: string, amount: string, extra: Record<string, unknown> = {}) => ({
  reference_id: ref,
  payer_fa: "account:program@treasury",
  payee_fa: `stellar:${Keypair.random().publicKey()}`,
  amount,
  currency_code: "USD",
  payee_name: `Payee ${ref}`,
  ...extra,
});

beforeAll(async () => {
  org = await createOrgWithMembers(db, ["owner"]);
  const catalog = await seedDemoCatalog(db, org.org.id);
  const { publicKey } = generateKeyPairSync("ed25519");
  const [row] = await db
    .insert(g2pSenders)
    .values({
      orgId: org.org.id,
      senderId: `social-registry-${randomSuffix()}`,
      name: "Social registry",
      callbackUrl: "http://127.0.0.1:9/callbacks",
      publicKey: publicKey.export({ format: "pem", type: "spki" }).toString(),
      walletId: catalog.wallet.id,
      defaultAssetId: catalog.usdc.id,
    })
    .returning();
  sender = row!;
});

describe("acceptDisburseRequest", () => {
  it("creates an auto-start envelope declaring exactly the first request, with registered Stellar payees, and is idempotent", async () => {
    const txn = `T-${randomSuffix()}`;
    const message = {
      transaction_id: txn,
      disbursements: [stellarItem(`${txn}-1`, "10.50"), stellarItem(`${txn}-2`, "0.01"), stellarItem(`${txn}-3`, "1234567.12")],
    };
    const first = await accept(message);
    expect(first.items.map((i) => [i.reference_id, i.status, i.amount, i.currency_code])).toEqual([
      [`${txn}-1`, "rcvd", "10.50", "USD"],
      [`${txn}-2`, "rcvd", "0.01", "USD"],
      [`${txn}-3`, "rcvd", "1234567.12", "USD"],
    ]);
    expect(first.items[0]).toMatchObject({ shipment_to_bank_status: "PENDING", cancellation_status: "NOT_CANCELLED", payee_name: `Payee ${txn}-1` });
    const [d] = await db.select().from(disbursements).where(eq(disbursements.id, first.disbursementId));
    expect(d).toMatchObject({
      status: "READY",
      autoStart: true,
      declaredCount: 3,
      declaredTotal: "1234577.6300000",
      scheduledAt: null,
      registrationContactType: "PHONE_NUMBER_AND_WALLET_ADDRESS",
    });
    const amounts = await db.select({ amount: payments.amount, status: payments.status }).from(payments).where(eq(payments.disbursementId, d!.id));
    expect(amounts.map((a) => a.amount).sort()).toEqual(["0.0100000", "10.5000000", "1234567.1200000"]);
    const wallets = await db
      .select({ status: receiverWallets.status, address: receiverWallets.stellarAddress })
      .from(receiverWallets)
      .innerJoin(payments, eq(payments.receiverWalletId, receiverWallets.id))
      .where(eq(payments.disbursementId, d!.id));
    expect(wallets.every((w) => w.status === "REGISTERED" && w.address?.startsWith("G"))).toBe(true);

    const before = await counts();
    const again = await accept(message);
    expect(again.disbursementId).toBe(first.disbursementId);
    expect(again.items.map((i) => i.status)).toEqual(["rcvd", "rcvd", "rcvd"]);
    expect(await counts()).toEqual(before);
  });

  it("refuses a reused reference_id with other values, and a reference_id twice in one request, writing nothing", async () => {
    const txn = `T-${randomSuffix()}`;
    const item = stellarItem(`${txn}-1`, "5.00");
    await accept({ transaction_id: txn, disbursements: [item] });
    const before = await counts();
    const changed = await rejection({ transaction_id: txn, disbursements: [{ ...item, amount: "6.00" }] });
    expect(changed.code).toBe("rjct.reference_id.duplicate");
    const elsewhere = await rejection({ transaction_id: `${txn}-other`, disbursements: [item] });
    expect(elsewhere.code).toBe("rjct.reference_id.duplicate");
    expect(elsewhere.message).toMatch(/already used in transaction/);
    const twice = await rejection({ transaction_id: `${txn}-x`, disbursements: [stellarItem("dup", "1.00"), stellarItem("dup", "2.00")] });
    expect(twice.code).toBe("rjct.reference_id.duplicate");
    expect(twice.items).toHaveLength(1);
    expect(await counts()).toEqual(before);
  });

  it("answers each malformed item with its reason code and writes nothing", async () => {
    const before = await counts();
    const txn = `T-${randomSuffix()}`;
    for (const [amount, code] of [
      ["12.345678901", "rjct.amount.invalid"],
      ["abc", "rjct.amount.invalid"],
      ["-5", "rjct.amount.invalid"],
      ["0", "rjct.amount.invalid"],
      ["1e3", "rjct.amount.invalid"],
      // The spec's Amount pattern: a point and one or two decimals.
      ["10", "rjct.amount.invalid"],
      ["1.001", "rjct.amount.invalid"],
      ["0.00", "rjct.amount.invalid"],
    ] as const) {
      const r = await rejection({ transaction_id: txn, disbursements: [stellarItem(`${txn}-ok`, "1.00"), stellarItem(`${txn}-bad`, amount)] });
      expect(r.code).toBe(code);
      expect(r.items.map((i) => [i.referenceId, i.index])).toEqual([[`${txn}-bad`, 1]]);
    }
    expect((await rejection({ transaction_id: txn, disbursements: [stellarItem(`${txn}-c`, "1.00", { currency_code: "XYZ" })] })).code).toBe(
      "rjct.currency_code.invalid",
    );
    expect((await rejection({ transaction_id: txn, disbursements: [stellarItem(`${txn}-c`, "1.00", { currency_code: "usd" })] })).code).toBe(
      "rjct.currency_code.invalid",
    );
    // An asset code is not an ISO 4217 currency code.
    expect((await rejection({ transaction_id: txn, disbursements: [stellarItem(`${txn}-c`, "1.00", { currency_code: "USDC" })] })).code).toBe(
      "rjct.currency_code.invalid",
    );
    expect((await rejection({ transaction_id: txn, disbursements: [stellarItem(`${txn}-p`, "1.00", { payee_fa: "stellar:GNOTANADDRESS" })] })).code).toBe(
      "rjct.payee_fa.invalid",
    );
    expect((await rejection({ transaction_id: txn, disbursements: [stellarItem(`${txn}-p`, "1.00", { payee_fa: "iban:DE001234" })] })).code).toBe(
      "rjct.payee_fa.invalid",
    );
    expect((await rejection({ transaction_id: txn, disbursements: [stellarItem(`${txn}-s`, "1.00", { scheduled_timestamp: "tomorrow" })] })).code).toBe(
      "rjct.schedule_ts.invalid",
    );
    expect((await rejection({ transaction_id: txn, disbursements: [stellarItem("", "1.00")] })).code).toBe("rjct.reference_id.invalid");
    expect(await counts()).toEqual(before);
  });

  it("accepts items only within a declared envelope, in several requests", async () => {
    const txn = `T-${randomSuffix()}`;
    const schedule = new Date(Date.now() + 3_600_000).toISOString();
    const envelope = { number_of_disbursements: 3, total_disbursement_amount: "60.00", disbursement_currency_code: "USD", disbursement_schedule_date: schedule };
    const first = await accept({
      transaction_id: txn,
      disbursement_envelope: envelope,
      disbursements: [stellarItem(`${txn}-1`, "10.00"), stellarItem(`${txn}-2`, "20.00")],
    });
    const [d] = await db.select().from(disbursements).where(eq(disbursements.id, first.disbursementId));
    expect(d).toMatchObject({ declaredCount: 3, declaredTotal: "60.0000000" });
    expect(d!.scheduledAt?.toISOString()).toBe(new Date(schedule).toISOString());

    const before = await counts();
    expect((await rejection({ transaction_id: txn, disbursements: [stellarItem(`${txn}-3`, "30.0000001")] })).code).toBe("rjct.amount.invalid");
    expect((await rejection({ transaction_id: txn, disbursements: [stellarItem(`${txn}-3`, "10.00"), stellarItem(`${txn}-4`, "10.00")] })).code).toBe(
      "rjct.total_count.invalid",
    );
    const later = new Date(Date.now() + 7_200_000).toISOString();
    expect((await rejection({ transaction_id: txn, disbursements: [stellarItem(`${txn}-3`, "30.00", { scheduled_timestamp: later })] })).code).toBe(
      "rjct.schedule_ts.invalid",
    );
    expect(
      (await rejection({ transaction_id: txn, disbursement_envelope: { ...envelope, number_of_disbursements: 4 }, disbursements: [stellarItem(`${txn}-3`, "30.00")] }))
        .code,
    ).toBe("rjct.transaction_id.invalid");
    expect(await counts()).toEqual(before);

    const last = await accept({ transaction_id: txn, disbursements: [stellarItem(`${txn}-3`, "30.00")] });
    expect(last.items.map((i) => i.status)).toEqual(["rcvd"]);
    expect((await rejection({ transaction_id: txn, disbursements: [stellarItem(`${txn}-4`, "0.01")] })).code).toBe("rjct.total_count.invalid");
  });

  it("sends phone and e-mail payees through registration, never both in one transaction", async () => {
    const txn = `T-${randomSuffix()}`;
    const phone = nextUkMobile();
    const result = await accept({
      transaction_id: txn,
      disbursements: [{ reference_id: `${txn}-1`, payee_fa: `mobile:${phone}@mno`, amount: "15.00", currency_code: "USD" }, stellarItem(`${txn}-2`, "5.00")],
    });
    const [d] = await db.select().from(disbursements).where(eq(disbursements.id, result.disbursementId));
    expect(d).toMatchObject({ registrationContactType: "PHONE_NUMBER", verificationField: null });
    const [r] = await db
      .select()
      .from(receivers)
      .where(and(eq(receivers.orgId, org.org.id), eq(receivers.phoneNumber, phone)));
    expect(r).toBeTruthy();
    const [w] = await db.select().from(receiverWallets).where(eq(receiverWallets.receiverId, r!.id));
    expect(w).toMatchObject({ status: "DRAFT", stellarAddress: null });

    const mixed = await rejection({
      transaction_id: `${txn}-mixed`,
      disbursements: [
        { reference_id: `${txn}-m1`, payee_fa: `mobile:${nextUkMobile()}`, amount: "1.00" },
        { reference_id: `${txn}-m2`, payee_fa: "email:someone@example.org", amount: "1.00" },
      ],
    });
    expect(mixed.code).toBe("rjct.payee_fa.invalid");
  });

  it("cancels items or the whole envelope before the schedule date only; cancellation is final", async () => {
    const txn = `T-${randomSuffix()}`;
    const schedule = new Date(Date.now() + 3_600_000).toISOString();
    const accepted = await accept({
      transaction_id: txn,
      disbursement_envelope: { number_of_disbursements: 3, total_disbursement_amount: "3.00", disbursement_schedule_date: schedule },
      disbursements: [stellarItem(`${txn}-1`, "1.00"), stellarItem(`${txn}-2`, "1.00"), stellarItem(`${txn}-3`, "1.00")],
    });
    const cancel = (message: Parameters<typeof cancelG2pItems>[2]) => db.transaction((tx) => cancelG2pItems(tx, call(), message));

    const one = await cancel({ transaction_id: txn, cancel_request: { reference_id_list: [`${txn}-2`] } });
    expect(one.items).toHaveLength(1);
    // rjct.disbursement.cancelled is not one of the spec's DisburseStatusReasonCode values: it leads the message.
    expect(one.items[0]).toMatchObject({
      reference_id: `${txn}-2`,
      status: "rjct",
      status_reason_message: expect.stringMatching(/^rjct\.disbursement\.cancelled: /),
      cancellation_status: "CANCELLED",
    });
    expect(one.items[0]!.status_reason_code).toBeUndefined();
    expect(one.items[0]!.cancellation_time_stamp).toBeTruthy();
    // Asking again changes nothing; an unknown reference is refused and nothing else is cancelled with it.
    expect((await cancel({ transaction_id: txn, cancel_request: { reference_id_list: [`${txn}-2`] } })).items[0]!.cancellation_status).toBe("CANCELLED");
    const unknown = await cancel({ transaction_id: txn, cancel_request: { reference_id_list: [`${txn}-1`, "nope"] } }).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(G2pRejection);
    expect((unknown as G2pRejection).code).toBe("rjct.reference_id.not_found");
    const statuses = async () =>
      (await db.select({ status: payments.status }).from(payments).where(eq(payments.disbursementId, accepted.disbursementId))).map((p) => p.status).sort();
    expect(await statuses()).toEqual(["CANCELED", "DRAFT", "DRAFT"]);
    const missing = await cancel({ transaction_id: `${txn}-none` }).catch((e: unknown) => e);
    expect((missing as G2pRejection).code).toBe("rjct.transaction_id.not_found");

    // Once the schedule date has come, nothing can be cancelled.
    await db
      .update(disbursements)
      .set({ scheduledAt: new Date(Date.now() - 1000) })
      .where(eq(disbursements.id, accepted.disbursementId));
    const late = await cancel({ transaction_id: txn, cancel_request: { reference_id_list: [`${txn}-1`] } }).catch((e: unknown) => e);
    expect((late as G2pRejection).code).toBe("rjct.schedule_ts.invalid");
    const lateAll = await cancel({ transaction_id: txn }).catch((e: unknown) => e);
    expect((lateAll as G2pRejection).code).toBe("rjct.schedule_ts.invalid");
    expect(await statuses()).toEqual(["CANCELED", "DRAFT", "DRAFT"]);

    await db
      .update(disbursements)
      .set({ scheduledAt: new Date(schedule) })
      .where(eq(disbursements.id, accepted.disbursementId));
    const all = await cancel({ transaction_id: txn });
    expect(all.items.map((i) => i.cancellation_status)).toEqual(["CANCELLED", "CANCELLED", "CANCELLED"]);
    const [d] = await db.select().from(disbursements).where(eq(disbursements.id, accepted.disbursementId));
    expect(d!.status).toBe("CANCELED");
    expect(d!.cancelledAt).toBeTruthy();
    // A cancelled envelope accepts nothing more.
    expect((await rejection({ transaction_id: txn, disbursements: [stellarItem(`${txn}-4`, "1.00")] })).code).toBe("rjct.envelope.closed");
  });

  it("invites a phone payee to register once the envelope starts, with a one-time code and no verification value", async () => {
    setDistributionBalanceProvider(demoBalanceProvider);
    const txn = `T-${randomSuffix()}`;
    const phone = nextUkMobile();
    const accepted = await accept({
      transaction_id: txn,
      disbursements: [{ reference_id: `${txn}-1`, payee_fa: `mobile:${phone}`, amount: "12.5", currency_code: "USD" }],
    });
    expect(await startEnvelopeBySchedule(db, org.org.id, accepted.disbursementId)).toMatchObject({ started: true });
    const [w] = await db
      .select()
      .from(receiverWallets)
      .innerJoin(receivers, eq(receivers.id, receiverWallets.receiverId))
      .where(and(eq(receivers.orgId, org.org.id), eq(receivers.phoneNumber, phone)));
    expect(w!.receiver_wallets.status).toBe("READY");

    const appUrl = "http://app.test";
    const run = await sendDueInvitations(db, { appUrl, orgId: org.org.id });
    expect(run.sent).toBeGreaterThanOrEqual(1);
    const [invitation] = await db.select().from(messages).where(eq(messages.receiverWalletId, w!.receiver_wallets.id));
    expect(invitation).toMatchObject({ type: "RECEIVER_INVITATION", destination: phone, status: "SUCCESS" });
    const token = decodeURIComponent(/\/r\/(\S+)/.exec(invitation!.body)![1]!.replace(/[.,;]$/, ""));
    const context = await getRegistrationContext(db, token);
    expect(context).toMatchObject({ contactType: "PHONE_NUMBER", verificationField: null, step: "otp", amounts: [{ asset: "USDC", amount: "12.5" }] });

    const item = await db.transaction((tx) =>
      acceptDisburseRequest(tx, call(), {
        transaction_id: txn,
        disbursements: [{ reference_id: `${txn}-1`, payee_fa: `mobile:${phone}`, amount: "12.5", currency_code: "USD" }],
      }),
    );
    expect(item.items[0]!.status).toBe("pdng");
  });
});
