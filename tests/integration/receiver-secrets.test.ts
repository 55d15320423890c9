import type { AddressInfo } from "node:net";
import { and, asc, desc, eq } from "drizzle-orm";
import { SMTPServer } from "smtp-server";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { auditEvents, messages, organizations, payments, receiverVerifications, receiverWallets } from "@/db/schema";
import { OTP_DAILY_MAX_CODES, OTP_DAILY_MAX_GUESSES } from "@/server/domain/otp-caps";
import { t } from "@/server/domain/registration-strings";
import type { Role } from "@/server/domain/roles";
import { seedDemoCatalog } from "@/server/services/catalog/seed-demo-catalog";
import type { OrgContext } from "@/server/services/context";
import { startDisbursement } from "@/server/services/disbursements/change-disbursement-status";
import { createDisbursement } from "@/server/services/disbursements/create-disbursement";
import { importInstructions } from "@/server/services/disbursements/import-instructions";
import { ServiceError } from "@/server/services/errors";
import { configureMessageTransportsFromEnv } from "@/server/services/messaging/configure-transports";
import { sendDueInvitations } from "@/server/services/messaging/send-receiver-invitations";
import { setMessageTransport, type MessageTransport, type TransportMessage } from "@/server/services/messaging/transports";
import { hashVerificationValue } from "@/server/services/receivers/verification-hash";
import { getRegistrationContext } from "@/server/services/registration/get-registration-context";
import { issueRegistrationToken } from "@/server/services/registration/registration-token";
import { sendRegistrationOtp } from "@/server/services/registration/send-registration-otp";
import { verifyReceiverIdentity } from "@/server/services/registration/verify-receiver-identity";
import { verifyRegistrationOtp } from "@/server/services/registration/verify-registration-otp";
import { callerFor, createOrgWithMembers, expectTRPCError, nextUkMobile, randomSuffix, testDb, type TestOrg } from "./helpers";

/**
 * Receivers' secrets (docs/security.md): who sees one-time codes and registration links, their
 * redaction when a real transport carried them, the daily code caps, staff unlock and edits of
 * verification values, and the re-upload rule for a locked receiver.
 */
const db = testDb();
const APP_URL = "http://app.secrets.test";
const SECOND = 1000;
const HOUR = 3600 * SECOND;

afterEach(() => setMessageTransport(undefined));

type Row = { contact: string; dob: string; walletId: string; receiverId: string };
type Fixture = { org: TestOrg; orgName: string; ctx: OrgContext; walletId: string; assetId: string; disbursementId: string; rows: Row[] };

/** An organization with every role and a STARTED disbursement (DATE_OF_BIRTH) of `count` receivers, through the real services. */
async function fixture(contactType: "PHONE_NUMBER" | "EMAIL" = "PHONE_NUMBER", count = 2): Promise<Fixture> {
  const org = await createOrgWithMembers(db);
  // No digits in the name: a code is recognised as a stand-alone run of six digits.
  const orgName = `Secrets Org ${randomSuffix().replace(/\d/g, "x")}`;
  await db.update(organizations).set({ name: orgName }).where(eq(organizations.id, org.org.id));
  const ctx: OrgContext = { db, actor: { userId: org.users.owner.id }, org: { id: org.org.id }, role: "owner" };
  const catalog = await seedDemoCatalog(db, org.org.id);
  const d = await createDisbursement(ctx, {
    name: `Secrets ${randomSuffix()}`,
    wallet_id: catalog.wallet.id,
    asset_id: catalog.xlm.id,
    registration_contact_type: contactType,
    verification_field: "DATE_OF_BIRTH",
  });
  const suffix = randomSuffix();
  const input = Array.from({ length: count }, (_, i) => ({
    contact: contactType === "EMAIL" ? `rcv-${suffix}-${i}@secrets.test` : nextUkMobile(),
    dob: `1990-0${i + 1}-1${i}`,
  }));
  const header = contactType === "EMAIL" ? "email,id,amount,verification" : "phone,id,amount,verification";
  const csv = [header, ...input.map((r, i) => `${r.contact},ext-${suffix}-${i},${i + 5},${r.dob}`)].join("\n");
  await importInstructions(ctx, { disbursementId: d.id, fileName: "secrets.csv", content: Buffer.from(csv) });
  await startDisbursement(ctx, d.id);
  const walletRows = await db
    .select({ walletId: payments.receiverWalletId, receiverId: receiverWallets.receiverId })
    .from(payments)
    .innerJoin(receiverWallets, eq(receiverWallets.id, payments.receiverWalletId))
    .where(eq(payments.disbursementId, d.id))
    .orderBy(asc(payments.lineNumber));
  const rows = input.map((r, i) => ({ ...r, walletId: walletRows[i]!.walletId, receiverId: walletRows[i]!.receiverId }));
  return { org, orgName, ctx, walletId: catalog.wallet.id, assetId: catalog.xlm.id, disbursementId: d.id, rows };
}

const tokenFor = (fx: Fixture, row: Row) => issueRegistrationToken(db, { orgId: fx.org.org.id, receiverWalletId: row.walletId });
const caller = (fx: Fixture, role: Role) => callerFor(db, fx.org.users[role].id, fx.org.org.id);
const wallet = async (id: string) => (await db.select().from(receiverWallets).where(eq(receiverWallets.id, id)))[0]!;
const verification = async (receiverId: string) => (await db.select().from(receiverVerifications).where(eq(receiverVerifications.receiverId, receiverId)))[0]!;
const later = (ms: number) => new Date(Date.now() + ms);
const wrongCode = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, "0");

/** The code of the latest OTP message of a wallet as stored (the outbox transport keeps it). */
async function storedOtp(walletId: string): Promise<string> {
  const [m] = await db
    .select({ body: messages.body })
    .from(messages)
    .where(and(eq(messages.receiverWalletId, walletId), eq(messages.type, "RECEIVER_OTP")))
    .orderBy(desc(messages.createdAt))
    .limit(1);
  const code = m?.body.match(/^(\d{6}) is your/)?.[1];
  if (!code) throw new Error(`no OTP in: ${m?.body}`);
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

const lockedMessage = (fx: Fixture) => t("otp.lockedDaily", { org: fx.orgName });

/** Lock a wallet's registration with wrong guesses over two codes (the daily guess cap). */
async function lockByGuesses(token: string, walletId: string, start = Date.now()) {
  let at = start;
  let guesses = 0;
  while (guesses < OTP_DAILY_MAX_GUESSES) {
    await sendRegistrationOtp(db, token, new Date(at));
    const code = await storedOtp(walletId);
    for (let i = 0; i < 5 && guesses < OTP_DAILY_MAX_GUESSES; i++, guesses++) {
      await verifyRegistrationOtp(db, { token, code: wrongCode(code) }, new Date(at + SECOND)).catch(() => undefined);
    }
    at += 31 * SECOND;
  }
  return at;
}

/** Lock a receiver's verification value with five wrong values (after a confirmed code). */
async function lockVerification(token: string, walletId: string) {
  await sendRegistrationOtp(db, token);
  await verifyRegistrationOtp(db, { token, code: await storedOtp(walletId) });
  for (let i = 0; i < 5; i++) await verifyReceiverIdentity(db, { token, value: "1970-01-01" }).catch(() => undefined);
}

describe("who sees one-time codes and registration links", () => {
  let fx: Fixture;
  let code: string;
  let invitationToken: string;
  beforeAll(async () => {
    fx = await fixture("PHONE_NUMBER", 2);
    // An invitation (with its registration link) and a one-time code, both kept by the outbox.
    await sendDueInvitations(db, { now: new Date(), appUrl: APP_URL, orgId: fx.org.org.id });
    const [invitation] = await db
      .select({ body: messages.body })
      .from(messages)
      .where(and(eq(messages.receiverWalletId, fx.rows[0]!.walletId), eq(messages.type, "RECEIVER_INVITATION")));
    invitationToken = /\/r\/(\S+)/.exec(invitation!.body)![1]!;
    await sendRegistrationOtp(db, await tokenFor(fx, fx.rows[1]!));
    code = await storedOtp(fx.rows[1]!.walletId);
  });

  it.each(["owner", "financial_controller"] as const)("%s reads the code and the link in the Outbox", async (role) => {
    const page = await caller(fx, role).messages.list({ page_limit: 50 });
    const otp = page.data.find((m) => m.type === "RECEIVER_OTP")!;
    expect(otp.body).toBe(`${code} is your ${fx.orgName} verification code. It expires in 5 minutes. Do not share it.`);
    expect(otp.body_masked).toBe(false);
    const invitation = page.data.find((m) => m.type === "RECEIVER_INVITATION" && m.receiver?.id === fx.rows[0]!.receiverId)!;
    expect(invitation.body).toContain(`${APP_URL}/r/${invitationToken}`);
  });

  it.each(["business", "initiator", "approver"] as const)("%s gets the bodies with the code and the link masked, never the secrets", async (role) => {
    const page = await caller(fx, role).messages.list({ page_limit: 50 });
    expect(page.data.length).toBeGreaterThanOrEqual(3);
    const otp = page.data.find((m) => m.type === "RECEIVER_OTP")!;
    expect(otp.body).toBe(`•••••• is your ${fx.orgName} verification code. It expires in 5 minutes. Do not share it.`);
    expect(otp.body_masked).toBe(true);
    const invitation = page.data.find((m) => m.type === "RECEIVER_INVITATION" && m.receiver?.id === fx.rows[0]!.receiverId)!;
    expect(invitation.body).toContain(`${APP_URL}/r/[redacted]`);
    expect(invitation.body).toContain(`from ${fx.orgName}`);
    // Nothing of the secrets reaches this role's browser, in any field.
    const everything = JSON.stringify(page);
    expect(everything).not.toContain(code);
    expect(everything).not.toContain(invitationToken);
    expect(everything).not.toContain(invitationToken.split(".")[3]!);
    // The receiver page does not carry them either.
    const receiver = await caller(fx, role).receivers.get({ id: fx.rows[1]!.receiverId });
    expect(JSON.stringify(receiver)).not.toContain(code);
  });

  it("a staff registration link is for owners and financial controllers only", async () => {
    for (const role of ["business", "initiator", "approver", "developer"] as const) {
      await expectTRPCError(caller(fx, role).receivers.issueRegistrationLink({ receiverWalletId: fx.rows[0]!.walletId }), "FORBIDDEN");
    }
    const { url } = await caller(fx, "financial_controller").receivers.issueRegistrationLink({ receiverWalletId: fx.rows[0]!.walletId });
    expect(url).toMatch(/\/r\/[^/]+$/);
  });
});

type Received = { to: string[]; raw: string };

/** A real SMTP server on loopback collecting every message. */
async function loopbackSmtp() {
  const received: Received[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        received.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString("utf8") });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.server.address() as AddressInfo).port;
  return { received, port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** The text of a plain-text email as the SMTP server received it (quoted-printable or base64 decoded). */
function textOf(raw: string): string {
  const split = raw.indexOf("\r\n\r\n");
  const headers = raw.slice(0, split);
  let body = raw.slice(split + 4);
  if (/content-transfer-encoding:\s*quoted-printable/i.test(headers)) {
    body = body.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  } else if (/content-transfer-encoding:\s*base64/i.test(headers)) {
    body = Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8");
  }
  return body;
}

/** A transport that records what it carried, named like a real one. */
function namedRecorder(name: string): MessageTransport & { sent: TransportMessage[] } {
  const sent: TransportMessage[] = [];
  return {
    name,
    sent,
    async send(message) {
      sent.push(message);
    },
  };
}

describe("a message a real transport carried is stored redacted", () => {
  let smtp: Awaited<ReturnType<typeof loopbackSmtp>>;
  beforeAll(async () => {
    smtp = await loopbackSmtp();
  });
  afterAll(async () => {
    await smtp?.close();
  });

  it("SMTP: the receiver gets the code and the link; the row keeps neither, and the code still works", async () => {
    configureMessageTransportsFromEnv({ SMTP_URL: `smtp://127.0.0.1:${smtp.port}`, SMTP_FROM: "payments@org.test" });
    const fx = await fixture("EMAIL", 1);
    const row = fx.rows[0]!;
    await sendDueInvitations(db, { now: new Date(), appUrl: APP_URL, orgId: fx.org.org.id });
    const token = await tokenFor(fx, row);
    await sendRegistrationOtp(db, token);

    const mails = smtp.received.filter((m) => m.to.includes(row.contact)).map((m) => textOf(m.raw));
    expect(mails).toHaveLength(2);
    const mailedToken = /\/r\/([A-Za-z0-9._~%-]+)/.exec(mails[0]!)?.[1];
    expect(mailedToken).toBeTruthy();
    const mailedCode = /(\d{6}) is your/.exec(mails[1]!)?.[1];
    expect(mailedCode).toMatch(/^\d{6}$/);

    const stored = await db.select().from(messages).where(eq(messages.receiverWalletId, row.walletId)).orderBy(asc(messages.createdAt));
    expect(stored.map((m) => [m.type, m.transport, m.status])).toEqual([
      ["RECEIVER_INVITATION", "smtp", "SUCCESS"],
      ["RECEIVER_OTP", "smtp", "SUCCESS"],
    ]);
    expect(stored[0]!.body).toContain(`${APP_URL}/r/[redacted]`);
    expect(stored[0]!.body).not.toContain(mailedToken!);
    expect(stored[1]!.body).toBe(`•••••• is your ${fx.orgName} verification code. It expires in 5 minutes. Do not share it.`);
    expect(JSON.stringify(stored)).not.toContain(mailedCode!);

    // What the receiver got is the real thing.
    expect(await verifyRegistrationOtp(db, { token, code: mailedCode! })).toEqual({ confirmed: true });
  });

  it("SMS (a transport named sms-http): stored redacted; the outbox keeps the full text", async () => {
    const sms = namedRecorder("sms-http");
    setMessageTransport(sms);
    const fx = await fixture("PHONE_NUMBER", 1);
    const row = fx.rows[0]!;
    await sendRegistrationOtp(db, await tokenFor(fx, row));
    const sentCode = /^(\d{6}) is your/.exec(sms.sent[0]!.body)?.[1];
    expect(sentCode).toMatch(/^\d{6}$/);
    const [m] = await db.select().from(messages).where(eq(messages.receiverWalletId, row.walletId));
    expect(m).toMatchObject({ transport: "sms-http", status: "SUCCESS" });
    expect(m!.body.startsWith("•••••• is your")).toBe(true);
    expect(m!.body).not.toContain(sentCode!);

    // The outbox is the delivery channel: its row keeps the code.
    setMessageTransport(undefined);
    await sendRegistrationOtp(db, await tokenFor(fx, row), later(31 * SECOND));
    expect(await storedOtp(row.walletId)).toMatch(/^\d{6}$/);
  });
});

describe("daily caps on one-time codes", () => {
  it(`at most ${OTP_DAILY_MAX_CODES} codes a day: asking for one more locks the registration until staff unlock it`, async () => {
    const fx = await fixture("PHONE_NUMBER", 1);
    const row = fx.rows[0]!;
    const token = await tokenFor(fx, row);
    const start = Date.now();
    for (let i = 0; i < OTP_DAILY_MAX_CODES; i++) await sendRegistrationOtp(db, token, new Date(start + i * 31 * SECOND));
    const lastCode = await storedOtp(row.walletId);
    const at = start + OTP_DAILY_MAX_CODES * 31 * SECOND;
    await expectServiceError(sendRegistrationOtp(db, token, new Date(at)), "TOO_MANY_REQUESTS", lockedMessage(fx));
    expect(lockedMessage(fx)).toBe(`Too many attempts. Contact ${fx.orgName} to unlock your registration.`);
    const w = await wallet(row.walletId);
    expect(w.otpLockedAt).not.toBeNull();
    expect(w.otpCodesToday).toBe(OTP_DAILY_MAX_CODES);
    // Locked: even the last code is refused, and a day later the lock is still there.
    await expectServiceError(verifyRegistrationOtp(db, { token, code: lastCode }, new Date(at + SECOND)), "TOO_MANY_REQUESTS", lockedMessage(fx));
    await expectServiceError(sendRegistrationOtp(db, token, new Date(at + 25 * HOUR)), "TOO_MANY_REQUESTS", lockedMessage(fx));
    expect((await db.select().from(messages).where(eq(messages.receiverWalletId, row.walletId))).length).toBe(OTP_DAILY_MAX_CODES);
    // The registration page says so at once.
    expect((await getRegistrationContext(db, token)).otp.locked).toBe(true);
  });

  it(`at most ${OTP_DAILY_MAX_GUESSES} wrong guesses a day, even across new codes; the per-code limit stays`, async () => {
    const fx = await fixture("PHONE_NUMBER", 1);
    const row = fx.rows[0]!;
    const token = await tokenFor(fx, row);
    const start = Date.now();
    // First code: five wrong guesses, then even the right code needs a new one (per-code limit).
    await sendRegistrationOtp(db, token, new Date(start));
    const first = await storedOtp(row.walletId);
    for (let i = 1; i <= 4; i++) {
      await expectServiceError(
        verifyRegistrationOtp(db, { token, code: wrongCode(first) }, new Date(start + SECOND)),
        "BAD_REQUEST",
        t("otp.wrong", { remaining: 5 - i }),
      );
    }
    await expectServiceError(verifyRegistrationOtp(db, { token, code: wrongCode(first) }, new Date(start + SECOND)), "TOO_MANY_REQUESTS", t("otp.locked"));
    // A new code resets the per-code attempts, but not the day's: five guesses are left in all.
    await sendRegistrationOtp(db, token, new Date(start + 31 * SECOND));
    const second = await storedOtp(row.walletId);
    for (let i = 1; i <= 4; i++) {
      await expectServiceError(
        verifyRegistrationOtp(db, { token, code: wrongCode(second) }, new Date(start + 32 * SECOND)),
        "BAD_REQUEST",
        t("otp.wrong", { remaining: 5 - i }),
      );
    }
    await expectServiceError(verifyRegistrationOtp(db, { token, code: wrongCode(second) }, new Date(start + 32 * SECOND)), "TOO_MANY_REQUESTS", lockedMessage(fx));
    expect(await wallet(row.walletId)).toMatchObject({ otpGuessesToday: OTP_DAILY_MAX_GUESSES, otpHash: null });
    expect((await wallet(row.walletId)).otpLockedAt).not.toBeNull();
    // No new code, and no code at all, gets through any more.
    await expectServiceError(sendRegistrationOtp(db, token, new Date(start + 63 * SECOND)), "TOO_MANY_REQUESTS", lockedMessage(fx));
    await expectServiceError(verifyRegistrationOtp(db, { token, code: second }, new Date(start + 64 * SECOND)), "TOO_MANY_REQUESTS", lockedMessage(fx));
  });

  it("the counters start over 24 hours after the day began (below the caps nothing locks)", async () => {
    const fx = await fixture("PHONE_NUMBER", 1);
    const row = fx.rows[0]!;
    const token = await tokenFor(fx, row);
    const start = Date.now();
    await sendRegistrationOtp(db, token, new Date(start));
    const code = await storedOtp(row.walletId);
    for (let i = 0; i < 4; i++) await verifyRegistrationOtp(db, { token, code: wrongCode(code) }, new Date(start + SECOND)).catch(() => undefined);
    expect(await wallet(row.walletId)).toMatchObject({ otpCodesToday: 1, otpGuessesToday: 4, otpLockedAt: null });
    await sendRegistrationOtp(db, token, new Date(start + 24 * HOUR + SECOND));
    expect(await wallet(row.walletId)).toMatchObject({ otpCodesToday: 1, otpGuessesToday: 0, otpLockedAt: null });
  });
});

describe("staff unlock and verification values", () => {
  it("receivers:write unlocks a code lock with an audit row; the receiver can then verify; roles without it are refused", async () => {
    const fx = await fixture("PHONE_NUMBER", 1);
    const row = fx.rows[0]!;
    const token = await tokenFor(fx, row);
    await lockByGuesses(token, row.walletId);
    const before = await caller(fx, "business").receivers.get({ id: row.receiverId });
    expect(before.registration_locked).toBe(true);
    expect(before.wallets[0]).toMatchObject({ otp_locked: true });

    for (const role of ["business", "developer"] as const) {
      await expectTRPCError(caller(fx, role).receivers.unlock({ id: row.receiverId }), "FORBIDDEN");
    }
    // Another organization's staff cannot reach it.
    const other = await createOrgWithMembers(db, ["owner"]);
    await expectTRPCError(callerFor(db, other.users.owner.id, other.org.id).receivers.unlock({ id: row.receiverId }), "NOT_FOUND");
    expect((await wallet(row.walletId)).otpLockedAt).not.toBeNull();

    const result = await caller(fx, "initiator").receivers.unlock({ id: row.receiverId });
    expect(result).toEqual({ id: row.receiverId, unlocked_wallets: 1, unlocked_verifications: [] });
    expect(await wallet(row.walletId)).toMatchObject({ otpLockedAt: null, otpCodesToday: 0, otpGuessesToday: 0, otpAttempts: 0, otpDayStartedAt: null });
    const audit = await db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.orgId, fx.org.org.id), eq(auditEvents.action, "receiver.unlocked")));
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      actorUserId: fx.org.users.initiator.id,
      targetId: row.receiverId,
      details: { receiver_wallet_ids: [row.walletId], verification_fields: [] },
    });
    expect((await caller(fx, "owner").receivers.get({ id: row.receiverId })).registration_locked).toBe(false);

    // The receiver asks for a code again and confirms it.
    await sendRegistrationOtp(db, token, later(5 * 60 * SECOND));
    expect(await verifyRegistrationOtp(db, { token, code: await storedOtp(row.walletId) }, later(5 * 60 * SECOND + SECOND))).toEqual({ confirmed: true });
    // Nothing left to unlock.
    const again = await expectTRPCError(caller(fx, "owner").receivers.unlock({ id: row.receiverId }), "CONFLICT");
    expect(again.message).toBe("This receiver's registration is not locked.");
  });

  it("unlocking clears a verification-value lock: the right value then verifies", async () => {
    const fx = await fixture("PHONE_NUMBER", 1);
    const row = fx.rows[0]!;
    const token = await tokenFor(fx, row);
    await lockVerification(token, row.walletId);
    expect(await verification(row.receiverId)).toMatchObject({ attempts: 5, confirmedAt: null });
    await expectServiceError(verifyReceiverIdentity(db, { token, value: row.dob }), "TOO_MANY_REQUESTS", /Verification is locked/);
    expect((await caller(fx, "approver").receivers.get({ id: row.receiverId })).registration_locked).toBe(true);

    expect(await caller(fx, "approver").receivers.unlock({ id: row.receiverId })).toEqual({
      id: row.receiverId,
      unlocked_wallets: 0,
      unlocked_verifications: ["DATE_OF_BIRTH"],
    });
    expect(await verification(row.receiverId)).toMatchObject({ attempts: 0, failedAt: null, confirmedAt: null });
    expect(await verifyReceiverIdentity(db, { token, value: row.dob })).toEqual({ verified: true });
  });

  it("staff replace a verification value: checked, stored hashed, attempts and lock start over; the audit row never holds the value", async () => {
    const fx = await fixture("PHONE_NUMBER", 1);
    const row = fx.rows[0]!;
    const token = await tokenFor(fx, row);
    await lockVerification(token, row.walletId);
    const owner = caller(fx, "owner");
    await expectTRPCError(caller(fx, "business").receivers.setVerification({ id: row.receiverId, verificationField: "DATE_OF_BIRTH", value: "1985-05-05" }), "FORBIDDEN");
    const invalid = await expectTRPCError(
      owner.receivers.setVerification({ id: row.receiverId, verificationField: "DATE_OF_BIRTH", value: "05/05/1985" }),
      "BAD_REQUEST",
    );
    expect(invalid.message).toMatch(/^The verification value is not valid: invalid date of birth format/);
    await expectTRPCError(owner.receivers.setVerification({ id: row.receiverId, verificationField: "DATE_OF_BIRTH", value: "2999-01-01" }), "BAD_REQUEST");

    expect(await owner.receivers.setVerification({ id: row.receiverId, verificationField: "DATE_OF_BIRTH", value: " 1985-05-05 " })).toEqual({
      id: row.receiverId,
      verification_field: "DATE_OF_BIRTH",
      confirmed: false,
      locked: false,
    });
    const v = await verification(row.receiverId);
    expect(v).toMatchObject({ attempts: 0, failedAt: null, confirmedAt: null, hashedValue: hashVerificationValue("DATE_OF_BIRTH", "1985-05-05") });
    const [audit] = await db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.orgId, fx.org.org.id), eq(auditEvents.action, "receiver.verification_updated")));
    expect(audit).toMatchObject({
      actorUserId: fx.org.users.owner.id,
      targetId: row.receiverId,
      details: { verification_field: "DATE_OF_BIRTH", replaced: true, was_confirmed: false, was_locked: true },
    });
    const auditText = JSON.stringify(audit);
    expect(auditText).not.toContain("1985-05-05");
    expect(auditText).not.toContain(v.hashedValue);

    // The old value no longer matches; the new one does.
    await expectServiceError(verifyReceiverIdentity(db, { token, value: row.dob }), "BAD_REQUEST", t("verify.wrong", { remaining: 4 }));
    expect(await verifyReceiverIdentity(db, { token, value: "1985-05-05" })).toEqual({ verified: true });
  });
});

describe("re-upload rule for a locked receiver", () => {
  /** A new DRAFT disbursement of the same organization with these rows (same receivers by phone). */
  async function reupload(fx: Fixture, rows: { contact: string; dob: string }[]) {
    const d = await createDisbursement(fx.ctx, {
      name: `Again ${randomSuffix()}`,
      wallet_id: fx.walletId,
      asset_id: fx.assetId,
      registration_contact_type: "PHONE_NUMBER",
      verification_field: "DATE_OF_BIRTH",
    });
    const csv = ["phone,id,amount,verification", ...rows.map((r, i) => `${r.contact},again-${i},1,${r.dob}`)].join("\n");
    return importInstructions(fx.ctx, { disbursementId: d.id, fileName: "again.csv", content: Buffer.from(csv) });
  }

  it("a NEW value for a locked, unconfirmed receiver replaces the stored one and clears the lock; the same value keeps the lock", async () => {
    const fx = await fixture("PHONE_NUMBER", 1);
    const row = fx.rows[0]!;
    const token = await tokenFor(fx, row);
    await lockVerification(token, row.walletId);
    const locked = await verification(row.receiverId);
    expect(locked.failedAt).not.toBeNull();

    // Same value again: nothing to correct, the lock stays.
    await reupload(fx, [{ contact: row.contact, dob: row.dob }]);
    expect(await verification(row.receiverId)).toMatchObject({ attempts: 5, failedAt: locked.failedAt, hashedValue: locked.hashedValue });

    await reupload(fx, [{ contact: row.contact, dob: "1988-08-08" }]);
    expect(await verification(row.receiverId)).toMatchObject({
      attempts: 0,
      failedAt: null,
      confirmedAt: null,
      hashedValue: hashVerificationValue("DATE_OF_BIRTH", "1988-08-08"),
    });
    expect(await verifyReceiverIdentity(db, { token, value: "1988-08-08" })).toEqual({ verified: true });
  });

  it("a confirmed receiver keeps its value: a different one is refused naming the line", async () => {
    const fx = await fixture("PHONE_NUMBER", 1);
    const row = fx.rows[0]!;
    const token = await tokenFor(fx, row);
    await sendRegistrationOtp(db, token);
    await verifyRegistrationOtp(db, { token, code: await storedOtp(row.walletId) });
    await verifyReceiverIdentity(db, { token, value: row.dob });
    const confirmed = await verification(row.receiverId);
    await expect(reupload(fx, [{ contact: row.contact, dob: "1988-08-08" }])).rejects.toThrow(/could not parse csv file/);
    expect(await verification(row.receiverId)).toMatchObject({ hashedValue: confirmed.hashedValue, confirmedAt: confirmed.confirmedAt });
  });
});
