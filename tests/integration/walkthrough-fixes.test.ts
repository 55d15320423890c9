import type { AddressInfo } from "node:net";
import { and, eq } from "drizzle-orm";
import { SMTPServer } from "smtp-server";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { auditEvents, messages, passwordTokens } from "@/db/schema";
import { logger } from "@/server/log";
import { inspectPasswordToken } from "@/server/services/auth/password-tokens";
import { configureMessageTransportsFromEnv } from "@/server/services/messaging/configure-transports";
import { setMessageTransport } from "@/server/services/messaging/transports";
import { ACCOUNT_INVITATION_MAX_ATTEMPTS, invitationRetryDelayMs, retryAccountInvitations } from "@/server/services/team/retry-account-invitations";
import { callerFor, createOrgWithMembers, randomSuffix, testDb } from "./helpers";

/**
 * Issue 16, "What a walk-through found" (helper W's part): the team's "Send invitation" e-mails the
 * invitee through the message transports (a real SMTP server on loopback), an invitation the
 * e-mail server refused is retried by the worker with a fresh link while the copied one keeps
 * working, the link is neither stored nor logged; and the Outbox's server-side search.
 */

const db = testDb();
const APP = "http://app.walkthrough.test";

type Received = { to: string[]; raw: string };

/** A real SMTP server on loopback; `reject` refuses every recipient (550) while true. */
async function loopbackSmtp() {
  const received: Received[] = [];
  const state = { reject: false };
  const server = new SMTPServer({
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onRcptTo(_address, _session, callback) {
      if (state.reject) {
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
        received.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString("utf8") });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.server.address() as AddressInfo).port;
  return { received, state, port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** The decoded text of a received e-mail (quoted-printable or base64). */
function textOf(raw: string): string {
  const split = raw.indexOf("\r\n\r\n");
  const headers = raw.slice(0, split);
  let body = raw.slice(split + 4);
  const encoding = /^content-transfer-encoding:\s*(\S+)/im.exec(headers)?.[1]?.toLowerCase();
  if (encoding === "quoted-printable") body = body.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  else if (encoding === "base64") body = Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8");
  return `${headers}\n\n${body.replace(/\r\n/g, "\n")}`;
}

const tokenIn = (text: string) => {
  const match = /\/set-password\?token=([A-Za-z0-9_%-]+)/.exec(text);
  expect(match, `no set-password link in: ${text}`).not.toBeNull();
  return decodeURIComponent(match![1]!);
};

let smtp: Awaited<ReturnType<typeof loopbackSmtp>>;
beforeAll(async () => {
  smtp = await loopbackSmtp();
});
afterAll(() => smtp.close());
afterEach(() => {
  setMessageTransport(undefined);
  smtp.state.reject = false;
  vi.restoreAllMocks();
});

const useSmtp = () => configureMessageTransportsFromEnv({ SMTP_URL: `smtp://127.0.0.1:${smtp.port}`, SMTP_FROM: "Team <team@org.test>", APP_URL: APP });

/** Everything the logger is asked to write from now on, as text. */
function captureLogs(): string[] {
  const lines: string[] = [];
  for (const level of ["info", "warn", "error", "debug"] as const) {
    vi.spyOn(logger, level).mockImplementation(((...args: unknown[]) => {
      lines.push(JSON.stringify(args));
    }) as never);
  }
  return lines;
}

describe("team invitation e-mails", () => {
  it("'Send invitation' e-mails the invitee the link also shown to the owner; the stored copy and the log hold no token", async () => {
    useSmtp();
    const logs = captureLogs();
    const { org, users } = await createOrgWithMembers(db, ["owner"]);
    const email = `invitee.${randomSuffix()}@test.local`;
    const answer = await callerFor(db, users.owner.id, org.id).team.invite({ name: "New Person", email, role: "initiator" });
    expect(answer.invitationEmail).toBe("sent");

    const mail = smtp.received.filter((m) => m.to.includes(email));
    expect(mail).toHaveLength(1);
    const text = textOf(mail[0]!.raw);
    expect(text).toMatch(new RegExp(`^subject: Invitation to join ${org.name}`, "im"));
    const token = tokenIn(text);
    // The e-mail carries the same live link the dialog shows for copying.
    expect(answer.invitationLink).toBe(`/set-password?token=${encodeURIComponent(token)}`);
    expect(await inspectPasswordToken(db, token)).toMatchObject({ email, purpose: "invite", action: "set-password" });

    const [row] = await db
      .select()
      .from(messages)
      .where(and(eq(messages.userId, answer.userId), eq(messages.type, "ACCOUNT_INVITATION")));
    expect(row).toMatchObject({ orgId: org.id, transport: "smtp", status: "SUCCESS", attempts: 1, destination: email });
    expect(row!.body).toContain("/set-password?token=[redacted]");
    expect(row!.body).not.toContain(token);
    expect(logs.join("\n")).not.toContain(token);
  });

  it("an invitation the e-mail server refused is retried with a fresh link; the copied link keeps working", async () => {
    useSmtp();
    const logs = captureLogs();
    smtp.state.reject = true;
    const { org, users } = await createOrgWithMembers(db, ["owner"]);
    const email = `retry.${randomSuffix()}@test.local`;
    const answer = await callerFor(db, users.owner.id, org.id).team.invite({ name: "Retry Person", email, role: "approver" });
    expect(answer.invitationEmail).toBe("queued");
    const copied = decodeURIComponent(answer.invitationLink.split("token=")[1]!);
    const rowOf = async () =>
      (
        await db
          .select()
          .from(messages)
          .where(and(eq(messages.userId, answer.userId), eq(messages.type, "ACCOUNT_INVITATION")))
      )[0]!;
    const failed = await rowOf();
    expect(failed).toMatchObject({ status: "FAILURE", attempts: 1, transport: "smtp" });
    expect(failed.lastError).toMatch(/550/);
    expect(smtp.received.filter((m) => m.to.includes(email))).toHaveLength(0);

    // Not due before the pause after the first attempt; due after it, but the server still refuses.
    expect(await retryAccountInvitations(db, { orgIds: [org.id], now: new Date(failed.updatedAt.getTime() + 1000) })).toMatchObject({ retried: 0 });
    let now = new Date(failed.updatedAt.getTime() + invitationRetryDelayMs(1) + 1000);
    expect(await retryAccountInvitations(db, { orgIds: [org.id], now })).toMatchObject({ retried: 1, sent: 0, failed: 1 });
    expect(await rowOf()).toMatchObject({ status: "FAILURE", attempts: 2 });

    // The server is back: the next retry delivers, with a new working link.
    smtp.state.reject = false;
    now = new Date(now.getTime() + invitationRetryDelayMs(2) + 1000);
    expect(await retryAccountInvitations(db, { orgIds: [org.id], now })).toMatchObject({ retried: 1, sent: 1, failed: 0 });
    const delivered = await rowOf();
    expect(delivered).toMatchObject({ status: "SUCCESS", attempts: 3, lastError: null });
    const mail = smtp.received.filter((m) => m.to.includes(email));
    expect(mail).toHaveLength(1);
    const fresh = tokenIn(textOf(mail[0]!.raw));
    expect(fresh).not.toBe(copied);
    expect(await inspectPasswordToken(db, fresh)).toMatchObject({ email, purpose: "invite" });
    expect(await inspectPasswordToken(db, copied)).toMatchObject({ email, purpose: "invite" });
    // Neither link is stored or logged; each retry has its audit row.
    expect(delivered.body).not.toContain(fresh);
    expect(delivered.body).not.toContain(copied);
    expect(logs.join("\n")).not.toContain(fresh);
    expect(logs.join("\n")).not.toContain(copied);
    const audits = await db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.orgId, org.id), eq(auditEvents.action, "user.invitation_email_retried")));
    expect(audits).toHaveLength(2);

    // Delivered: nothing more to retry.
    expect(await retryAccountInvitations(db, { orgIds: [org.id], now: new Date(now.getTime() + 3600_000) })).toMatchObject({ retried: 0 });
  });

  it("a revoked invitation is not retried, and no new link is minted for it", async () => {
    useSmtp();
    smtp.state.reject = true;
    const { org, users } = await createOrgWithMembers(db, ["owner"]);
    const caller = callerFor(db, users.owner.id, org.id);
    const email = `revoked.${randomSuffix()}@test.local`;
    const answer = await caller.team.invite({ name: "Revoked Person", email, role: "business" });
    expect(answer.invitationEmail).toBe("queued");
    await caller.team.revokeInvitation({ userId: answer.userId });
    smtp.state.reject = false;
    const tokensBefore = await db.select().from(passwordTokens).where(eq(passwordTokens.userId, answer.userId));
    const result = await retryAccountInvitations(db, { orgIds: [org.id], now: new Date(Date.now() + 3600_000) });
    expect(result).toMatchObject({ retried: 0, dropped: 1 });
    expect(await db.select().from(passwordTokens).where(eq(passwordTokens.userId, answer.userId))).toHaveLength(tokensBefore.length);
    expect(smtp.received.filter((m) => m.to.includes(email))).toHaveLength(0);
    const [row] = await db.select().from(messages).where(eq(messages.userId, answer.userId));
    expect(row!.attempts).toBe(ACCOUNT_INVITATION_MAX_ATTEMPTS);
  });

  it("without an e-mail server the answer says so (the link is the only way), and the outbox keeps it", async () => {
    configureMessageTransportsFromEnv({ MESSAGE_TRANSPORT: "outbox" });
    const { org, users } = await createOrgWithMembers(db, ["owner"]);
    const answer = await callerFor(db, users.owner.id, org.id).team.invite({ name: "Outbox Person", email: `outbox.${randomSuffix()}@test.local`, role: "business" });
    expect(answer.invitationEmail).toBe("outbox");
  });
});

describe("the Outbox's search", () => {
  async function seed(
    orgId: string,
    rows: { destination: string; subject: string | null; type: "RECEIVER_INVITATION" | "RECEIVER_OTP"; status: "SUCCESS" | "FAILURE" }[],
  ) {
    await db
      .insert(messages)
      .values(rows.map((r) => ({ orgId, channel: r.destination.includes("@") ? ("EMAIL" as const) : ("SMS" as const), transport: "outbox", body: "text", ...r })));
  }

  it("finds by recipient, subject and type, filters by status and type, pages, and stays within the organization", async () => {
    const a = await createOrgWithMembers(db, ["owner", "business"]);
    const b = await createOrgWithMembers(db, ["owner"]);
    const tag = randomSuffix();
    await seed(a.org.id, [
      { destination: `ana.${tag}@example.org`, subject: "A payment is waiting for you", type: "RECEIVER_INVITATION", status: "SUCCESS" },
      { destination: "+447700900111", subject: null, type: "RECEIVER_OTP", status: "SUCCESS" },
      { destination: `bo.${tag}@example.org`, subject: `Quarterly grant ${tag}`, type: "RECEIVER_INVITATION", status: "FAILURE" },
      { destination: "+447700900222", subject: null, type: "RECEIVER_OTP", status: "FAILURE" },
    ]);
    await seed(b.org.id, [{ destination: `ana.${tag}@example.org`, subject: `Quarterly grant ${tag}`, type: "RECEIVER_INVITATION", status: "SUCCESS" }]);
    const list = (input: Record<string, unknown>) => callerFor(db, a.users.business.id, a.org.id).messages.list({ page: 1, page_limit: 20, ...input });

    const byRecipient = await list({ q: `ANA.${tag}` });
    expect(byRecipient.data.map((m) => m.destination)).toEqual([`ana.${tag}@example.org`]);
    expect(byRecipient.pagination.total).toBe(1);
    expect((await list({ q: "7700900" })).data.map((m) => m.destination).sort()).toEqual(["+447700900111", "+447700900222"]);
    expect((await list({ q: `grant ${tag}` })).data.map((m) => m.destination)).toEqual([`bo.${tag}@example.org`]);
    expect((await list({ q: "otp", status: "FAILURE" })).data.map((m) => m.destination)).toEqual(["+447700900222"]);
    expect((await list({ q: tag, type: "RECEIVER_INVITATION", status: "SUCCESS" })).data.map((m) => m.destination)).toEqual([`ana.${tag}@example.org`]);
    // LIKE wildcards are plain characters.
    expect((await list({ q: "%" })).data).toEqual([]);
    // Paging keeps the filter.
    const page2 = await list({ q: "example.org", page: 2, page_limit: 1 });
    expect(page2.pagination.total).toBe(2);
    expect(page2.data).toHaveLength(1);
    // The other organization's row never shows; its own search finds only its row.
    const other = await callerFor(db, b.users.owner.id, b.org.id).messages.list({ page: 1, page_limit: 20, q: tag });
    expect(other.data.map((m) => m.subject)).toEqual([`Quarterly grant ${tag}`]);
  });
});
