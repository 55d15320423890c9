import { and, count, desc, eq, ilike, inArray, isNull, or, sql, type SQL } from "drizzle-orm";
import type { z } from "zod";
import { messages, receivers } from "@/db/schema";
import { redactMessageSecrets } from "@/server/domain/message-secrets";
import { can } from "@/server/domain/permissions";
import { assertCan, type OrgContext } from "../context";
import { containsPattern, paginate } from "../pagination";
import { listMessagesInput } from "@/server/schemas/messages.schema";

export { listMessagesInput } from "@/server/schemas/messages.schema";

/**
 * The organization's messages, newest first. The body is shown only for messages the embedded
 * outbox transport kept (so someone trying the app can follow a link); for messages that really
 * left (SMTP, SMS) it stays hidden. An outbox body holds the receiver's one-time code or live
 * registration link: roles without `receivers:secrets` get it masked here, on the server, so the
 * secret never reaches their browser (docs/security.md, "Receivers' secrets").
 */
export async function listMessages(ctx: OrgContext, raw: z.input<typeof listMessagesInput>) {
  assertCan(ctx, "disbursements:read");
  const input = listMessagesInput.parse(raw);
  // API keys never see them (server/domain/api-scopes.ts gives the permission no scope). A staff
  // account's set-password link (account messages) only the people who manage users see.
  const seesSecrets = can(ctx.role, "receivers:secrets") && !ctx.scopes;
  const seesAccountLinks = can(ctx.role, "users:manage") && !ctx.scopes;
  const isAccountMessage = (type: string) => type === "ACCOUNT_INVITATION" || type === "PASSWORD_RESET";
  const sees = (type: string) => (isAccountMessage(type) ? seesAccountLinks : seesSecrets);
  const shown = (type: string, text: string | null) => (text === null || sees(type) ? text : redactMessageSecrets(type, text));
  // Account messages (staff invitations, password resets) carry set-password links: never listed here.
  const where: SQL[] = [eq(messages.orgId, ctx.org.id), isNull(messages.userId)];
  if (input.receiver_id) where.push(eq(messages.receiverId, input.receiver_id));
  if (input.status) where.push(inArray(messages.status, [input.status]));
  if (input.channel) where.push(eq(messages.channel, input.channel));
  if (input.type) where.push(eq(messages.type, input.type));
  if (input.q) {
    // The Outbox's search: the recipient's address, the subject, or the type ("invitation", "otp");
    // within this organization's rows only (the first condition above).
    const pattern = containsPattern(input.q);
    const typeWords = sql`replace(${messages.type}, '_', ' ')`;
    where.push(or(ilike(messages.destination, pattern), ilike(messages.subject, pattern), sql`${typeWords} ilike ${pattern}`)!);
  }
  const [total] = await ctx.db
    .select({ n: count() })
    .from(messages)
    .where(and(...where));
  const rows = await ctx.db
    .select({ m: messages, r: { id: receivers.id, externalId: receivers.externalId } })
    .from(messages)
    .leftJoin(receivers, and(eq(receivers.id, messages.receiverId), eq(receivers.orgId, ctx.org.id)))
    .where(and(...where))
    .orderBy(desc(messages.createdAt), desc(messages.id))
    .limit(input.page_limit)
    .offset((input.page - 1) * input.page_limit);
  return paginate(
    rows.map(({ m, r }) => ({
      id: m.id,
      type: m.type,
      channel: m.channel,
      transport: m.transport,
      destination: m.destination,
      subject: shown(m.type, m.subject),
      body: m.transport === "outbox" ? shown(m.type, m.body) : null,
      /** True when the code and link in `body` were masked for this role. */
      body_masked: m.transport === "outbox" && !sees(m.type),
      status: m.status,
      attempts: m.attempts,
      last_error: m.lastError,
      receiver: r?.id ? { id: r.id, external_id: r.externalId } : null,
      disbursement_id: m.disbursementId,
      sent_at: m.sentAt?.toISOString() ?? null,
      created_at: m.createdAt.toISOString(),
    })),
    total?.n ?? 0,
    input,
  );
}
