import { generateKeyPairSync } from "node:crypto";
import { TRPCError } from "@trpc/server";
import { Keypair } from "@stellar/stellar-sdk";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { disbursements, g2pMessages, g2pSenders, memberships, receivers, receiverWallets, users } from "@/db/schema";
import { freePort } from "@/scripts/lib/embedded-postgres";
import { ensureDistributionKeypair } from "@/server/stellar/accounts";
import { ROLES } from "@/server/domain/roles";
import {
  allProcedures,
  callerFor,
  callPath,
  createOrgWithMembers,
  dataIdentifiersOf,
  expectTRPCError,
  identifiersOf,
  nextUkMobile,
  orgSnapshot,
  randomSuffix,
  seedOrgData,
  testDb,
  type OrgData,
  type TestOrg,
} from "./helpers";

const db = testDb();

/**
 * Organization-scoped: everything but the public auth.* and registration.* procedures (the
 * registration token alone decides the receiver wallet: tests/integration/registration.test.ts) and
 * switchOrganization (tested below).
 */
const ORG_SCOPED = allProcedures()
  .map((p) => p.path)
  // mfa.*: account-level, the caller's own second factor (tests/integration/mfa.test.ts).
  // invitations.*: the caller's own pending invitations (tests/integration/account-consent.test.ts).
  .filter(
    (path) =>
      !path.startsWith("auth.") &&
      !path.startsWith("registration.") &&
      !path.startsWith("mfa.") &&
      !path.startsWith("invitations.") &&
      // profile.*: the caller's own account and sessions (tests/integration/sessions.test.ts).
      !path.startsWith("profile.") &&
      path !== "session.switchOrganization",
  );

/** No ledger runs here: HORIZON_URL points at a closed port, so Stellar lookups fail at once (the degraded path). */
beforeAll(async () => {
  vi.stubEnv("STELLAR_NETWORK", "local");
  vi.stubEnv("HORIZON_URL", `http://127.0.0.1:${await freePort()}`);
});
afterAll(() => {
  vi.unstubAllEnvs();
});

/**
 * An organization with one member per role and real data (docs/domain.md's roles and objects, through the real
 * services), a distribution account keypair, and its first receiver's wallet registered at a
 * Stellar address.
 */
type Tenant = TestOrg & { data: OrgData; distribution: string; registeredAddress: string; g2p: G2pFixture };
type Fixture = { a: Tenant; b: Tenant };

async function tenant(): Promise<Tenant> {
  const org = await createOrgWithMembers(db);
  const data = await seedOrgData(db, org);
  const distribution = await ensureDistributionKeypair(db, org.org.id, "local");
  const registeredAddress = Keypair.random().publicKey();
  await db
    .update(receiverWallets)
    .set({ status: "REGISTERED", destinationKind: "STELLAR_ADDRESS", destinationValue: registeredAddress })
    .where(eq(receiverWallets.id, data.receiverWalletIds[0]!));
  const [connection] = await db.execute<{ id: string }>(sql`select id from payment_connections where org_id = ${org.org.id}`);
  // An unreferenced bank connection too: its credentials can be replaced and it can be deleted.
  const [bankConnection] = await db.execute<{ id: string }>(
    sql`insert into payment_connections (org_id, rail_type, name, settings) values (${org.org.id}, 'BANK', 'Tenant bank', ${JSON.stringify({ baseUrl: "https://bank.example.org", debtorAccountNumber: "1", debtorBankCode: "X", debtorName: "T", shipmentMode: "API" })}::jsonb) returning id`,
  );
  connectionOf.set(org.org.id, connection!.id);
  const [rule] = await db.execute<{ id: string }>(sql`select id from routing_rules where org_id = ${org.org.id}`);
  ruleOf.set(org.org.id, rule!.id);
  bankConnectionOf.set(org.org.id, bankConnection!.id);
  // A bank file with one unmatched entry, and a shipment (rail batch) of the disbursement: the bankFiles.* and shipment probes.
  const [bankFile] = await db.execute<{ id: string }>(
    sql`insert into bank_files (org_id, format, source, file_name, sha256, content, entry_count, exception_count)
        values (${org.org.id}, 'MT940', 'UPLOAD', 'tenant.mt940', ${randomSuffix()}, ${Buffer.from(":20:T")}, 1, 1) returning id`,
  );
  await db.execute(sql`insert into bank_file_entries (org_id, bank_file_id, entry_index, end_to_end_id, amount, currency, direction, entry_status, outcome)
        values (${org.org.id}, ${bankFile!.id}, 1, ${`ref${randomSuffix()}`}, 1, 'KES', 'DEBIT', 'BOOKED', 'UNMATCHED')`);
  bankFileOf.set(org.org.id, bankFile!.id);
  // Its own connection: the batch refers to it, and the probes delete "Tenant bank".
  const [fileBank] = await db.execute<{ id: string }>(
    sql`insert into payment_connections (org_id, rail_type, name, settings) values (${org.org.id}, 'BANK', 'Tenant file bank', ${JSON.stringify({ shipmentMode: "FILE" })}::jsonb) returning id`,
  );
  const [batch] = await db.execute<{ id: string }>(
    sql`insert into rail_batches (org_id, disbursement_id, connection_id, rail_type, reference, status, payment_count, amount, currency)
        values (${org.org.id}, ${data.disbursement.id}, ${fileBank!.id}, 'BANK', ${`B${randomSuffix()}`}, 'AWAITING_UPLOAD', 1, 1, 'KES') returning id`,
  );
  railBatchOf.set(org.org.id, batch!.id);
  return { ...org, data, distribution: distribution.publicKey, registeredAddress, g2p: await g2pFixture(org, data) };
}

/** Each tenant's default routing rule (made by createOrganization), by organization id. */
const ruleOf = new Map<string, string>();
const ruleIdOf = (t: TestOrg) => ruleOf.get(t.org.id) ?? "00000000-0000-4000-8000-000000000000";

/** A's default rule as createOrganization made it: B's refused calls left it alone. */
async function expectRuleUntouched(a: Tenant) {
  const rows = await db.execute<{ org_id: string; name: string; enabled: boolean; position: number }>(
    sql`select org_id, name, enabled, position from routing_rules where org_id = ${a.org.id}`,
  );
  expect([...rows]).toEqual([{ org_id: a.org.id, name: "Stellar wallets", enabled: true, position: 1 }]);
}

/** Each tenant's default Stellar connection (made by createOrganization), by organization id. */
const connectionOf = new Map<string, string>();
const bankConnectionOf = new Map<string, string>();
const bankFileOf = new Map<string, string>();
const railBatchOf = new Map<string, string>();
const connectionIdOf = (t: TestOrg) => connectionOf.get(t.org.id) ?? "00000000-0000-4000-8000-000000000000";
const bankConnectionIdOf = (t: TestOrg) => bankConnectionOf.get(t.org.id) ?? "00000000-0000-4000-8000-000000000000";

/** A's default connection as createOrganization made it: B's refused calls left it alone. */
async function expectConnectionUntouched(a: Tenant) {
  const [row] = await db.execute<{ org_id: string; name: string; enabled: boolean; credentials_sealed: string | null; health_status: string }>(
    sql`select org_id, name, enabled, credentials_sealed, health_status from payment_connections where id = ${connectionIdOf(a)}`,
  );
  expect(row).toEqual({ org_id: a.org.id, name: "Stellar distribution account", enabled: true, credentials_sealed: null, health_status: "UNKNOWN" });
  const [bank] = await db.execute<{ org_id: string; credentials_sealed: string | null }>(
    sql`select org_id, credentials_sealed from payment_connections where id = ${bankConnectionIdOf(a)}`,
  );
  expect(bank).toEqual({ org_id: a.org.id, credentials_sealed: null });
}

/** A registered G2P sender with a received request and a callback that failed (the integrations.* probes). */
type G2pFixture = {
  senderRowId: string;
  senderId: string;
  senderName: string;
  inboundId: string;
  failedCallbackId: string;
  messageIds: string[];
  /** OAuth2 client credentials of the sender (row id and client_id). */
  oauthClientRowId: string;
  oauthClientId: string;
};

const ed25519PublicKey = () => generateKeyPairSync("ed25519").publicKey.export({ format: "pem", type: "spki" }).toString();

async function g2pFixture(org: TestOrg, data: OrgData): Promise<G2pFixture> {
  const sender = await callerFor(db, org.users.owner.id, org.org.id).integrations.createSender({
    sender_id: `g2p-sender-${randomSuffix()}`,
    name: `G2P sender ${randomSuffix()}`,
    callback_url: "https://sender.example.org/g2p",
    public_key: ed25519PublicKey(),
    wallet_id: data.catalog.wallet.id,
  });
  const common = { orgId: org.org.id, senderRowId: sender.id, senderId: sender.sender_id, transactionId: `g2p-txn-${randomSuffix()}`, body: {} };
  const [inbound, failed] = await db
    .insert(g2pMessages)
    .values([
      { ...common, direction: "inbound", endpoint: "/disburse", messageId: `g2p-msg-${randomSuffix()}`, status: "ACK" },
      { ...common, direction: "outbound", endpoint: "/on-disburse", messageId: `g2p-msg-${randomSuffix()}`, status: "FAILED", attempts: 5 },
    ])
    .returning();
  const client = await callerFor(db, org.users.owner.id, org.org.id).integrations.createOauthClient({
    sender_row_id: sender.id,
    name: `G2P client ${randomSuffix()}`,
    scopes: ["read:disbursements"],
  });
  return {
    oauthClientRowId: client.id,
    oauthClientId: client.client_id,
    senderRowId: sender.id,
    senderId: sender.sender_id,
    senderName: sender.name,
    inboundId: inbound!.id,
    failedCallbackId: failed!.id,
    messageIds: [inbound!.messageId, failed!.messageId, common.transactionId],
  };
}

/** A's G2P sender and failed callback as the fixture made them: B's refused calls left them alone. */
async function expectG2pUntouched(a: Tenant) {
  const [sender] = await db.select().from(g2pSenders).where(eq(g2pSenders.id, a.g2p.senderRowId));
  expect(sender).toMatchObject({ orgId: a.org.id, name: a.g2p.senderName, enabled: true, callbackUrl: "https://sender.example.org/g2p" });
  const [failed] = await db.select().from(g2pMessages).where(eq(g2pMessages.id, a.g2p.failedCallbackId));
  expect(failed).toMatchObject({ orgId: a.org.id, status: "FAILED", nextAttemptAt: null });
  const [client] = await db.execute<{ org_id: string; revoked_at: string | null }>(
    sql`select org_id, revoked_at from g2p_oauth_clients where id = ${a.g2p.oauthClientRowId}`,
  );
  expect(client).toEqual({ org_id: a.org.id, revoked_at: null });
}

/** Everything that identifies A: its organization, members and data, its Stellar addresses. */
const leakIdentifiers = (a: Tenant) => [
  ...identifiersOf(a),
  ...dataIdentifiersOf(a.data),
  a.distribution,
  a.registeredAddress,
  a.g2p.senderRowId,
  a.g2p.senderId,
  a.g2p.senderName,
  a.g2p.inboundId,
  a.g2p.failedCallbackId,
  ...a.g2p.messageIds,
  a.g2p.oauthClientRowId,
  a.g2p.oauthClientId,
  connectionIdOf(a),
  bankConnectionIdOf(a),
  bankFileOf.get(a.org.id)!,
  railBatchOf.get(a.org.id)!,
];

/** The ids of an organization's rows in one table, sorted: what B's list procedures must return. */
async function idsIn(table: "assets" | "wallets" | "disbursements" | "payments" | "receivers" | "api_keys", orgId: string): Promise<string[]> {
  const rows = await db.execute<{ id: string }>(sql`select id from ${sql.identifier(table)} where org_id = ${orgId} order by id`);
  return [...rows].map((r) => r.id);
}

async function orgOf(table: "assets" | "wallets" | "disbursements" | "api_keys", id: string): Promise<string[]> {
  const rows = await db.execute<{ org_id: string }>(sql`select org_id from ${sql.identifier(table)} where id = ${id}`);
  return [...rows].map((r) => r.org_id);
}

const sortedIds = (rows: { id: string }[]) => rows.map((r) => r.id).sort();

/** The error B's caller must get, with its exact message (or a pattern). */
type ExpectedError = { code: TRPCError["code"]; message: string | RegExp };
const notFound = (what: string): ExpectedError => ({ code: "NOT_FOUND", message: `${what} was not found.` });

type Probe = {
  input?: (fx: Fixture) => unknown;
  /** A check of a successful result, or the error every permitted role of B gets. */
  expect: ExpectedError | ((result: unknown, fx: Fixture) => Promise<void> | void);
  /** Runs after the call either way (e.g. where a refused create did NOT land), with the input used. */
  after?: (fx: Fixture, input: unknown) => Promise<void> | void;
};

/**
 * For every organization-scoped procedure: an input aimed at organization A's data, and what
 * B's owner (with the organization cookie set to A) must get back. A procedure added to the router
 * without an entry here fails the coverage test.
 */
const PROBES: Record<string, Probe> = {
  "session.me": {
    expect: (result, { b }) => {
      const me = result as { org: { id: string }; user: { id: string }; role: string; organizations: { id: string }[] };
      expect(me.org.id).toBe(b.org.id);
      expect(me.user.id).toBe(b.users.owner.id);
      expect(me.role).toBe("owner");
      expect(me.organizations.map((o) => o.id)).toEqual([b.org.id]);
    },
  },
  "organization.get": {
    expect: (result, { b }) => {
      expect(result).toMatchObject({ id: b.org.id, slug: b.org.slug, name: b.org.name });
    },
  },
  "organization.timeZones": {
    expect: (result) => {
      expect(result).toContain("UTC");
    },
  },
  "organization.update": {
    input: () => ({ name: `Renamed ${randomSuffix()}`, approvalRequired: true }),
    expect: async (result, { b }) => {
      expect(result).toMatchObject({ id: b.org.id, approvalRequired: true });
      expect((await callerFor(db, b.users.owner.id, b.org.id).organization.get()).name).toBe((result as { name: string }).name);
    },
  },
  "team.list": {
    expect: (result, { b }) => {
      const ids = (result as { userId: string }[]).map((m) => m.userId).sort();
      expect(ids).toEqual(
        Object.values(b.users)
          .map((u) => u.id)
          .sort(),
      );
    },
  },
  "team.invite": {
    input: () => ({ email: `tenant-${randomSuffix()}@test.local`, name: "Tenant Probe", role: "business" }),
    expect: async (result, { b }) => {
      const { userId } = result as { userId: string };
      const rows = await db.select({ orgId: memberships.orgId }).from(memberships).where(eq(memberships.userId, userId));
      expect(rows).toEqual([{ orgId: b.org.id }]);
    },
  },
  "team.changeRole": { input: ({ a }) => ({ userId: a.users.approver.id, role: "owner" }), expect: notFound("That team member") },
  "team.setActive": { input: ({ a }) => ({ userId: a.users.owner.id, active: false }), expect: notFound("That team member") },
  "team.createPasswordLink": { input: ({ a }) => ({ userId: a.users.developer.id }), expect: notFound("That team member") },
  "team.revokeInvitation": { input: ({ a }) => ({ userId: a.users.developer.id }), expect: notFound("That team member") },
  "team.remove": { input: ({ a }) => ({ userId: a.users.developer.id }), expect: notFound("That team member") },
  "team.sendPasswordReset": { input: ({ a }) => ({ userId: a.users.developer.id }), expect: notFound("That team member") },

  "catalog.assets": {
    expect: async (result, { b }) => {
      const ids = sortedIds(result as { id: string }[]);
      expect(ids).toEqual(await idsIn("assets", b.org.id));
      expect(ids).toEqual(expect.arrayContaining([b.data.catalog.xlm.id, b.data.catalog.usdc.id]));
    },
  },
  "catalog.wallets": {
    expect: async (result, { b }) => {
      const wallets = result as { id: string; assets: { id: string }[] }[];
      expect(sortedIds(wallets)).toEqual(await idsIn("wallets", b.org.id));
      expect(sortedIds(wallets)).toContain(b.data.catalog.wallet.id);
      const bAssets = await idsIn("assets", b.org.id);
      for (const w of wallets) for (const asset of w.assets) expect(bAssets).toContain(asset.id);
    },
  },
  "catalog.createAsset": {
    input: () => ({ code: `T${randomSuffix().slice(0, 8)}`, issuer: Keypair.random().publicKey() }),
    expect: async (result, { b }) => {
      const asset = result as { id: string; issuer: string };
      expect(await orgOf("assets", asset.id)).toEqual([b.org.id]);
    },
  },
  "catalog.setAssetEnabled": { input: ({ a }) => ({ id: a.data.catalog.usdc.id, enabled: false }), expect: notFound("The asset") },
  "catalog.createWallet": {
    input: ({ b }) => ({
      name: `Probe wallet ${randomSuffix()}`,
      homepage: "https://wallet.example.org",
      deep_link_schema: "wallet://sdp",
      sep_10_client_domain: "wallet.example.org",
      asset_ids: [b.data.catalog.usdc.id],
    }),
    expect: async (result, { b }) => {
      const wallet = result as { id: string; assets: { id: string }[] };
      expect(await orgOf("wallets", wallet.id)).toEqual([b.org.id]);
      expect(wallet.assets.map((x) => x.id)).toEqual([b.data.catalog.usdc.id]);
    },
  },
  "catalog.updateWallet": { input: ({ a }) => ({ id: a.data.catalog.wallet.id, enabled: false }), expect: notFound("The wallet") },
  "catalog.deleteAsset": { input: ({ a }) => ({ id: a.data.catalog.xlm.id }), expect: notFound("The asset") },
  "catalog.deleteWallet": { input: ({ a }) => ({ id: a.data.catalog.wallet.id }), expect: notFound("The wallet") },

  "disbursements.list": {
    input: () => ({ page_limit: 100 }),
    expect: async (result, { b }) => {
      const page = result as { data: { id: string }[]; pagination: { total: number } };
      // Account messages (staff invitations) carry set-password links and are never listed.
      const own = await idsIn("disbursements", b.org.id);
      expect(sortedIds(page.data)).toEqual(own);
      expect(page.pagination.total).toBe(own.length);
      expect(own).toContain(b.data.disbursement.id);
    },
  },
  "disbursements.get": { input: ({ a }) => ({ id: a.data.disbursement.id }), expect: notFound("The disbursement") },
  "disbursements.progress": { input: ({ a }) => ({ id: a.data.disbursement.id }), expect: notFound("The disbursement") },
  "disbursements.receivers": { input: ({ a }) => ({ id: a.data.disbursement.id }), expect: notFound("The disbursement") },
  "disbursements.create": {
    input: ({ a }) => ({
      name: `Probe disbursement ${randomSuffix()}`,
      wallet_id: a.data.catalog.wallet.id,
      asset_id: a.data.catalog.usdc.id,
      registration_contact_type: "PHONE_NUMBER",
      verification_field: "DATE_OF_BIRTH",
    }),
    expect: { code: "BAD_REQUEST", message: "Invalid wallet provided" },
    after: async (_fx, input) => {
      // The refused create landed nowhere: not in A, not in B.
      const rows = await db
        .select({ id: disbursements.id })
        .from(disbursements)
        .where(eq(disbursements.name, (input as { name: string }).name));
      expect(rows).toEqual([]);
    },
  },
  "disbursements.changeStatus": { input: ({ a }) => ({ id: a.data.disbursement.id, status: "STARTED" }), expect: notFound("The disbursement") },
  "disbursements.delete": { input: ({ a }) => ({ id: a.data.disbursement.id }), expect: notFound("The disbursement") },
  "disbursements.cancel": { input: ({ a }) => ({ id: a.data.disbursement.id }), expect: notFound("The disbursement") },

  "payments.list": {
    input: () => ({ page_limit: 100 }),
    expect: async (result, { b }) => {
      const page = result as { data: { id: string }[]; pagination: { total: number } };
      // Account messages (staff invitations) carry set-password links and are never listed.
      const own = await idsIn("payments", b.org.id);
      expect(sortedIds(page.data)).toEqual(own);
      expect(page.pagination.total).toBe(own.length);
      expect(own).toEqual(expect.arrayContaining(b.data.payments.all));
    },
  },
  "payments.get": { input: ({ a }) => ({ id: a.data.payments.draft }), expect: notFound("The payment") },
  "payments.cancel": { input: ({ a }) => ({ id: a.data.payments.ready }), expect: notFound("The payment") },
  "payments.retry": { input: ({ a }) => ({ payment_ids: [a.data.payments.failed] }), expect: notFound("One or more payments") },

  "receivers.list": {
    input: () => ({ page_limit: 100 }),
    expect: async (result, { b }) => {
      const page = result as { data: { id: string }[]; pagination: { total: number } };
      // Account messages (staff invitations) carry set-password links and are never listed.
      const own = await idsIn("receivers", b.org.id);
      expect(sortedIds(page.data)).toEqual(own);
      expect(page.pagination.total).toBe(own.length);
      expect(own).toEqual(expect.arrayContaining(b.data.receivers.map((r) => r.id)));
    },
  },
  "receivers.get": { input: ({ a }) => ({ id: a.data.receivers[0]!.id }), expect: notFound("The receiver") },
  "receivers.updateContact": {
    input: ({ a }) => ({ id: a.data.receivers[0]!.id, phoneNumber: nextUkMobile(), externalId: `moved-${randomSuffix()}` }),
    expect: notFound("The receiver"),
  },
  "receivers.unregisterWallet": { input: ({ a }) => ({ receiverWalletId: a.data.receiverWalletIds[0]! }), expect: notFound("The receiver wallet") },
  "receivers.issueRegistrationLink": { input: ({ a }) => ({ receiverWalletId: a.data.receiverWalletIds[0]! }), expect: notFound("The receiver wallet") },
  "receivers.resendInvitation": { input: ({ a }) => ({ receiverWalletId: a.data.receiverWalletIds[1]! }), expect: notFound("The receiver wallet") },
  "receivers.unlock": { input: ({ a }) => ({ id: a.data.receivers[0]!.id }), expect: notFound("The receiver") },
  "receivers.setVerification": {
    input: ({ a }) => ({ id: a.data.receivers[0]!.id, verificationField: "DATE_OF_BIRTH", value: "1990-01-01" }),
    expect: notFound("The receiver"),
  },
  // B's create lands in B, never in the organization of the cookie.
  "receivers.create": {
    input: () => ({ phone_number: nextUkMobile(), external_id: `b-new-${randomSuffix()}`, verifications: [{ type: "PIN", value: "1234" }] }),
    expect: async (result, { a, b }) => {
      const id = (result as { id: string }).id;
      const [row] = await db.select({ orgId: receivers.orgId }).from(receivers).where(eq(receivers.id, id));
      expect(row?.orgId).toBe(b.org.id);
      expect(row?.orgId).not.toBe(a.org.id);
    },
  },
  "receivers.update": { input: ({ a }) => ({ id: a.data.receivers[0]!.id, external_id: `moved-${randomSuffix()}` }), expect: notFound("The receiver") },

  "messages.list": {
    input: () => ({ page_limit: 100 }),
    expect: async (result, { b }) => {
      const page = result as { data: { id: string }[]; pagination: { total: number } };
      // Account messages (staff invitations) carry set-password links and are never listed.
      const own = [...(await db.execute<{ id: string }>(sql`select id from messages where org_id = ${b.org.id} and user_id is null order by id`))].map((r) => r.id);
      expect(sortedIds(page.data)).toEqual(own);
      expect(page.pagination.total).toBe(own.length);
    },
  },

  "stellar.distributionAccount": {
    expect: async (result, { b }) => {
      const view = result as { public_key: string; ledger_error: string | null; balances: { asset_id: string }[]; recent_transactions: unknown[] };
      expect(view.public_key).toBe(b.distribution);
      expect(view.ledger_error).toMatch(/^The ledger could not be reached/);
      expect(view.balances.map((x) => x.asset_id).sort()).toEqual(await idsIn("assets", b.org.id));
      expect(view.recent_transactions).toEqual([]);
    },
  },
  "stellar.preflight": { input: ({ a }) => ({ id: a.data.disbursement.id }), expect: notFound("The disbursement") },

  "apiKeys.list": {
    expect: async (result, { b }) => {
      const ids = sortedIds(result as { id: string }[]);
      expect(ids).toEqual(await idsIn("api_keys", b.org.id));
      expect(ids).toContain(b.data.apiKey.id);
    },
  },
  "apiKeys.create": {
    // read:organization: a scope both roles that manage keys (owner, developer) may grant.
    input: () => ({ name: `Probe key ${randomSuffix()}`, scopes: ["read:organization"] }),
    expect: async (result, { b }) => {
      const key = result as { id: string; key: string };
      expect(key.key).toMatch(/^sdp_/);
      expect(await orgOf("api_keys", key.id)).toEqual([b.org.id]);
    },
  },
  "apiKeys.revoke": { input: ({ a }) => ({ id: a.data.apiKey.id }), expect: notFound("The API key") },

  "integrations.identity": {
    expect: (result, { b }) => {
      // The receiver id is B's slug (organization.update may have renamed B, never its slug).
      expect(result).toMatchObject({ receiver_id: b.org.slug });
    },
  },
  "integrations.senders": {
    expect: async (result, { b }) => {
      const ids = sortedIds(result as { id: string }[]);
      const own = [...(await db.execute<{ id: string }>(sql`select id from g2p_senders where org_id = ${b.org.id} order by id`))].map((r) => r.id);
      expect(ids).toEqual(own);
      expect(ids).toContain(b.g2p.senderRowId);
    },
  },
  "integrations.createSender": {
    input: ({ b }) => ({
      sender_id: `probe-sender-${randomSuffix()}`,
      name: "Probe sender",
      callback_url: "https://probe.example.org/g2p",
      public_key: ed25519PublicKey(),
      wallet_id: b.data.catalog.wallet.id,
    }),
    expect: async (result, { b }) => {
      const rows = await db
        .select({ orgId: g2pSenders.orgId })
        .from(g2pSenders)
        .where(eq(g2pSenders.id, (result as { id: string }).id));
      expect(rows).toEqual([{ orgId: b.org.id }]);
    },
  },
  "integrations.oauthClients": {
    expect: async (result, { b }) => {
      const ids = sortedIds(result as { id: string }[]);
      const own = [...(await db.execute<{ id: string }>(sql`select id from g2p_oauth_clients where org_id = ${b.org.id} order by id`))].map((r) => r.id);
      expect(ids).toEqual(own);
      expect(ids).toContain(b.g2p.oauthClientRowId);
    },
  },
  "integrations.createOauthClient": {
    input: ({ a }) => ({ sender_row_id: a.g2p.senderRowId, name: "Hijacked client", scopes: ["write:disbursements"] }),
    expect: notFound("The sender"),
    after: ({ a }) => expectG2pUntouched(a),
  },
  "integrations.revokeOauthClient": {
    input: ({ a }) => ({ id: a.g2p.oauthClientRowId }),
    expect: notFound("The client credentials"),
    after: ({ a }) => expectG2pUntouched(a),
  },
  "integrations.updateSender": {
    input: ({ a }) => ({
      id: a.g2p.senderRowId,
      name: "Hijacked",
      callback_url: "https://elsewhere.example.org/g2p",
      public_key: ed25519PublicKey(),
      wallet_id: a.data.catalog.wallet.id,
    }),
    expect: notFound("The sender"),
    after: ({ a }) => expectG2pUntouched(a),
  },
  "integrations.setSenderEnabled": {
    input: ({ a }) => ({ id: a.g2p.senderRowId, enabled: false }),
    expect: notFound("The sender"),
    after: ({ a }) => expectG2pUntouched(a),
  },
  "integrations.messages": {
    input: () => ({ page_limit: 100 }),
    expect: async (result, { b }) => {
      const page = result as { data: { id: string }[]; pagination: { total: number } };
      // Account messages (staff invitations) carry set-password links and are never listed.
      const own = [...(await db.execute<{ id: string }>(sql`select id from g2p_messages where org_id = ${b.org.id} order by id`))].map((r) => r.id);
      expect(sortedIds(page.data)).toEqual(own);
      expect(own).toContain(b.g2p.inboundId);
      expect(page.pagination.total).toBe(own.length);
    },
  },
  "integrations.message": { input: ({ a }) => ({ id: a.g2p.inboundId }), expect: notFound("The message") },

  "connections.list": {
    expect: async (result, { b }) => {
      const own = [...(await db.execute<{ id: string }>(sql`select id from payment_connections where org_id = ${b.org.id} order by id`))].map((r) => r.id);
      expect(sortedIds(result as { id: string }[])).toEqual(own);
      expect(own).toContain(connectionIdOf(b));
    },
  },
  "connections.get": { input: ({ a }) => ({ id: connectionIdOf(a) }), expect: notFound("The connection") },
  "connections.create": {
    input: () => ({ rail_type: "STELLAR", name: `Probe connection ${randomSuffix()}` }),
    expect: async (result, { b }) => {
      const rows = await db.execute<{ org_id: string }>(sql`select org_id from payment_connections where id = ${(result as { id: string }).id}`);
      expect([...rows]).toEqual([{ org_id: b.org.id }]);
    },
  },
  "connections.update": {
    input: ({ a }) => ({ id: connectionIdOf(a), name: "Hijacked" }),
    expect: notFound("The connection"),
    after: ({ a }) => expectConnectionUntouched(a),
  },
  "connections.replaceCredentials": {
    input: ({ a }) => ({ id: bankConnectionIdOf(a), credentials: { apiKey: "stolen" } }),
    expect: notFound("The connection"),
    after: ({ a }) => expectConnectionUntouched(a),
  },
  "connections.setEnabled": {
    input: ({ a }) => ({ id: connectionIdOf(a), enabled: false }),
    expect: notFound("The connection"),
    after: ({ a }) => expectConnectionUntouched(a),
  },
  "connections.delete": { input: ({ a }) => ({ id: bankConnectionIdOf(a) }), expect: notFound("The connection"), after: ({ a }) => expectConnectionUntouched(a) },
  "connections.test": { input: ({ a }) => ({ id: connectionIdOf(a) }), expect: notFound("The connection"), after: ({ a }) => expectConnectionUntouched(a) },
  "bankFiles.list": {
    input: () => ({}),
    expect: async (result, { b }) => expect((result as { data: { id: string }[] }).data.map((f) => f.id)).toEqual([bankFileOf.get(b.org.id)]),
  },
  "bankFiles.get": { input: ({ a }) => ({ id: bankFileOf.get(a.org.id)! }), expect: notFound("The bank file") },
  "bankFiles.exceptions": {
    input: () => ({}),
    expect: async (result) => expect((result as { data: unknown[] }).data).toHaveLength(1),
  },
  "bankFiles.connections": {
    expect: async (result, { b }) => expect((result as { id: string }[]).map((c) => c.id)).toContain(bankConnectionIdOf(b)),
  },
  "disbursements.shipments": { input: ({ a }) => ({ id: a.data.disbursement.id }), expect: async (result) => expect(result).toEqual([]) },
  "disbursements.mojaloopPreflight": { input: ({ a }) => ({ id: a.data.disbursement.id }), expect: notFound("The disbursement") },
  "disbursements.lookUpMojaloopPayees": { input: ({ a }) => ({ id: a.data.disbursement.id }), expect: notFound("The disbursement") },
  "disbursements.excludeUnresolvedMojaloopPayees": { input: ({ a }) => ({ id: a.data.disbursement.id }), expect: notFound("The disbursement") },
  "disbursements.markShipmentUploaded": {
    input: ({ a }) => ({ id: railBatchOf.get(a.org.id)! }),
    expect: notFound("The shipment"),
    after: async ({ a }) => {
      const [batch] = await db.execute<{ status: string }>(sql`select status from rail_batches where id = ${railBatchOf.get(a.org.id)!}`);
      expect(batch!.status).toBe("AWAITING_UPLOAD");
    },
  },
  "routing.list": {
    expect: async (result, { b }) => expect((result as { id: string }[]).map((r) => r.id)).toEqual([ruleIdOf(b)]),
  },
  "routing.options": {
    expect: async (result, { b }) =>
      expect((result as { connections: { id: string }[] }).connections.map((c) => c.id)).toEqual(expect.arrayContaining([connectionIdOf(b), bankConnectionIdOf(b)])),
  },
  "routing.preview": { input: ({ a }) => ({ disbursement_id: a.data.disbursement.id }), expect: notFound("The disbursement") },
  "routing.create": {
    input: ({ a }) => ({ name: "Probe rule", connection_id: connectionIdOf(a) }),
    expect: { code: "BAD_REQUEST", message: "The connection was not found." },
    after: ({ a }) => expectRuleUntouched(a),
  },
  "routing.update": { input: ({ a }) => ({ id: ruleIdOf(a), name: "Hijacked" }), expect: notFound("The routing rule"), after: ({ a }) => expectRuleUntouched(a) },
  "routing.setEnabled": { input: ({ a }) => ({ id: ruleIdOf(a), enabled: false }), expect: notFound("The routing rule"), after: ({ a }) => expectRuleUntouched(a) },
  "routing.reorder": {
    input: ({ a }) => ({ ids: [ruleIdOf(a)] }),
    expect: { code: "BAD_REQUEST", message: "List every routing rule of the organization exactly once, in the new order." },
    after: ({ a }) => expectRuleUntouched(a),
  },
  "routing.delete": { input: ({ a }) => ({ id: ruleIdOf(a) }), expect: notFound("The routing rule"), after: ({ a }) => expectRuleUntouched(a) },
  "integrations.retryCallback": {
    input: ({ a }) => ({ id: a.g2p.failedCallbackId }),
    expect: notFound("The message"),
    after: ({ a }) => expectG2pUntouched(a),
  },
};

function expectError(error: TRPCError, expected: ExpectedError) {
  expect(error.code, error.message).toBe(expected.code);
  if (typeof expected.message === "string") expect(error.message).toBe(expected.message);
  else expect(error.message).toMatch(expected.message);
}

describe("tenancy: organization B never reaches organization A", () => {
  let fx: Fixture;
  beforeAll(async () => {
    fx = { a: await tenant(), b: await tenant() };
  });

  it("every organization-scoped procedure of the router has a probe (and no stale ones)", () => {
    expect(ORG_SCOPED.length).toBeGreaterThanOrEqual(30);
    expect(Object.keys(PROBES).sort()).toEqual([...ORG_SCOPED].sort());
  });

  it.each(ORG_SCOPED)("%s as B's owner with the cookie set to A", async (path) => {
    const probe = PROBES[path];
    expect(probe, `no tenancy probe for ${path}`).toBeDefined();
    const before = await orgSnapshot(db, fx.a.org.id);
    const caller = callerFor(db, fx.b.users.owner.id, fx.a.org.id);
    const input = probe!.input?.(fx);
    const call = callPath(caller, path, input);

    if (typeof probe!.expect === "function") {
      const result = await call;
      await probe!.expect(result, fx);
      const text = JSON.stringify(result) ?? "";
      for (const id of leakIdentifiers(fx.a)) expect(text, `${path} leaked ${id}`).not.toContain(id);
    } else {
      const error = await expectTRPCError(call, probe!.expect.code);
      expectError(error, probe!.expect);
      for (const id of leakIdentifiers(fx.a)) expect(error.message, `${path} leaked ${id}`).not.toContain(id);
    }
    await probe!.after?.(fx, input);
    expect(await orgSnapshot(db, fx.a.org.id)).toEqual(before);
  });

  it("no role of B can read or change A's data through any procedure", async () => {
    const b = await tenant();
    const local: Fixture = { a: fx.a, b };
    const before = await orgSnapshot(db, fx.a.org.id);
    const outcomes: string[] = [];
    for (const role of ROLES) {
      for (const path of ORG_SCOPED) {
        const probe = PROBES[path]!;
        const caller = callerFor(db, b.users[role].id, fx.a.org.id);
        const input = probe.input?.(local);
        try {
          const result = await callPath(caller, path, input);
          // A probe that expects an error must never succeed, for any role.
          expect(typeof probe.expect, `${role} ${path} succeeded`).toBe("function");
          const text = JSON.stringify(result) ?? "";
          for (const id of leakIdentifiers(fx.a)) expect(text, `${role} ${path} leaked ${id}`).not.toContain(id);
          outcomes.push(`${role} ${path} ok`);
        } catch (error) {
          expect(error, `${role} ${path}`).toBeInstanceOf(TRPCError);
          const e = error as TRPCError;
          if (e.code !== "FORBIDDEN") {
            expect(typeof probe.expect, `${role} ${path}: ${e.code} ${e.message}`).not.toBe("function");
            expectError(e, probe.expect as ExpectedError);
          }
          for (const id of leakIdentifiers(fx.a)) expect(e.message, `${role} ${path} leaked ${id}`).not.toContain(id);
          outcomes.push(`${role} ${path} ${e.code}`);
        }
        await probe.after?.(local, input);
      }
    }
    expect(outcomes).toHaveLength(ROLES.length * ORG_SCOPED.length);
    expect(outcomes).toContain("owner team.setActive NOT_FOUND");
    expect(outcomes).toContain("business team.setActive FORBIDDEN");
    expect(outcomes).toContain("initiator disbursements.create BAD_REQUEST");
    expect(outcomes).toContain("developer disbursements.get FORBIDDEN");
    expect(outcomes).toContain("approver disbursements.changeStatus NOT_FOUND");
    expect(outcomes).toContain("business payments.retry NOT_FOUND");
    expect(outcomes).toContain("developer catalog.createWallet ok");
    expect(outcomes).toContain("developer apiKeys.revoke NOT_FOUND");
    expect(outcomes).toContain("business receivers.list ok");
    expect(outcomes).toContain("developer stellar.distributionAccount ok");
    expect(outcomes).toContain("developer stellar.preflight FORBIDDEN");
    expect(outcomes).toContain("approver stellar.preflight NOT_FOUND");
    expect(await orgSnapshot(db, fx.a.org.id)).toEqual(before);
  });

  it("B cannot reference A's records inside its own requests", async () => {
    const { a, b } = fx;
    const before = await orgSnapshot(db, a.org.id);
    const bBefore = await orgSnapshot(db, b.org.id);
    const caller = callerFor(db, b.users.owner.id, a.org.id);

    // A's assets in B's wallet, A's asset in B's disbursement.
    const wallet = await expectTRPCError(
      caller.catalog.createWallet({
        name: `Cross wallet ${randomSuffix()}`,
        homepage: "https://wallet.example.org",
        deep_link_schema: "wallet://sdp",
        sep_10_client_domain: "wallet.example.org",
        asset_ids: [a.data.catalog.usdc.id],
      }),
      "BAD_REQUEST",
    );
    expect(wallet.message).toBe("Unknown asset");
    const update = await expectTRPCError(
      caller.catalog.updateWallet({ id: b.data.catalog.wallet.id, asset_ids: [b.data.catalog.xlm.id, a.data.catalog.usdc.id] }),
      "BAD_REQUEST",
    );
    expect(update.message).toBe("Unknown asset");
    const create = await expectTRPCError(
      caller.disbursements.create({
        name: `Cross asset ${randomSuffix()}`,
        wallet_id: b.data.catalog.wallet.id,
        asset_id: a.data.catalog.usdc.id,
        registration_contact_type: "PHONE_NUMBER",
        verification_field: "DATE_OF_BIRTH",
      }),
      "BAD_REQUEST",
    );
    expect(create.message).toBe("Invalid asset provided");

    // Filters on A's ids find nothing.
    expect(await caller.payments.list({ disbursement_id: a.data.disbursement.id })).toMatchObject({ data: [], pagination: { total: 0 } });
    expect(await caller.payments.list({ receiver_id: a.data.receivers[0]!.id })).toMatchObject({ data: [], pagination: { total: 0 } });
    // A's receivers' phone numbers and external ids match none of B's receivers or payments.
    for (const r of a.data.receivers) {
      expect((await caller.receivers.list({ q: r.phone })).data).toEqual([]);
      expect((await caller.payments.list({ q: r.externalId })).data).toEqual([]);
    }

    // Retrying B's own FAILED payment together with A's refuses both.
    const retry = await expectTRPCError(caller.payments.retry({ payment_ids: [b.data.payments.failed, a.data.payments.failed] }), "NOT_FOUND");
    expect(retry.message).toBe("One or more payments was not found.");

    expect(await orgSnapshot(db, a.org.id)).toEqual(before);
    expect(await orgSnapshot(db, b.org.id)).toEqual(bBefore);
  });

  // The control for the refusals above: A's own owner, with the very same inputs, succeeds, so
  // B's NOT_FOUND/BAD_REQUEST comes from the organization scoping, not from a bad input. (Not
  // team.setActive: its probe aims at A's owner, who may not deactivate themself; nor the receiver
  // wallet verbs: the seeded wallets are DRAFT, and their success for the own organization is
  // covered in permissions.test.ts and registration.test.ts.)
  // team.createPasswordLink / team.revokeInvitation serve only invitations (the developer has joined).
  // catalog.deleteWallet: A's demo wallet is in use (a READY disbursement, a G2P sender), so A's owner
  // is refused too; its success is covered in permissions.test.ts and catalog-delete.test.ts.
  const NO_CONTROL = [
    "catalog.deleteWallet",
    "team.setActive",
    "team.createPasswordLink",
    "team.revokeInvitation",
    "receivers.unregisterWallet",
    "receivers.issueRegistrationLink",
    "receivers.resendInvitation",
    "receivers.unlock",
  ];
  it.each(Object.keys(PROBES).filter((path) => typeof PROBES[path]!.expect !== "function" && !NO_CONTROL.includes(path)))(
    "control: %s with the same input succeeds for A's own owner",
    async (path) => {
      const own = await tenant();
      const result = await callPath(callerFor(db, own.users.owner.id, own.org.id), path, PROBES[path]!.input?.({ a: own, b: fx.b }));
      expect(result).toBeDefined();
    },
  );

  it("a member of both organizations deactivated in A gets B's data with the cookie set to A", async () => {
    const { a, b } = { a: await createOrgWithMembers(db, ["owner"]), b: await createOrgWithMembers(db, ["owner"]) };
    const member = await callerFor(db, a.users.owner.id).team.invite({ email: `both-${randomSuffix()}@test.local`, name: "Both", role: "financial_controller" });
    await callerFor(db, b.users.owner.id).team.invite({ email: member.email, name: "Both", role: "financial_controller" });
    await callerFor(db, member.userId).invitations.accept({ orgId: b.org.id });
    const caller = callerFor(db, member.userId, a.org.id);
    expect((await caller.organization.get()).id).toBe(a.org.id);

    await callerFor(db, a.users.owner.id).team.setActive({ userId: member.userId, active: false });
    expect((await caller.organization.get()).id).toBe(b.org.id);
    expect((await caller.session.me()).organizations.map((o) => o.id)).toEqual([b.org.id]);
    await caller.organization.update({ name: `B renamed ${randomSuffix()}` });
    expect((await callerFor(db, a.users.owner.id).organization.get()).name).toBe(a.org.name);
  });

  it("every organization-scoped procedure refuses signed-out callers and users without a membership", async () => {
    const [loner] = await db
      .insert(users)
      .values({ email: `loner-${randomSuffix()}@test.local`, name: "Loner" })
      .returning();
    for (const path of ORG_SCOPED) {
      const input = PROBES[path]!.input?.(fx);
      const anonymous = await expectTRPCError(callPath(callerFor(db, null, fx.a.org.id), path, input), "UNAUTHORIZED");
      expect(anonymous.message).toBe("Sign in to continue.");
      await expectTRPCError(callPath(callerFor(db, loner!.id, fx.a.org.id), path, input), "FORBIDDEN");
    }
  });
});

describe("session.switchOrganization", () => {
  it("refuses an organization the user is not a member of, and sets no cookie", async () => {
    const a = await createOrgWithMembers(db, ["owner"]);
    const b = await createOrgWithMembers(db, ["owner"]);
    const headers = new Headers();
    const caller = callerFor(db, b.users.owner.id, null, { resHeaders: headers });
    const error = await expectTRPCError(caller.session.switchOrganization({ orgId: a.org.id }), "FORBIDDEN");
    expect(error.message).toBe("You are not an active member of that organization.");
    await expectTRPCError(caller.session.switchOrganization({ orgId: "00000000-0000-4000-8000-000000000000" }), "FORBIDDEN");
    expect(headers.get("set-cookie")).toBeNull();
  });

  it("switches to an organization the user belongs to, setting the cookie", async () => {
    const a = await createOrgWithMembers(db, ["owner"]);
    const b = await createOrgWithMembers(db, ["owner"]);
    await callerFor(db, a.users.owner.id).team.invite({ email: b.users.owner.email, name: "x", role: "developer" });
    // Pending until its holder accepts (memberships by consent): no switching there yet.
    await expectTRPCError(callerFor(db, b.users.owner.id).session.switchOrganization({ orgId: a.org.id }), "FORBIDDEN");
    await callerFor(db, b.users.owner.id).invitations.accept({ orgId: a.org.id });
    const headers = new Headers();
    const caller = callerFor(db, b.users.owner.id, null, { resHeaders: headers });
    expect(await caller.session.switchOrganization({ orgId: a.org.id })).toEqual({ orgId: a.org.id });
    expect(headers.get("set-cookie")).toMatch(new RegExp(`^active_org=${a.org.id}; Path=/; HttpOnly; SameSite=Lax`));
    // With that cookie the user works in A with their role there.
    const me = await callerFor(db, b.users.owner.id, a.org.id).session.me();
    expect(me).toMatchObject({ org: { id: a.org.id }, role: "developer" });
    await expectTRPCError(callerFor(db, b.users.owner.id, a.org.id).team.list(), "FORBIDDEN");
  });

  it("refuses signed-out callers and a deactivated membership", async () => {
    const a = await createOrgWithMembers(db, ["owner", "approver"]);
    const b = await createOrgWithMembers(db, ["owner"]);
    await expectTRPCError(callerFor(db, null).session.switchOrganization({ orgId: a.org.id }), "UNAUTHORIZED");
    await callerFor(db, b.users.owner.id).team.invite({ email: a.users.approver.email, name: "x", role: "approver" });
    await callerFor(db, a.users.approver.id).invitations.accept({ orgId: b.org.id });
    await callerFor(db, a.users.owner.id).team.setActive({ userId: a.users.approver.id, active: false });
    await expectTRPCError(callerFor(db, a.users.approver.id).session.switchOrganization({ orgId: a.org.id }), "FORBIDDEN");
    expect(await callerFor(db, a.users.approver.id).session.switchOrganization({ orgId: b.org.id })).toEqual({ orgId: b.org.id });
  });
});
