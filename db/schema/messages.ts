import { bigserial, index, integer, pgEnum, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { disbursements } from "./disbursements";
import { organizations } from "./organizations";
import { receivers, receiverWallets } from "./receivers";
import { users } from "./users";

export const messageChannelEnum = pgEnum("message_channel", ["EMAIL", "SMS"]);
export const messageStatusEnum = pgEnum("message_status", ["PENDING", "SUCCESS", "FAILURE"]);

/**
 * Every message sent to a receiver (invitation, one-time code), with its delivery state. With the
 * embedded "outbox" transport the stored body is what the Outbox page shows.
 */
export const messages = pgTable(
  "messages",
  {
    id: uuid().primaryKey().defaultRandom(),
    /** Null for account messages (password reset) that belong to no organization. */
    orgId: uuid().references(() => organizations.id, { onDelete: "cascade" }),
    /** The staff account an account message is for (invitation, password reset). */
    userId: uuid().references(() => users.id, { onDelete: "cascade" }),
    receiverId: uuid().references(() => receivers.id, { onDelete: "cascade" }),
    receiverWalletId: uuid().references(() => receiverWallets.id, { onDelete: "cascade" }),
    disbursementId: uuid().references(() => disbursements.id, { onDelete: "set null" }),
    type: text({ enum: ["RECEIVER_INVITATION", "RECEIVER_OTP", "ACCOUNT_INVITATION", "PASSWORD_RESET"] }).notNull(),
    channel: messageChannelEnum().notNull(),
    /** Which transport carried it: outbox (embedded), smtp, sms-http. */
    transport: text().notNull(),
    destination: text().notNull(),
    subject: text(),
    body: text().notNull(),
    status: messageStatusEnum().notNull().default("PENDING"),
    attempts: integer().notNull().default(0),
    lastError: text(),
    sentAt: timestamp({ withTimezone: true }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("messages_org_created_idx").on(t.orgId, t.createdAt),
    index("messages_receiver_idx").on(t.receiverId),
    index("messages_pending_idx").on(t.status, t.createdAt),
    index("messages_user_idx").on(t.userId),
  ],
);

/** SEP-24 interactive deposits started by a wallet app for a receiver (docs/domain.md#sep-10-and-sep-24). */
export const sep24Transactions = pgTable(
  "sep24_transactions",
  {
    id: uuid().primaryKey().defaultRandom(),
    orgId: uuid()
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    receiverWalletId: uuid().references(() => receiverWallets.id, { onDelete: "set null" }),
    stellarAccount: text().notNull(),
    stellarMemo: text(),
    clientDomain: text(),
    assetCode: text(),
    status: text().notNull().default("incomplete"),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    completedAt: timestamp({ withTimezone: true }),
  },
  (t) => [index("sep24_transactions_org_idx").on(t.orgId, t.createdAt)],
);

/**
 * "Forgot password" requests, counted per e-mail and per client address to throttle them
 * (server/services/auth/request-password-reset.ts). Kept whether or not an account exists.
 */
export const passwordResetRequests = pgTable(
  "password_reset_requests",
  {
    id: bigserial({ mode: "number" }).primaryKey(),
    email: text().notNull(),
    ip: text().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("password_reset_requests_email_time_idx").on(t.email, t.createdAt), index("password_reset_requests_ip_time_idx").on(t.ip, t.createdAt)],
);

export type Message = typeof messages.$inferSelect;
