import { bigint, bigserial, boolean, index, jsonb, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { ROLES } from "../../server/domain/roles";
import { organizations } from "./organizations";

export const roleEnum = pgEnum("role", ROLES);

export const users = pgTable(
  "users",
  {
    id: uuid().primaryKey().defaultRandom(),
    // Always stored lower-cased; the unique index is on the stored value.
    email: text().notNull(),
    name: text().notNull(),
    passwordHash: text(),
    /** TOTP (RFC 6238) secret, AES-GCM encrypted (secret-box, purpose "mfa-totp"); set once enrolment is confirmed. */
    mfaSecretEncrypted: text(),
    mfaEnabledAt: timestamp({ withTimezone: true }),
    /** A secret being enrolled: shown as a QR code, becomes mfaSecretEncrypted when a code from it is confirmed. */
    mfaPendingSecretEncrypted: text(),
    /** The last TOTP time step accepted (RFC 6238 T); a code from this step or earlier is refused, so a code works once. */
    mfaLastUsedStep: bigint({ mode: "number" }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("users_email_key").on(t.email)],
);

export const memberships = pgTable(
  "memberships",
  {
    id: uuid().primaryKey().defaultRandom(),
    orgId: uuid()
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    role: roleEnum().notNull(),
    isActive: boolean().notNull().default(true),
    invitedBy: uuid().references(() => users.id, { onDelete: "set null" }),
    /**
     * Memberships by consent: null while an invitation to an existing account waits for its holder
     * to accept it (docs/security.md). Pending memberships grant nothing.
     */
    acceptedAt: timestamp({ withTimezone: true }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("memberships_org_user_key").on(t.orgId, t.userId), index("memberships_user_idx").on(t.userId)],
);

/** One-time links to set a password (invitation) or reset it. Only the SHA-256 of the token is stored. */
export const passwordTokens = pgTable(
  "password_tokens",
  {
    id: uuid().primaryKey().defaultRandom(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    tokenHash: text().notNull(),
    purpose: text({ enum: ["invite", "reset"] }).notNull(),
    /** The organization whose invitation minted it (invite links); null for self-service resets. */
    orgId: uuid().references(() => organizations.id, { onDelete: "cascade" }),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
    usedAt: timestamp({ withTimezone: true }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("password_tokens_hash_key").on(t.tokenHash)],
);

/** Sign-in attempts, for throttling failures per email and client address across processes. */
export const loginAttempts = pgTable(
  "login_attempts",
  {
    id: bigserial({ mode: "number" }).primaryKey(),
    email: text().notNull(),
    ip: text().notNull(),
    /** What was checked: the password, or the second factor (TOTP or recovery code). */
    kind: text({ enum: ["password", "mfa"] })
      .notNull()
      .default("password"),
    succeeded: boolean().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("login_attempts_email_ip_time_idx").on(t.email, t.ip, t.createdAt),
    index("login_attempts_email_time_idx").on(t.email, t.createdAt),
    index("login_attempts_ip_time_idx").on(t.ip, t.createdAt),
  ],
);

/**
 * One row per signed-in browser. The session cookie (JWT) carries the row's id; every request
 * checks the row is neither revoked nor expired, so sign-out, "sign out everywhere", password
 * change and deactivation end sessions at once (docs/security.md).
 */
export const userSessions = pgTable(
  "user_sessions",
  {
    id: uuid().primaryKey().defaultRandom(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
    revokedAt: timestamp({ withTimezone: true }),
    userAgent: text(),
    ip: text(),
  },
  (t) => [index("user_sessions_user_idx").on(t.userId)],
);

/** MFA recovery codes: SHA-256 of each code, single use. */
export const mfaRecoveryCodes = pgTable(
  "mfa_recovery_codes",
  {
    id: uuid().primaryKey().defaultRandom(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    codeHash: text().notNull(),
    usedAt: timestamp({ withTimezone: true }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("mfa_recovery_codes_user_idx").on(t.userId)],
);

/** Append-only record of who changed what in an organization (team and settings changes). */
export const auditEvents = pgTable(
  "audit_events",
  {
    id: bigserial({ mode: "number" }).primaryKey(),
    orgId: uuid()
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    actorUserId: uuid().references(() => users.id, { onDelete: "set null" }),
    action: text().notNull(),
    targetId: text(),
    details: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("audit_events_org_time_idx").on(t.orgId, t.createdAt)],
);

export type User = typeof users.$inferSelect;
export type Membership = typeof memberships.$inferSelect;
export type UserSession = typeof userSessions.$inferSelect;
