import { bigserial, index, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { g2pSenders } from "./g2p";
import { organizations } from "./organizations";
import { users } from "./users";

/**
 * OAuth2 client credentials of a G2P sender (docs/g2p-connect.md#authorization): the sender trades
 * `client_id` + `client_secret` at `POST /oauth2/client/token` (client-credentials grant) for a
 * short-lived bearer JWT. Only a salted, keyed hash of the secret is stored (like API keys); the
 * client acts as its creator with its scopes, and only for its own sender.
 */
export const g2pOauthClients = pgTable(
  "g2p_oauth_clients",
  {
    id: uuid().primaryKey().defaultRandom(),
    orgId: uuid()
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    senderRowId: uuid()
      .notNull()
      .references(() => g2pSenders.id, { onDelete: "cascade" }),
    name: text().notNull(),
    /** The public `client_id` (`g2pc_<random>`), unique across organizations. */
    clientId: text().notNull(),
    secretHash: text().notNull(),
    scopes: text().array().notNull(),
    createdBy: uuid().references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    lastUsedAt: timestamp({ withTimezone: true }),
    revokedAt: timestamp({ withTimezone: true }),
  },
  (t) => [uniqueIndex("g2p_oauth_clients_client_id_key").on(t.clientId), index("g2p_oauth_clients_org_idx").on(t.orgId, t.createdAt)],
);

export type G2pOauthClient = typeof g2pOauthClients.$inferSelect;

/**
 * Failed client authentications at the token endpoint, counted to throttle guessing the way sign-in
 * is throttled (server/domain/sign-in-throttle.ts); rows older than the longest window are useless.
 */
export const g2pOauthFailures = pgTable(
  "g2p_oauth_failures",
  {
    id: bigserial({ mode: "number" }).primaryKey(),
    clientId: text().notNull(),
    ip: text().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("g2p_oauth_failures_client_ip_time_idx").on(t.clientId, t.ip, t.createdAt), index("g2p_oauth_failures_ip_time_idx").on(t.ip, t.createdAt)],
);
