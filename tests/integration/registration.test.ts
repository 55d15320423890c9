import { Keypair } from "@stellar/stellar-sdk";
import { TRPCError } from "@trpc/server";
import { and, asc, desc, eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { messages, payments, receiverVerifications, receiverWallets } from "@/db/schema";
import { t } from "@/server/domain/registration-strings";
import { seedDemoCatalog } from "@/server/services/catalog/seed-demo-catalog";
import type { OrgContext } from "@/server/services/context";
import { startDisbursement } from "@/server/services/disbursements/change-disbursement-status";
import { createDisbursement } from "@/server/services/disbursements/create-disbursement";
import { importInstructions } from "@/server/services/disbursements/import-instructions";
import { ServiceError } from "@/server/services/errors";
import { getRegistrationContext } from "@/server/services/registration/get-registration-context";
import { registerReceiverWallet } from "@/server/services/registration/register-receiver-wallet";
import { decodeRegistrationToken, encodeRegistrationToken, issueRegistrationToken } from "@/server/services/registration/registration-token";
import { sendRegistrationOtp } from "@/server/services/registration/send-registration-otp";
import { verifyReceiverIdentity } from "@/server/services/registration/verify-receiver-identity";
import { verifyRegistrationOtp } from "@/server/services/registration/verify-registration-otp";
import { callerFor, createOrgWithMembers, expectTRPCError, nextUkMobile, randomSuffix, testDb } from "./helpers";

const db = testDb();

type Row = { phone: string; dob: string; amount: string; walletId: string; paymentId: string };
type Fixture = { orgId: string; ctx: OrgContext; rows: Row[] };

/** An organization with a STARTED PHONE_NUMBER/DATE_OF_BIRTH disbursement of three rows, made through the real services. */
async function fixture(): Promise<Fixture> {
  const org = await createOrgWithMembers(db, ["owner"]);
  const ctx: OrgContext = { db, actor: { userId: org.users.owner.id }, org: { id: org.org.id }, role: "owner" };
  const catalog = await seedDemoCatalog(db, org.org.id);
  const d = await createDisbursement(ctx, {
    name: `Registration ${randomSuffix()}`,
    wallet_id: catalog.wallet.id,
    asset_id: catalog.xlm.id,
    registration_contact_type: "PHONE_NUMBER",
    verification_field: "DATE_OF_BIRTH",
  });
  const input = ["12.5", "7", "3"].map((amount, i) => ({ phone: nextUkMobile(), dob: `1991-0${i + 1}-1${i}`, amount }));
  const csv = ["phone,id,amount,verification", ...input.map((r, i) => `${r.phone},ext-${i},${r.amount},${r.dob}`)].join("\n");
  await importInstructions(ctx, { disbursementId: d.id, fileName: "reg.csv", content: Buffer.from(csv) });
  await startDisbursement(ctx, d.id);
  const paymentRows = await db
    .select({ id: payments.id, walletId: payments.receiverWalletId })
    .from(payments)
    .where(eq(payments.disbursementId, d.id))
    .orderBy(asc(payments.lineNumber));
  const rows = input.map((r, i) => ({ ...r, walletId: paymentRows[i]!.walletId, paymentId: paymentRows[i]!.id }));
  return { orgId: org.org.id, ctx, rows };
}

const tokenFor = (fx: Fixture, row: Row) => issueRegistrationToken(db, { orgId: fx.orgId, receiverWalletId: row.walletId });

/** The code in the latest OTP message of a wallet (the default transport is the outbox: the messages table). */
async function lastOtp(walletId: string): Promise<string> {
  const [m] = await db
    .select({ body: messages.body, destination: messages.destination, channel: messages.channel })
    .from(messages)
    .where(and(eq(messages.receiverWalletId, walletId), eq(messages.type, "RECEIVER_OTP")))
    .orderBy(desc(messages.createdAt))
    .limit(1);
  const code = m?.body.match(/\b(\d{6})\b/)?.[1];
  if (!code) throw new Error("no OTP message");
  return code;
}

async function expectServiceError(promise: Promise<unknown>, code: ServiceError["code"], message?: string | RegExp) {
  let error: unknown;
  try {
    await promise;
  } catch (e) {
    error = e;
  }
  expect(error, `expected ${code}`).toBeInstanceOf(ServiceError);
  expect((error as ServiceError).code, (error as Error).message).toBe(code);
  if (typeof message === "string") expect((error as Error).message).toBe(message);
  else if (message) expect((error as Error).message).toMatch(message);
  return error as ServiceError;
}

const wallet = async (id: string) => (await db.select().from(receiverWallets).where(eq(receiverWallets.id, id)))[0]!;
const later = (ms: number) => new Date(Date.now() + ms);
const wrongCode = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, "0");

/** Send a code and confirm it (the `now` of each step is pushed past the resend limit when asked). */
async function confirmOtp(token: string, walletId: string) {
  await sendRegistrationOtp(db, token);
  await verifyRegistrationOtp(db, { token, code: await lastOtp(walletId) });
}

describe("registration", () => {
  let fx: Fixture;
  beforeAll(async () => {
    fx = await fixture();
  });

  it("the context shows the organization, the amount waiting and a masked contact, never the contact or ids", async () => {
    const row = fx.rows[0]!;
    const token = await tokenFor(fx, row);
    const context = await getRegistrationContext(db, token);
    expect(context).toMatchObject({ contactType: "PHONE_NUMBER", verificationField: "DATE_OF_BIRTH", step: "otp", amounts: [{ asset: "XLM", amount: "12.5" }] });
    expect(context.contactHint).toBe(`${row.phone.slice(0, 3)}•••••${row.phone.slice(-4)}`);
    const text = JSON.stringify(context);
    expect(text).not.toContain(row.phone);
    expect(text).not.toContain(row.walletId);
    expect(text).not.toContain(fx.orgId);
  });

  it("says the payment arrives shortly only while a disbursement paying the receiver is running", async () => {
    const row = fx.rows[0]!;
    const token = await tokenFor(fx, row);
    expect((await getRegistrationContext(db, token)).paymentRunning).toBe(true);
    const [p] = await db.select({ disbursementId: payments.disbursementId }).from(payments).where(eq(payments.id, row.paymentId));
    // The page reads the disbursement's status; set it directly to see both answers without a second approver.
    await db.execute(sql`update disbursements set status = 'PAUSED' where id = ${p!.disbursementId}`);
    try {
      expect((await getRegistrationContext(db, token)).paymentRunning).toBe(false);
    } finally {
      await db.execute(sql`update disbursements set status = 'STARTED' where id = ${p!.disbursementId}`);
    }
  });

  it("the code goes by SMS to the receiver's phone, is stored hashed, and re-sends are rate-limited", async () => {
    const row = fx.rows[1]!;
    const token = await tokenFor(fx, row);
    await sendRegistrationOtp(db, token);
    const [m] = await db
      .select()
      .from(messages)
      .where(and(eq(messages.receiverWalletId, row.walletId), eq(messages.type, "RECEIVER_OTP")));
    expect(m).toMatchObject({ channel: "SMS", destination: row.phone, status: "SUCCESS" });
    const code = await lastOtp(row.walletId);
    const w = await wallet(row.walletId);
    expect(w.otpHash).not.toContain(code);
    expect(w.otpHash).toMatch(/^[0-9a-f]{64}$/);
    await expectServiceError(sendRegistrationOtp(db, token), "TOO_MANY_REQUESTS", /Please wait \d+ seconds/);
    // 31 s later a new code may be sent, replacing the old one.
    await sendRegistrationOtp(db, token, later(31_000));
    expect((await wallet(row.walletId)).otpHash).not.toBe(w.otpHash);
  });

  it("OTP attempts stop at 5: even the right code then fails until a new code is sent", async () => {
    const row = fx.rows[0]!;
    const token = await tokenFor(fx, row);
    await sendRegistrationOtp(db, token);
    const code = await lastOtp(row.walletId);
    for (let i = 1; i <= 4; i++) {
      await expectServiceError(verifyRegistrationOtp(db, { token, code: wrongCode(code) }), "BAD_REQUEST", t("otp.wrong", { remaining: 5 - i }));
    }
    await expectServiceError(verifyRegistrationOtp(db, { token, code: wrongCode(code) }), "TOO_MANY_REQUESTS", t("otp.locked"));
    await expectServiceError(verifyRegistrationOtp(db, { token, code }), "TOO_MANY_REQUESTS", t("otp.locked"));
    expect((await wallet(row.walletId)).otpConfirmedAt).toBeNull();
    // A new code resets the attempts.
    await sendRegistrationOtp(db, token, later(31_000));
    const fresh = await lastOtp(row.walletId);
    expect(await verifyRegistrationOtp(db, { token, code: fresh }, later(32_000))).toEqual({ confirmed: true });
    expect((await wallet(row.walletId)).otpConfirmedAt).not.toBeNull();
  });

  it("an expired OTP is refused", async () => {
    const row = fx.rows[2]!;
    const token = await tokenFor(fx, row);
    await sendRegistrationOtp(db, token);
    const code = await lastOtp(row.walletId);
    await expectServiceError(verifyRegistrationOtp(db, { token, code }, later(5 * 60_000 + 1000)), "BAD_REQUEST", t("otp.expired"));
    expect((await wallet(row.walletId)).otpConfirmedAt).toBeNull();
  });

  it("verification needs a confirmed OTP, and its attempts stop at the limit with a locked message", async () => {
    const local = await fixture();
    const row = local.rows[0]!;
    const token = await tokenFor(local, row);
    await expectServiceError(verifyReceiverIdentity(db, { token, value: row.dob }), "BAD_REQUEST", t("otp.confirmFirst"));
    await confirmOtp(token, row.walletId);
    for (let i = 1; i <= 4; i++) {
      await expectServiceError(verifyReceiverIdentity(db, { token, value: "1980-01-01" }), "BAD_REQUEST", t("verify.wrong", { remaining: 5 - i }));
    }
    await expectServiceError(verifyReceiverIdentity(db, { token, value: "1980-01-01" }), "TOO_MANY_REQUESTS", /Verification is locked/);
    // Locked: even the right value is refused, and registering is refused.
    await expectServiceError(verifyReceiverIdentity(db, { token, value: row.dob }), "TOO_MANY_REQUESTS", /Verification is locked/);
    await expectServiceError(registerReceiverWallet(db, { token, stellarAddress: Keypair.random().publicKey() }), "BAD_REQUEST", t("verify.confirmFirst"));
    const [v] = await db
      .select()
      .from(receiverVerifications)
      .where(eq(receiverVerifications.receiverId, (await wallet(row.walletId)).receiverId));
    expect(v).toMatchObject({ attempts: 5, confirmedAt: null });
    expect(v!.failedAt).not.toBeNull();
    // Staff see it as locked.
    const staff = await callerFor(db, local.ctx.actor.userId, local.orgId).receivers.get({ id: v!.receiverId });
    expect(staff.verifications).toEqual([expect.objectContaining({ verification_field: "DATE_OF_BIRTH", attempts: 5, locked: true, confirmed: false })]);
  });

  it("a token for receiver A cannot register receiver B: a tampered wallet id fails the signature, and A's token only touches A", async () => {
    const local = await fixture();
    const [a, b] = [local.rows[0]!, local.rows[1]!];
    const tokenA = await tokenFor(local, a);
    await tokenFor(local, b);
    const claims = decodeRegistrationToken(tokenA)!;
    const [, nonce, exp, signature] = tokenA.split(".");
    const tampered = [b.walletId, nonce, exp, signature].join(".");
    await expectServiceError(getRegistrationContext(db, tampered), "NOT_FOUND", t("link.invalid.body"));
    await expectServiceError(sendRegistrationOtp(db, tampered), "NOT_FOUND", t("link.invalid.body"));
    // A token signed for B but carrying A's nonce is also refused (the nonce belongs to A's wallet).
    const forged = encodeRegistrationToken({ receiverWalletId: b.walletId, nonce: claims.nonce, expiresAt: claims.expiresAt });
    await expectServiceError(getRegistrationContext(db, forged), "NOT_FOUND");

    // A registers with A's token, whatever else the client sends (extra ids are ignored by the API).
    await confirmOtp(tokenA, a.walletId);
    await verifyReceiverIdentity(db, { token: tokenA, value: a.dob });
    const address = Keypair.random().publicKey();
    const caller = callerFor(db, null);
    await caller.registration.register({ token: tokenA, stellarAddress: address, receiverWalletId: b.walletId } as never);
    expect((await wallet(a.walletId)).status).toBe("REGISTERED");
    const bw = await wallet(b.walletId);
    expect(bw).toMatchObject({ status: "READY", stellarAddress: null, otpHash: null });
    // B's receiver cannot reuse A's address.
    const tokenB = await tokenFor(local, b);
    await confirmOtp(tokenB, b.walletId);
    await verifyReceiverIdentity(db, { token: tokenB, value: b.dob });
    await expectServiceError(registerReceiverWallet(db, { token: tokenB, stellarAddress: address }), "CONFLICT", t("wallet.addressTaken"));
  });

  it("success makes the wallet REGISTERED and its READY payments claimable; the used link is refused", async () => {
    const local = await fixture();
    const row = local.rows[0]!;
    const token = await tokenFor(local, row);
    await expectServiceError(registerReceiverWallet(db, { token, stellarAddress: Keypair.random().publicKey() }), "BAD_REQUEST", t("otp.confirmFirst"));
    await confirmOtp(token, row.walletId);
    await expectServiceError(registerReceiverWallet(db, { token, stellarAddress: Keypair.random().publicKey() }), "BAD_REQUEST", t("verify.confirmFirst"));
    await verifyReceiverIdentity(db, { token, value: row.dob });
    await expectServiceError(registerReceiverWallet(db, { token, stellarAddress: "GNOTANADDRESS" }), "BAD_REQUEST", t("wallet.invalidAddress"));
    await expectServiceError(
      registerReceiverWallet(db, { token, stellarAddress: Keypair.random().publicKey(), memo: "x".repeat(29) }),
      "BAD_REQUEST",
      t("wallet.invalidMemo"),
    );
    const address = Keypair.random().publicKey();
    expect(await registerReceiverWallet(db, { token, stellarAddress: address, memo: "12345" })).toEqual({ registered: true, stellarAddress: address });
    const w = await wallet(row.walletId);
    expect(w).toMatchObject({ status: "REGISTERED", stellarAddress: address, stellarMemo: "12345", registrationNonce: null, otpHash: null, otpConfirmedAt: null });
    expect(w.statusHistory.at(-1)).toMatchObject({ status: "REGISTERED", user_id: null });
    // The engine's claim condition now holds for its READY payment.
    const eligible = await db.execute<{ id: string }>(sql`
      select p.id from payments p join disbursements d on d.id = p.disbursement_id join receiver_wallets rw on rw.id = p.receiver_wallet_id
      where p.receiver_wallet_id = ${row.walletId} and p.status = 'READY' and d.status = 'STARTED' and rw.status = 'REGISTERED' and rw.stellar_address is not null`);
    expect([...eligible].map((r) => r.id)).toEqual([row.paymentId]);
    // The used link is dead for every verb.
    await expectServiceError(getRegistrationContext(db, token), "NOT_FOUND", t("link.invalid.body"));
    await expectServiceError(sendRegistrationOtp(db, token), "NOT_FOUND");
    await expectServiceError(registerReceiverWallet(db, { token, stellarAddress: Keypair.random().publicKey() }), "NOT_FOUND");
    await expectTRPCError(callerFor(db, null).registration.context({ token }), "NOT_FOUND");
  });

  it("a replaced token is refused", async () => {
    const row = fx.rows[2]!;
    const old = await tokenFor(fx, row);
    const fresh = await tokenFor(fx, row);
    await expectServiceError(getRegistrationContext(db, old), "NOT_FOUND", t("link.invalid.body"));
    expect((await getRegistrationContext(db, fresh)).contactType).toBe("PHONE_NUMBER");
    await expectServiceError(getRegistrationContext(db, "garbage"), "NOT_FOUND", t("link.invalid.body"));
  });

  it("staff unregister refuses while a payment is PENDING, then moves REGISTERED → READY; the staff link verb issues a working link", async () => {
    const local = await fixture();
    const row = local.rows[0]!;
    const owner = callerFor(db, local.ctx.actor.userId, local.orgId);
    const link = await owner.receivers.issueRegistrationLink({ receiverWalletId: row.walletId });
    const token = decodeURIComponent(link.url.split("/r/")[1]!);
    await confirmOtp(token, row.walletId);
    await verifyReceiverIdentity(db, { token, value: row.dob });
    await registerReceiverWallet(db, { token, stellarAddress: Keypair.random().publicKey() });
    await expectTRPCError(owner.receivers.issueRegistrationLink({ receiverWalletId: row.walletId }), "CONFLICT");

    await db.update(payments).set({ status: "PENDING" }).where(eq(payments.id, row.paymentId));
    const refused = await expectTRPCError(owner.receivers.unregisterWallet({ receiverWalletId: row.walletId }), "CONFLICT");
    expect(refused.message).toMatch(/payment in flight/);
    expect((await wallet(row.walletId)).status).toBe("REGISTERED");

    await db.update(payments).set({ status: "READY" }).where(eq(payments.id, row.paymentId));
    expect(await owner.receivers.unregisterWallet({ receiverWalletId: row.walletId })).toEqual({ id: row.walletId, status: "READY" });
    const w = await wallet(row.walletId);
    expect(w).toMatchObject({ status: "READY", stellarAddress: null });
    expect(w.statusHistory.at(-1)).toMatchObject({ status: "READY", user_id: local.ctx.actor.userId });
    await expectTRPCError(owner.receivers.unregisterWallet({ receiverWalletId: row.walletId }), "CONFLICT");
  });

  it("staff edit contact details with validation and uniqueness", async () => {
    const local = await fixture();
    const owner = callerFor(db, local.ctx.actor.userId, local.orgId);
    const [a, b] = [local.rows[0]!, local.rows[1]!];
    const receiverA = (await wallet(a.walletId)).receiverId;
    const phone = nextUkMobile();
    expect(await owner.receivers.updateContact({ id: receiverA, phoneNumber: phone, email: "A@Example.org", externalId: "new-ext" })).toMatchObject({
      phone_number: phone,
      email: "a@example.org",
      external_id: "new-ext",
    });
    await expectTRPCError(owner.receivers.updateContact({ id: receiverA, phoneNumber: b.phone, externalId: "x" }), "CONFLICT");
    await expectTRPCError(owner.receivers.updateContact({ id: receiverA, phoneNumber: "+1234", externalId: "x" }), "BAD_REQUEST");
    await expectTRPCError(owner.receivers.updateContact({ id: receiverA, email: "nope", externalId: "x" }), "BAD_REQUEST");
    const e = await expectTRPCError(owner.receivers.updateContact({ id: receiverA, externalId: "x" }), "BAD_REQUEST");
    expect(e).toBeInstanceOf(TRPCError);
  });
});
