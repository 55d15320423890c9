import { customType, date, index, integer, numeric, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid, boolean } from "drizzle-orm/pg-core";
import { BANK_FILE_FORMATS, BANK_FILE_SOURCES, RECONCILIATION_OUTCOMES } from "../../server/domain/rails";
import { paymentConnections } from "./connections";
import { organizations } from "./organizations";
import { users } from "./users";

export const bankFileFormatEnum = pgEnum("bank_file_format", BANK_FILE_FORMATS);
export const bankFileSourceEnum = pgEnum("bank_file_source", BANK_FILE_SOURCES);
export const reconciliationOutcomeEnum = pgEnum("reconciliation_outcome", RECONCILIATION_OUTCOMES);

const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => "bytea" });

/**
 * A bank file the platform read (payment status report or statement), kept as received for audit.
 * The same file (same SHA-256) imported twice is recognised and changes nothing (docs/bank-files.md).
 */
export const bankFiles = pgTable(
  "bank_files",
  {
    id: uuid().primaryKey().defaultRandom(),
    orgId: uuid()
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    connectionId: uuid().references(() => paymentConnections.id, { onDelete: "set null" }),
    format: bankFileFormatEnum().notNull(),
    source: bankFileSourceEnum().notNull(),
    fileName: text().notNull(),
    sha256: text().notNull(),
    content: bytea().notNull(),
    messageId: text(),
    statementId: text(),
    account: text(),
    entryCount: integer().notNull().default(0),
    matchedCount: integer().notNull().default(0),
    /** Entries needing a person: unmatched, duplicate, amount mismatch, invalid state. */
    exceptionCount: integer().notNull().default(0),
    importedBy: uuid().references(() => users.id, { onDelete: "set null" }),
    importedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("bank_files_org_sha256_key").on(t.orgId, t.sha256), index("bank_files_org_imported_idx").on(t.orgId, t.importedAt, t.id)],
);

/** One entry of a bank file and what reconciliation did with it. */
export const bankFileEntries = pgTable(
  "bank_file_entries",
  {
    id: uuid().primaryKey().defaultRandom(),
    // No key to organizations: the file's own key (which cascades from its organization) implies it,
    // and each key probe costs a statement import of 100,000 entries (migration 0011).
    orgId: uuid().notNull(),
    bankFileId: uuid()
      .notNull()
      .references(() => bankFiles.id, { onDelete: "cascade" }),
    entryIndex: integer().notNull(),
    endToEndId: text(),
    bankReference: text(),
    amount: numeric({ precision: 19, scale: 7 }),
    currency: text(),
    direction: text().notNull(),
    reversal: boolean().notNull().default(false),
    entryStatus: text().notNull(),
    reasonCode: text(),
    reasonText: text(),
    bookingDate: date(),
    narrative: text(),
    outcome: reconciliationOutcomeEnum().notNull(),
    /** Why this outcome, in plain words. */
    outcomeMessage: text(),
    /**
     * The payment this entry was matched to when the file was imported: a record, not a key. A key
     * would lock every matched payment FOR KEY SHARE just before the import moves it (migration 0011);
     * payments that reached a bank are never deleted, and views join it with a left join.
     */
    paymentId: uuid(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("bank_file_entries_file_index_key").on(t.bankFileId, t.entryIndex),
    index("bank_file_entries_org_outcome_idx").on(t.orgId, t.outcome, t.createdAt, t.id),
    index("bank_file_entries_payment_idx").on(t.paymentId),
  ],
);

export type BankFile = typeof bankFiles.$inferSelect;
export type BankFileEntry = typeof bankFileEntries.$inferSelect;
