import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { and, eq, inArray, sql } from "drizzle-orm";
import { SMTPServer } from "smtp-server";
import { afterAll, afterEach, beforeAll, describe, expect, it, inject } from "vitest";
import { createDb } from "@/db/client";
import { messages, organizations, receivers, receiverWallets } from "@/db/schema";
import type { OrgContext } from "@/server/services/context";
import { createDisbursement } from "@/server/services/disbursements/create-disbursement";
import { startDisbursement } from "@/server/services/disbursements/change-disbursement-status";
import { importInstructions } from "@/server/services/disbursements/import-instructions";
import { configureMessageTransportsFromEnv, transportsFromEnv } from "@/server/services/messaging/configure-transports";
import { deliverMessage } from "@/server/services/messaging/send-message";
import { sendDueInvitations } from "@/server/services/messaging/send-receiver-invitations";
import { outboxTransport, setMessageTransport, type MessageTransport, type TransportMessage } from "@/server/services/messaging/transports";
import { seedDemoCatalog } from "@/server/services/catalog/seed-demo-catalog";
import { resolveRegistrationToken } from "@/server/services/registration/registration-token";
import { sep10SigningKeypair, sepConfig } from "@/server/services/sep/config";
import { splitSignedDeepLink } from "@/server/services/sep/deep-link";
import { callerFor, createOrgWithMembers, expectTRPCError, nextUkMobile, randomSuffix, testDb, type TestOrg, type TestUser } from "./helpers";
import { sleep } from "../support/wait";

const db = testDb();
const APP_URL = "http://app.invitations.test";
const HOUR = 3600_000;

afterEach(() => setMessageTransport(undefined));

/** A recording transport (the outbox, remembering what it carried). */
function recorder(options: { delayMs?: number } = {}): MessageTransport & { sent: TransportMessage[] } {
  const sent: TransportMessage[] = [];
  return {
    name: "outbox",
    sent,
    async send(message) {
      if (options.delayMs) await sleep(options.delayMs);
      sent.push(message);
      await outboxTransport.send(message);
    },
  };
}

type Setup = {
  org: { org: TestOrg["org"]; users: Record<"owner" | "financial_controller", TestUser> };
  ctx: OrgContext;
  disbursementId: string;
  contacts: string[];
  walletIds: string[];
};

/**
 * An organization (owner + financial controller) with a started disbursement of `count` receivers,
 * invited by EMAIL or PHONE_NUMBER; organization settings applied before it starts.
 */
async function startedDisbursement(
  contactType: "EMAIL" | "PHONE_NUMBER",
  count: number,
  settings: Partial<typeof organizations.$inferInsert> = {},
  options: { start?: boolean } = {},
): Promise<Setup> {
  const org = await createOrgWithMembers(db, ["owner", "financial_controller"]);
  if (Object.keys(settings).length) await db.update(organizations).set(settings).where(eq(organizations.id, org.org.id));
  const ctx: OrgContext = { db, actor: { userId: org.users.owner.id }, org: { id: org.org.id }, role: "owner" };
  const catalog = await seedDemoCatalog(db, org.org.id);
  const suffix = randomSuffix();
  const d = await createDisbursement(ctx, {
    name: `Invite ${suffix}`,
    wallet_id: catalog.wallet.id,
    asset_id: catalog.usdc.id,
    registration_contact_type: contactType,
    verification_field: "DATE_OF_BIRTH",
  });
  const contacts = Array.from({ length: count }, (_, i) => (contactType === "EMAIL" ? `rcv-${suffix}-${i}@invite.test` : nextUkMobile()));
  const header = contactType === "EMAIL" ? "email,id,amount,verification" : "phone,id,amount,verification";
  const csv = [header, ...contacts.map((c, i) => `${c},id-${suffix}-${i},${i + 1},1990-01-0${(i % 9) + 1}`)].join("\n");
  await importInstructions(ctx, { disbursementId: d.id, fileName: "invite.csv", content: Buffer.from(csv) });
  if (options.start !== false) {
    // The approver-free owner starts it (approval off): receiver wallets DRAFT → READY.
    await startDisbursement({ ...ctx, actor: { userId: org.users.financial_controller.id }, role: "financial_controller" }, d.id);
  }
  const rows = await db
    .select({ id: receiverWallets.id, email: receivers.email, phone: receivers.phoneNumber })
    .from(receiverWallets)
    .innerJoin(receivers, eq(receivers.id, receiverWallets.receiverId))
    .where(eq(receiverWallets.orgId, org.org.id));
  const byContact = new Map(rows.map((r) => [(contactType === "EMAIL" ? r.email : r.phone) ?? "", r.id]));
  return { org, ctx, disbursementId: d.id, contacts, walletIds: contacts.map((c) => byContact.get(c)!) };
}

/** The body of a plain-text email as the SMTP server received it (quoted-printable or base64 decoded). */
function textBodyOf(raw: string): { headers: string; body: string } {
  const split = raw.indexOf("\r\n\r\n");
  const headers = raw.slice(0, split);
  let body = raw.slice(split + 4);
  const encoding = /^content-transfer-encoding:\s*(\S+)/im.exec(headers)?.[1]?.toLowerCase();
  if (encoding === "quoted-printable") {
    body = body.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  } else if (encoding === "base64") {
    body = Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8");
  }
  return { headers, body: body.replace(/\r\n/g, "\n") };
}

const LINK = new RegExp(`${APP_URL.replace(/[.]/g, "\\.")}/r/([^\\s]+)`);

function tokenIn(text: string): string {
  const match = LINK.exec(text);
  expect(match, `no registration link in: ${text}`).not.toBeNull();
  return decodeURIComponent(match![1]!.replace(/[.,;]$/, ""));
}

type Received = { from: string; to: string[]; raw: string; user: string | null };

/** A real SMTP server on loopback collecting every message (AUTH optional, plain connection). */
async function loopbackSmtp(options: { rejectRecipients?: boolean } = {}) {
  const received: Received[] = [];
  const server = new SMTPServer({
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onAuth(auth, _session, callback) {
      callback(null, { user: auth.username ?? "anonymous" });
    },
    onRcptTo(address, _session, callback) {
      if (options.rejectRecipients) {
        const error = new Error("mailbox unavailable") as Error & { responseCode: number };
        error.responseCode = 550;
        return callback(error);
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString("utf8"),
          user: (session.user as string | undefined) ?? null,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.server.address() as AddressInfo).port;
  return { received, port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

type SmsRequest = { method: string; url: string; authorization: string; contentType: string; form: URLSearchParams };

/** A Twilio-compatible SMS API on loopback: records each request, answers 201 (or `status`). */
async function loopbackSmsApi(status = 201) {
  const requests: SmsRequest[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      requests.push({
        method: req.method ?? "",
        url: req.url ?? "",
        authorization: req.headers.authorization ?? "",
        contentType: req.headers["content-type"] ?? "",
        form: new URLSearchParams(Buffer.concat(chunks).toString("utf8")),
      });
      res.writeHead(status, { "content-type": "application/json" });
      res.end(status < 300 ? JSON.stringify({ sid: `SM${randomSuffix()}`, status: "queued" }) : JSON.stringify({ code: 21211, message: "Invalid 'To' Phone Number" }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return { requests, url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

async function walletRow(id: string) {
  const [row] = await db.select().from(receiverWallets).where(eq(receiverWallets.id, id));
  return row!;
}

async function messagesOf(orgId: string) {
  return db.select().from(messages).where(eq(messages.orgId, orgId)).orderBy(messages.createdAt);
}

describe("invitations over real transports", () => {
  let smtp: Awaited<ReturnType<typeof loopbackSmtp>>;
  let sms: Awaited<ReturnType<typeof loopbackSmsApi>>;
  beforeAll(async () => {
    smtp = await loopbackSmtp();
    sms = await loopbackSmsApi();
  });
  afterAll(async () => {
    await smtp?.close();
    await sms?.close();
  });

  const env = () => ({
    SMTP_URL: `smtp://mailer:secret@127.0.0.1:${smtp.port}`,
    SMTP_FROM: "Payments <payments@org.test>",
    SMS_API_URL: sms.url,
    SMS_ACCOUNT_SID: "AC0123456789",
    SMS_AUTH_TOKEN: "tok-secret",
    SMS_FROM: "+15005550006",
  });

  it("an email invitation arrives at the loopback SMTP server with the right link", async () => {
    const chosen = configureMessageTransportsFromEnv(env());
    expect(chosen).toMatchObject({ email: "smtp", sms: "sms-http" });
    const s = await startedDisbursement("EMAIL", 1);
    const now = new Date();
    const run = await sendDueInvitations(db, { now, appUrl: APP_URL, orgId: s.org.org.id });
    expect(run).toMatchObject({ sent: 1, failed: 0 });

    const mail = smtp.received.filter((m) => m.to.includes(s.contacts[0]!));
    expect(mail).toHaveLength(1);
    expect(mail[0]!.from).toBe("payments@org.test");
    expect(mail[0]!.user).toBe("mailer");
    const { headers, body } = textBodyOf(mail[0]!.raw);
    expect(headers).toMatch(new RegExp(`^subject: A payment is waiting for you from ${s.org.org.name}`, "im"));
    expect(body).toContain(`You have a payment waiting for you from ${s.org.org.name}.`);
    const token = tokenIn(body);
    const wallet = await resolveRegistrationToken(db, token);
    expect(wallet?.id).toBe(s.walletIds[0]);

    const [logged] = await messagesOf(s.org.org.id);
    expect(logged).toMatchObject({
      type: "RECEIVER_INVITATION",
      channel: "EMAIL",
      transport: "smtp",
      destination: s.contacts[0],
      status: "SUCCESS",
      attempts: 1,
      lastError: null,
      receiverWalletId: s.walletIds[0],
      disbursementId: s.disbursementId,
    });
    expect(await walletRow(s.walletIds[0]!)).toMatchObject({ invitationsSent: 1, lastInvitationAt: now });
  });

  it("an SMS invitation reaches the loopback Twilio-compatible API with auth, To and the link", async () => {
    configureMessageTransportsFromEnv(env());
    const s = await startedDisbursement("PHONE_NUMBER", 2);
    const before = sms.requests.length;
    const run = await sendDueInvitations(db, { appUrl: APP_URL, orgId: s.org.org.id });
    expect(run).toMatchObject({ sent: 2, failed: 0 });
    const requests = sms.requests.slice(before);
    expect(requests).toHaveLength(2);
    for (const r of requests) {
      expect(r.method).toBe("POST");
      expect(r.url).toBe("/2010-04-01/Accounts/AC0123456789/Messages.json");
      expect(r.authorization).toBe(`Basic ${Buffer.from("AC0123456789:tok-secret").toString("base64")}`);
      expect(r.contentType).toMatch(/^application\/x-www-form-urlencoded/);
      expect(r.form.get("From")).toBe("+15005550006");
    }
    for (const [i, phone] of s.contacts.entries()) {
      const r = requests.find((x) => x.form.get("To") === phone);
      expect(r, `no SMS to ${phone}`).toBeDefined();
      const wallet = await resolveRegistrationToken(db, tokenIn(r!.form.get("Body")!));
      expect(wallet?.id).toBe(s.walletIds[i]);
    }
    const logged = await messagesOf(s.org.org.id);
    expect(logged.map((m) => [m.channel, m.transport, m.status])).toEqual([
      ["SMS", "sms-http", "SUCCESS"],
      ["SMS", "sms-http", "SUCCESS"],
    ]);
  });

  it("a refused SMS logs FAILURE with the API's error", async () => {
    const refusing = await loopbackSmsApi(400);
    try {
      configureMessageTransportsFromEnv({ ...env(), SMS_API_URL: refusing.url });
      const s = await startedDisbursement("PHONE_NUMBER", 1);
      expect(await sendDueInvitations(db, { appUrl: APP_URL, orgId: s.org.org.id })).toMatchObject({ sent: 0, failed: 1 });
      const [logged] = await messagesOf(s.org.org.id);
      expect(logged).toMatchObject({ status: "FAILURE", attempts: 1, transport: "sms-http" });
      expect(logged!.lastError).toMatch(/SMS API answered 400: Invalid 'To' Phone Number \(code 21211\)/);
    } finally {
      await refusing.close();
    }
  });

  it("a failed SMTP delivery logs FAILURE with last_error and attempts; a retry counts another attempt", async () => {
    const refusing = await loopbackSmtp({ rejectRecipients: true });
    try {
      configureMessageTransportsFromEnv({ ...env(), SMTP_URL: `smtp://127.0.0.1:${refusing.port}` });
      const s = await startedDisbursement("EMAIL", 1);
      const now = new Date();
      expect(await sendDueInvitations(db, { now, appUrl: APP_URL, orgId: s.org.org.id })).toMatchObject({ sent: 0, failed: 1 });
      expect(refusing.received).toEqual([]);
      const [logged] = await messagesOf(s.org.org.id);
      expect(logged).toMatchObject({ status: "FAILURE", attempts: 1, transport: "smtp", sentAt: null });
      expect(logged!.lastError).toMatch(/550/);
      expect(logged!.lastError).toMatch(/mailbox unavailable/);
      // Counted as an invitation: the next try waits for the resend interval.
      expect(await walletRow(s.walletIds[0]!)).toMatchObject({ invitationsSent: 1 });
      expect(await sendDueInvitations(db, { now, appUrl: APP_URL, orgId: s.org.org.id })).toMatchObject({ sent: 0, failed: 0 });

      // Delivering the logged message again, now to the working server.
      configureMessageTransportsFromEnv(env());
      expect(await deliverMessage(db, logged!.id)).toMatchObject({ status: "SUCCESS", error: null });
      const [again] = await messagesOf(s.org.org.id);
      expect(again).toMatchObject({ status: "SUCCESS", attempts: 2, lastError: null });
      expect(smtp.received.filter((m) => m.to.includes(s.contacts[0]!))).toHaveLength(1);
    } finally {
      await refusing.close();
    }
  });

  it("an unreachable SMTP server is a FAILURE, not a crash", async () => {
    const closed = await loopbackSmtp();
    await closed.close();
    configureMessageTransportsFromEnv({ ...env(), SMTP_URL: `smtp://127.0.0.1:${closed.port}` });
    const s = await startedDisbursement("EMAIL", 1);
    expect(await sendDueInvitations(db, { appUrl: APP_URL, orgId: s.org.org.id })).toMatchObject({ failed: 1 });
    const [logged] = await messagesOf(s.org.org.id);
    expect(logged).toMatchObject({ status: "FAILURE", attempts: 1 });
    expect(logged!.lastError).toMatch(/ECONNREFUSED|connect/i);
  });
});

describe("transport choice from the environment", () => {
  it("outbox by default and when forced; SMTP and SMS per channel when configured", () => {
    expect(transportsFromEnv({})).toMatchObject({ email: "outbox", sms: "outbox" });
    expect(transportsFromEnv({ MESSAGE_TRANSPORT: "outbox", SMTP_URL: "smtp://127.0.0.1:2525", SMS_API_URL: "http://127.0.0.1:1" })).toMatchObject({
      email: "outbox",
      sms: "outbox",
    });
    const emailOnly = transportsFromEnv({ SMTP_URL: "smtp://127.0.0.1:2525" });
    expect(emailOnly).toMatchObject({ email: "smtp", sms: "outbox" });
    expect(emailOnly.transport.nameFor?.("SMS")).toBe("outbox");
    expect(() => transportsFromEnv({ SMTP_URL: "http://mail" })).toThrow(/SMTP_URL must look like/);
    expect(() => transportsFromEnv({ SMS_API_URL: "http://sms" })).toThrow(/SMS_ACCOUNT_SID, SMS_AUTH_TOKEN, SMS_FROM are missing/);
    expect(() => transportsFromEnv({ MESSAGE_TRANSPORT: "carrier-pigeon" })).toThrow(/MESSAGE_TRANSPORT/);
  });
});

describe("the resend schedule", () => {
  it("sends exactly when due: first, then every interval, and stops after the maximum resends", async () => {
    const transport = recorder();
    setMessageTransport(transport);
    const s = await startedDisbursement("PHONE_NUMBER", 2, { invitationResendIntervalHours: 2, invitationMaxResends: 2 });
    const orgId = s.org.org.id;
    const t0 = new Date("2030-01-01T08:00:00Z");
    const at = (ms: number) => new Date(t0.getTime() + ms);
    const run = (now: Date) => sendDueInvitations(db, { now, appUrl: APP_URL, orgId });

    expect((await run(t0)).sent).toBe(2);
    const firstTokens = transport.sent.map((m) => tokenIn(m.body));
    expect((await run(t0)).sent).toBe(0);
    expect((await run(at(2 * HOUR - 1000))).sent).toBe(0);
    expect((await run(at(2 * HOUR))).sent).toBe(2);
    // A resend carries a new link; the previous one stops working.
    for (const token of firstTokens) expect(await resolveRegistrationToken(db, token, { now: at(2 * HOUR) })).toBeNull();
    const secondTokens = transport.sent.slice(2).map((m) => tokenIn(m.body));
    for (const token of secondTokens) expect(await resolveRegistrationToken(db, token, { now: at(2 * HOUR) })).not.toBeNull();

    expect((await run(at(2 * HOUR + 1000))).sent).toBe(0);
    expect((await run(at(4 * HOUR - 1000))).sent).toBe(0);
    expect((await run(at(4 * HOUR))).sent).toBe(2);
    // 1 first + 2 resends: nothing more, however long we wait.
    expect((await run(at(6 * HOUR))).sent).toBe(0);
    expect((await run(at(1000 * HOUR))).sent).toBe(0);

    expect(transport.sent).toHaveLength(6);
    for (const id of s.walletIds) expect(await walletRow(id)).toMatchObject({ invitationsSent: 3, lastInvitationAt: at(4 * HOUR) });
    const logged = await messagesOf(orgId);
    expect(logged).toHaveLength(6);
    expect(new Set(logged.map((m) => m.status))).toEqual(new Set(["SUCCESS"]));
    expect(logged.filter((m) => m.destination === s.contacts[0])).toHaveLength(3);
  });

  it("max resends 0 sends only the first invitation", async () => {
    setMessageTransport(recorder());
    const s = await startedDisbursement("EMAIL", 1, { invitationResendIntervalHours: 1, invitationMaxResends: 0 });
    const t0 = new Date("2030-02-01T00:00:00Z");
    expect((await sendDueInvitations(db, { now: t0, appUrl: APP_URL, orgId: s.org.org.id })).sent).toBe(1);
    expect((await sendDueInvitations(db, { now: new Date(t0.getTime() + 5 * HOUR), appUrl: APP_URL, orgId: s.org.org.id })).sent).toBe(0);
  });

  it("sends nothing while invitations are off, and resumes when they are turned on", async () => {
    const transport = recorder();
    setMessageTransport(transport);
    const s = await startedDisbursement("PHONE_NUMBER", 1, { invitationsEnabled: false });
    const now = new Date();
    expect(await sendDueInvitations(db, { now, appUrl: APP_URL, orgId: s.org.org.id })).toMatchObject({ sent: 0, failed: 0 });
    expect(await messagesOf(s.org.org.id)).toEqual([]);
    const updated = await callerFor(db, s.org.users.owner.id, s.org.org.id).organization.update({ invitationsEnabled: true });
    expect(updated).toMatchObject({ invitationsEnabled: true, invitationResendIntervalHours: 72, invitationMaxResends: 3 });
    expect((await sendDueInvitations(db, { now, appUrl: APP_URL, orgId: s.org.org.id })).sent).toBe(1);
  });

  it("invites only READY wallets of started EMAIL/PHONE_NUMBER disbursements", async () => {
    setMessageTransport(recorder());
    // Not started: wallets are DRAFT.
    const notStarted = await startedDisbursement("PHONE_NUMBER", 1, {}, { start: false });
    expect((await sendDueInvitations(db, { appUrl: APP_URL, orgId: notStarted.org.org.id })).sent).toBe(0);
    // Registered or flagged wallets are not invited; paused disbursements do not invite.
    const s = await startedDisbursement("PHONE_NUMBER", 3);
    await db.update(receiverWallets).set({ status: "REGISTERED" }).where(eq(receiverWallets.id, s.walletIds[0]!));
    await db.update(receiverWallets).set({ status: "FLAGGED" }).where(eq(receiverWallets.id, s.walletIds[1]!));
    const run = await sendDueInvitations(db, { appUrl: APP_URL, orgId: s.org.org.id });
    expect(run.sent).toBe(1);
    expect((await messagesOf(s.org.org.id)).map((m) => m.receiverWalletId)).toEqual([s.walletIds[2]]);
    const paused = await startedDisbursement("EMAIL", 1);
    await db.execute(sql`update disbursements set status = 'PAUSED' where id = ${paused.disbursementId}`);
    expect((await sendDueInvitations(db, { appUrl: APP_URL, orgId: paused.org.org.id })).sent).toBe(0);
  });

  it("the organization's template and the disbursement's own template are used", async () => {
    const transport = recorder();
    setMessageTransport(transport);
    const s = await startedDisbursement("PHONE_NUMBER", 1, { invitationMessageTemplate: "Hello from {{.OrganizationName}}: {{.RegistrationLink}} !" });
    await sendDueInvitations(db, { appUrl: APP_URL, orgId: s.org.org.id });
    expect(transport.sent[0]!.body).toMatch(new RegExp(`^Hello from ${s.org.org.name}: ${APP_URL.replace(/[.]/g, "\\.")}/r/\\S+ !$`));
    const t = await startedDisbursement("PHONE_NUMBER", 1, { invitationMessageTemplate: "Org text {{.RegistrationLink}}" });
    await db.execute(sql`update disbursements set receiver_registration_message_template = 'Disbursement text for {{.OrganizationName}}' where id = ${t.disbursementId}`);
    await sendDueInvitations(db, { appUrl: APP_URL, orgId: t.org.org.id });
    // The link is appended when the template lacks it.
    expect(transport.sent[1]!.body).toMatch(new RegExp(`^Disbursement text for ${t.org.org.name} ${APP_URL.replace(/[.]/g, "\\.")}/r/\\S+$`));
  });

  it("a wallet with its own app gets SDP's signed deep link instead of the registration page", async () => {
    const transport = recorder();
    setMessageTransport(transport);
    const s = await startedDisbursement("PHONE_NUMBER", 1);
    await db.execute(
      sql`update wallets set deep_link_schema = 'https://wallet.example/sdp' where id = (select wallet_id from receiver_wallets where id = ${s.walletIds[0]!})`,
    );
    await sendDueInvitations(db, { appUrl: APP_URL, orgId: s.org.org.id });
    const link = /(https:\/\/wallet\.example\/sdp\?\S+)/.exec(transport.sent[0]!.body)?.[1];
    expect(link, transport.sent[0]!.body).toBeDefined();
    const url = new URL(link!);
    expect(url.searchParams.get("asset")).toMatch(/^USDC-G[A-Z2-7]{55}$/);
    expect(url.searchParams.get("domain")).toBe(sepConfig().homeDomain);
    expect(url.searchParams.get("name")).toBe(s.org.org.name);
    const signed = splitSignedDeepLink(link!);
    expect(signed).not.toBeNull();
    expect(sep10SigningKeypair().verify(Buffer.from(signed!.unsigned, "utf8"), signed!.signature)).toBe(true);
    expect(transport.sent[0]!.body).not.toContain(`${APP_URL}/r/`);
  });

  it("two concurrent schedulers never double-send", async () => {
    const second = createDb(inject("databaseUrl"), { max: 4 });
    try {
      const transport = recorder({ delayMs: 15 });
      setMessageTransport(transport);
      const s = await startedDisbursement("PHONE_NUMBER", 8, { invitationResendIntervalHours: 1, invitationMaxResends: 1 });
      const t0 = new Date("2030-03-01T00:00:00Z");
      const opts = { now: t0, appUrl: APP_URL, orgId: s.org.org.id };
      const runs = await Promise.all([
        sendDueInvitations(db, opts),
        sendDueInvitations(second.db, opts),
        sendDueInvitations(db, opts),
        sendDueInvitations(second.db, opts),
      ]);
      expect(runs.reduce((n, r) => n + r.sent, 0)).toBe(8);
      expect(transport.sent).toHaveLength(8);
      expect(new Set(transport.sent.map((m) => m.destination)).size).toBe(8);
      // And again at the resend time: exactly one resend each.
      const later = { ...opts, now: new Date(t0.getTime() + HOUR) };
      const resends = await Promise.all([sendDueInvitations(db, later), sendDueInvitations(second.db, later), sendDueInvitations(second.db, later)]);
      expect(resends.reduce((n, r) => n + r.sent, 0)).toBe(8);
      const rows = await db.select({ n: receiverWallets.invitationsSent }).from(receiverWallets).where(inArray(receiverWallets.id, s.walletIds));
      expect(rows.map((r) => r.n)).toEqual(Array(8).fill(2));
      expect(await messagesOf(s.org.org.id)).toHaveLength(16);
    } finally {
      await second.sql.end({ timeout: 5 });
    }
  });
});

describe("staff: resend and the message views", () => {
  it("resends at once for a READY wallet (ignoring the schedule), refuses other wallets and other organizations", async () => {
    const transport = recorder();
    setMessageTransport(transport);
    const s = await startedDisbursement("PHONE_NUMBER", 2, { invitationsEnabled: false });
    const owner = callerFor(db, s.org.users.owner.id, s.org.org.id);
    const result = await owner.receivers.resendInvitation({ receiverWalletId: s.walletIds[0]! });
    expect(result).toMatchObject({ receiver_wallet_id: s.walletIds[0], status: "SUCCESS", error: null });
    const again = await owner.receivers.resendInvitation({ receiverWalletId: s.walletIds[0]! });
    expect(again.status).toBe("SUCCESS");
    expect(transport.sent.map((m) => m.destination)).toEqual([s.contacts[0], s.contacts[0]]);
    expect(await walletRow(s.walletIds[0]!)).toMatchObject({ invitationsSent: 2 });
    const audit = await db.execute<{ action: string }>(sql`select action from audit_events where org_id = ${s.org.org.id} and action = 'receiver.invitation_resent'`);
    expect([...audit]).toHaveLength(2);

    await db.update(receiverWallets).set({ status: "REGISTERED" }).where(eq(receiverWallets.id, s.walletIds[1]!));
    const refused = await expectTRPCError(owner.receivers.resendInvitation({ receiverWalletId: s.walletIds[1]! }), "BAD_REQUEST");
    expect(refused.message).toMatch(/READY/);

    const other = await createOrgWithMembers(db, ["owner"]);
    const stranger = callerFor(db, other.users.owner.id, other.org.id);
    const error = await expectTRPCError(stranger.receivers.resendInvitation({ receiverWalletId: s.walletIds[0]! }), "NOT_FOUND");
    expect(error.message).toBe("The receiver wallet was not found.");
    expect(transport.sent).toHaveLength(2);
  });

  it("receivers.get lists the receiver's messages without their body; messages.list shows outbox bodies newest first", async () => {
    setMessageTransport(recorder());
    const s = await startedDisbursement("PHONE_NUMBER", 3);
    const t0 = new Date("2030-04-01T00:00:00Z");
    await sendDueInvitations(db, { now: t0, appUrl: APP_URL, orgId: s.org.org.id });
    const owner = callerFor(db, s.org.users.owner.id, s.org.org.id);
    const [rw] = await db.select({ receiverId: receiverWallets.receiverId }).from(receiverWallets).where(eq(receiverWallets.id, s.walletIds[0]!));
    const receiver = await owner.receivers.get({ id: rw!.receiverId });
    expect(receiver.messages).toHaveLength(1);
    expect(receiver.messages[0]).toEqual({
      id: expect.any(String),
      type: "RECEIVER_INVITATION",
      channel: "SMS",
      destination: s.contacts[0],
      status: "SUCCESS",
      attempts: 1,
      last_error: null,
      receiver_wallet_id: s.walletIds[0],
      created_at: expect.any(String),
    });
    expect(JSON.stringify(receiver)).not.toContain("/r/");

    const page = await owner.messages.list({ page_limit: 2 });
    expect(page.pagination).toMatchObject({ total: 3, pages: 2, next: 2 });
    expect(page.data).toHaveLength(2);
    for (const m of page.data) {
      expect(m.transport).toBe("outbox");
      expect(m.body).toMatch(LINK);
    }
    const all = [...page.data, ...(await owner.messages.list({ page: 2, page_limit: 2 })).data];
    expect(new Set(all.map((m) => m.destination))).toEqual(new Set(s.contacts));
    const times = all.map((m) => m.created_at);
    expect([...times].sort().reverse()).toEqual(times);

    // A message that really left (SMTP/SMS) keeps its body (a live link) off the page.
    await db
      .update(messages)
      .set({ transport: "sms-http" })
      .where(and(eq(messages.orgId, s.org.org.id), eq(messages.destination, s.contacts[0]!)));
    const mixed = await owner.messages.list({ page_limit: 10 });
    expect(mixed.data.find((m) => m.destination === s.contacts[0])!.body).toBeNull();
  });
});
