import { boolean, integer, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";

export const organizations = pgTable("organizations", {
  id: uuid().primaryKey().defaultRandom(),
  name: text().notNull(),
  slug: text().notNull().unique(),
  logoUrl: text(),
  timezone: text().notNull().default("UTC"),
  // Two-person rule: whoever authored DRAFT or READY may not start the disbursement.
  approvalRequired: boolean().notNull().default(false),
  /** Every member must sign in with a second factor (TOTP); members without one are sent to enrolment. */
  mfaRequired: boolean().notNull().default(false),
  invitationMessageTemplate: text(),
  /** Receiver invitations: on/off, resend interval and how many resends after the first message (SDP: 3). */
  invitationsEnabled: boolean().notNull().default(true),
  invitationResendIntervalHours: integer().notNull().default(72),
  invitationMaxResends: integer().notNull().default(3),
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});

export type Organization = typeof organizations.$inferSelect;
