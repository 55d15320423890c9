import { eq, sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { messages } from "@/db/schema";
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
 */
export async function sendMessage(db: DbOrTx, message: OutgoingMessage): Promise<{ id: string; status: "SUCCESS" | "FAILURE"; error: string | null }> {
  const transport = messageTransport();
  const [row] = await db
    .insert(messages)
    .values({ ...message, transport: transportNameFor(transport, message.channel), status: "PENDING" })
    .returning({ id: messages.id });
  if (!row) throw new Error("message insert returned nothing");
  return deliverMessage(db, row.id);
}

/** (Re)try delivering a logged message through the configured transport. */
export async function deliverMessage(db: DbOrTx, id: string): Promise<{ id: string; status: "SUCCESS" | "FAILURE"; error: string | null }> {
  const [m] = await db.select().from(messages).where(eq(messages.id, id));
  if (!m) throw new Error(`message ${id} not found`);
  const transport = messageTransport();
  let error: string | null = null;
  try {
    await transport.send({ channel: m.channel, destination: m.destination, subject: m.subject, body: m.body });
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
