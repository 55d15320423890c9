import { eq, sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { messages } from "@/db/schema";
import { redactMessageSecrets, transportKeepsSecrets } from "@/server/domain/message-secrets";
import { logger } from "@/server/log";
import { messageTransport, transportNameFor } from "./transports";

export type OutgoingMessage = {
  orgId: string;
  receiverId?: string | null;
  receiverWalletId?: string | null;
  disbursementId?: string | null;
  type: "RECEIVER_INVITATION" | "RECEIVER_OTP";
  channel: "EMAIL" | "SMS";
  destination: string;
  subject?: string | null;
  body: string;
};

/**
 * Log a message (PENDING), hand it to the configured transport, and record the outcome
 * (SUCCESS/FAILURE, attempts, last error). The log row is written before delivery so nothing sent
 * goes unrecorded. Never throws for a delivery failure: callers read the returned status.
 *
 * A real transport (SMTP, SMS) gets the full text, but the row stores it with the one-time code
 * and registration token redacted (server/domain/message-secrets.ts): the secret then exists only
 * in the receiver's inbox. The outbox transport keeps the full text, as it is the delivery channel.
 */
export async function sendMessage(db: DbOrTx, message: OutgoingMessage): Promise<{ id: string; status: "SUCCESS" | "FAILURE"; error: string | null }> {
  const transport = messageTransport();
  const transportName = transportNameFor(transport, message.channel);
  const stored = transportKeepsSecrets(transportName)
    ? message
    : {
        ...message,
        subject: message.subject ? redactMessageSecrets(message.type, message.subject) : message.subject,
        body: redactMessageSecrets(message.type, message.body),
      };
  const [row] = await db
    .insert(messages)
    .values({ ...stored, transport: transportName, status: "PENDING" })
    .returning({ id: messages.id });
  if (!row) throw new Error("message insert returned nothing");
  return deliverMessage(db, row.id, { subject: message.subject ?? null, body: message.body });
}

/**
 * Deliver a logged message through the configured transport. `content` is the full text when the
 * row holds a redacted copy; without it the stored text is sent — for a message a real transport
 * carried that is the redacted text, so to reach a receiver again issue a new invitation or code
 * (resendInvitation, sendRegistrationOtp) rather than re-delivering the row.
 */
export async function deliverMessage(
  db: DbOrTx,
  id: string,
  content?: { subject: string | null; body: string },
): Promise<{ id: string; status: "SUCCESS" | "FAILURE"; error: string | null }> {
  const [m] = await db.select().from(messages).where(eq(messages.id, id));
  if (!m) throw new Error(`message ${id} not found`);
  const transport = messageTransport();
  let error: string | null = null;
  try {
    await transport.send({ channel: m.channel, destination: m.destination, subject: content ? content.subject : m.subject, body: content?.body ?? m.body });
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
    logger.warn({ event: "message.failed", messageId: id, transport: transportNameFor(transport, m.channel), channel: m.channel, error }, "message delivery failed");
  }
  const status = error ? "FAILURE" : "SUCCESS";
  await db
    .update(messages)
    .set({
      status,
      attempts: sql`${messages.attempts} + 1`,
      lastError: error,
      sentAt: error ? m.sentAt : new Date(),
      transport: transportNameFor(transport, m.channel),
      updatedAt: new Date(),
    })
    .where(eq(messages.id, id));
  return { id, status, error };
}
