import { boolean, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";

export const organizations = pgTable("organizations", {
  id: uuid().primaryKey().defaultRandom(),
  name: text().notNull(),
  slug: text().notNull().unique(),
  logoUrl: text(),
  timezone: text().notNull().default("UTC"),
  // Two-person rule: whoever authored DRAFT or READY may not start the disbursement.
  approvalRequired: boolean().notNull().default(false),
  invitationMessageTemplate: text(),
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});

export type Organization = typeof organizations.$inferSelect;
