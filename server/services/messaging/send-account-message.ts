import type { DbOrTx } from "@/db/client";
import { messages } from "@/db/schema";
import { redactMessageSecrets, transportKeepsSecrets } from "@/server/domain/message-secrets";
import { deliverMessage } from "./send-message";
import { messageTransport, transportNameFor } from "./transports";
import { config } from "@/server/config";

/** An e-mail to a staff account (invitation, password reset), not to a receiver. */
export type AccountMessage = {
  type: "ACCOUNT_INVITATION" | "PASSWORD_RESET";
  /** The inviting organization; null for a self-service password reset. */
  orgId: string | null;
  userId: string;
  destination: string;
  subject: string;
  body: string;
};

/** An absolute link into the app (APP_URL), for messages read outside the browser. */
export function appLink(path: string): string {
  const base = (config().APP_URL || "http://localhost:3000").replace(/\/+$/, "");
  return `${base}${path.startsWith("/") ? path : `/${path}`}`;
}

/**
 * Log an account message (PENDING) without delivering it: call inside the transaction that makes
 * the link, so the link and its message commit together; deliver afterwards with
 * deliverAccountMessage. With a real transport (SMTP) the stored copy has its link token redacted
 * (server/domain/message-secrets.ts): the live link then exists only in the holder's mailbox.
 */
export async function queueAccountMessage(db: DbOrTx, message: AccountMessage): Promise<QueuedAccountMessage> {
  const transport = transportNameFor(messageTransport(), "EMAIL");
  const keep = transportKeepsSecrets(transport);
  const [row] = await db
    .insert(messages)
    .values({
      orgId: message.orgId,
      userId: message.userId,
      type: message.type,
      channel: "EMAIL",
      transport,
      destination: message.destination,
      subject: message.subject,
      body: keep ? message.body : redactMessageSecrets(message.type, message.body),
      status: "PENDING",
    })
    .returning({ id: messages.id });
  if (!row) throw new Error("message insert returned nothing");
  return { id: row.id, subject: message.subject, body: message.body, transport };
}

export type QueuedAccountMessage = { id: string; subject: string; body: string; transport?: string };

/** Deliver a queued account message with its full text. Never throws for a delivery failure. */
export function deliverAccountMessage(db: DbOrTx, queued: QueuedAccountMessage) {
  return deliverMessage(db, queued.id, { subject: queued.subject, body: queued.body });
}

/** Log and deliver an account message through the configured transports (outbox, SMTP). Never throws for a delivery failure. */
export async function sendAccountMessage(db: DbOrTx, message: AccountMessage) {
  return deliverAccountMessage(db, await queueAccountMessage(db, message));
}
