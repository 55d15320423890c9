import { generateKeyPairSync } from "node:crypto";
import { Keypair } from "@stellar/stellar-sdk";
import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  apiKeys,
  assets,
  disbursements,
  g2pMessages,
  g2pOauthClients,
  g2pSenders,
  paymentConnections,
  memberships,
  payments,
  receivers,
  receiverWallets,
  routingRules,
  stellarAccounts,
  wallets,
} from "@/db/schema";
import { freePort } from "@/scripts/lib/embedded-postgres";
import { ensureDistributionKeypair, keypairOf } from "@/server/stellar/accounts";
import { inviteUser } from "@/server/services/team/invite-user";
import { createG2pOauthClient } from "@/server/services/integrations/create-g2p-oauth-client";
import { can, PERMISSIONS, permissionsOf, type Permission } from "@/server/domain/permissions";
import { ROLES, type Role } from "@/server/domain/roles";
import {
  allProcedures,
  callerFor,
  callPath,
  createOrgWithMembers,
  expectTRPCError,
  orgSnapshot,
  randomSuffix,
  seedOrgData,
  testDb,
  type OrgData,
  type TestOrg,
} from "./helpers";

const db = testDb();

/**
 * No ledger runs for these tests: HORIZON_URL points at a closed port, so the Stellar procedures
 * take their degraded path (the ledger is unreachable) and must answer at once, not hang.
 */
beforeAll(async () => {
  vi.stubEnv("STELLAR_NETWORK", "local");
  vi.stubEnv("HORIZON_URL", `http://127.0.0.1:${await freePort()}`);
});
afterAll(() => {
  vi.unstubAllEnvs();
});

/**
 * An organization with one member per role and real data: its demo catalog, a READY disbursement with payments (one READY, one FAILED) and receivers, and an API key;
 * a distribution account keypair (not on any ledger) and the first receiver's wallet registered with a Stellar address.
 */
type PermOrg = TestOrg & { data: OrgData; distribution: { publicKey: string; encryptedSecret: string; secret: string }; registeredAddress: string };

async function seededOrg(): Promise<PermOrg> {
  const org = await createOrgWithMembers(db);
  const data = await seedOrgData(db, org);
  const distribution = await ensureDistributionKeypair(db, org.org.id, "local");
  const registeredAddress = Keypair.random().publicKey();
  await db
    .update(receiverWallets)
    .set({ status: "REGISTERED", destinationKind: "STELLAR_ADDRESS", destinationValue: registeredAddress })
    .where(eq(receiverWallets.id, data.receiverWalletIds[0]!));
  return {
    ...org,
    data,
    distribution: { publicKey: distribution.publicKey, encryptedSecret: distribution.encryptedSecret, secret: keypairOf(distribution).secret() },
    registeredAddress,
  };
}

const sortedIds = (rows: { id: string }[]) => rows.map((r) => r.id).sort();
type Page = { data: { id: string }[]; pagination: { total: number } };

/**
 * G2P fixtures for the integrations.* entries, made by their `prepare` (a registered sender, a
 * received request and a callback that failed), by organization id. Refused calls never prepare:
 * their input names an id that exists nowhere.
 */
const g2pOf = new Map<string, { senderRowId: string; inboundId: string; failedCallbackId: string }>();
const NO_ID = "00000000-0000-4000-8000-000000000000";
const ed25519Pem = () => generateKeyPairSync("ed25519").publicKey.export({ format: "pem", type: "spki" }).toString().trim();

async function prepareG2p(org: PermOrg) {
  const [sender] = await db
    .insert(g2pSenders)
    .values({
      orgId: org.org.id,
      senderId: `perm-sender-${randomSuffix()}`,
      name: "Perm sender",
      callbackUrl: "https://sender.example.org/g2p",
      publicKey: ed25519Pem(),
      walletId: org.data.catalog.wallet.id,
    })
    .returning();
  const common = { orgId: org.org.id, senderRowId: sender!.id, senderId: sender!.senderId, body: { message: { transaction_id: "T-perm" } } };
  const [inbound, failed] = await db
    .insert(g2pMessages)
    .values([
      { ...common, direction: "inbound", endpoint: "/disburse", messageId: `perm-msg-${randomSuffix()}`, status: "ACK" },
      { ...common, direction: "outbound", endpoint: "/on-disburse", messageId: `perm-msg-${randomSuffix()}`, status: "FAILED", attempts: 3 },
    ])
    .returning();
  g2pOf.set(org.org.id, { senderRowId: sender!.id, inboundId: inbound!.id, failedCallbackId: failed!.id });
}

/** OAuth2 client credentials of a fresh sender (integrations.revokeOauthClient), by organization id. */
const oauthClientOf = new Map<string, string>();
async function prepareOauthClient(org: PermOrg) {
  await prepareG2p(org);
  const ctx = { db, actor: { userId: org.users.owner.id }, org: { id: org.org.id }, role: "owner" as const };
  const client = await createG2pOauthClient(ctx, { sender_row_id: g2pIds(org).senderRowId, name: "Perm client", scopes: ["read:disbursements"] });
  oauthClientOf.set(org.org.id, client.id);
}

const g2pIds = (org: PermOrg) => g2pOf.get(org.org.id) ?? { senderRowId: NO_ID, inboundId: NO_ID, failedCallbackId: NO_ID };

/**
 * Connection fixtures for the connections.* entries, made by their `prepare`: the default Stellar
 * connection createOrganization made, and an unreferenced bank connection (not reachable: no test
 * calls it), by organization id.
 */
const connectionsOf = new Map<string, { stellarId: string; bankId: string }>();
/** A file-mode shipment waiting for upload (disbursements.markShipmentUploaded) and a bank file (bankFiles.get), by organization id. */
const shipmentOf = new Map<string, string>();
const bankFileOf = new Map<string, string>();
async function prepareConnections(org: PermOrg) {
  const [stellar] = await db.select({ id: paymentConnections.id }).from(paymentConnections).where(eq(paymentConnections.orgId, org.org.id));
  const [bank] = await db
    .insert(paymentConnections)
    .values({
      orgId: org.org.id,
      railType: "BANK",
      name: `Perm bank ${randomSuffix()}`,
      settings: { baseUrl: "https://bank.example.org", debtorAccountNumber: "1", debtorBankCode: "X", debtorName: "Perm", shipmentMode: "API" },
    })
    .returning({ id: paymentConnections.id });
  connectionsOf.set(org.org.id, { stellarId: stellar!.id, bankId: bank!.id });
}
const connectionIds = (org: PermOrg) => connectionsOf.get(org.org.id) ?? { stellarId: NO_ID, bankId: NO_ID };
const connectionRow = async (id: string) => (await db.select().from(paymentConnections).where(eq(paymentConnections.id, id)))[0];

/** Routing fixtures for the routing.* entries, made by their `prepare`: the default rule and Stellar connection createOrganization made. */
const routingOf = new Map<string, { ruleId: string; connectionId: string }>();
async function prepareRouting(org: PermOrg) {
  const [rule] = await db.select({ id: routingRules.id, connectionId: routingRules.connectionId }).from(routingRules).where(eq(routingRules.orgId, org.org.id));
  routingOf.set(org.org.id, { ruleId: rule!.id, connectionId: rule!.connectionId });
}
const routingIds = (org: PermOrg) => routingOf.get(org.org.id) ?? { ruleId: NO_ID, connectionId: NO_ID };
const ruleRow = async (id: string) => (await db.select().from(routingRules).where(eq(routingRules.id, id)))[0];

/**
 * The one table mapping every guarded procedure to the permission it requires, with an input that
 * is valid for it in `org` and a check of what a permitted call did. Public (auth.*) and session.*
 * procedures are the only ones left out; a new procedure without an entry fails the coverage test.
 */
const GUARDED: Record<
  string,
  {
    permission: Permission;
    input?: (org: PermOrg) => unknown;
    check: (result: unknown, org: PermOrg, role: Role) => Promise<void> | void;
    /** Puts a fresh organization in the state the call needs (allowed mutations only). */
    prepare?: (org: PermOrg) => Promise<void>;
    /**
     * Roles that pass the permission guard but are refused by a further rule of the service (the
     * error code expected), e.g. scopes their role cannot grant; they change nothing.
     */
    refusedFor?: Partial<Record<Role, string>>;
  }
> = {
  "organization.get": {
    permission: "organization:read",
    check: (result, { org }) => expect(result).toMatchObject({ id: org.id, name: org.name, timezone: "UTC" }),
  },
  "organization.timeZones": {
    permission: "organization:read",
    check: (result) => {
      expect(Array.isArray(result)).toBe(true);
      expect((result as string[])[0]).toBe("UTC");
    },
  },
  "organization.update": {
    permission: "organization:write",
    input: () => ({ name: `Updated ${randomSuffix()}`, timezone: "Africa/Nairobi" }),
    check: (result, { org }) => expect(result).toMatchObject({ id: org.id, timezone: "Africa/Nairobi" }),
  },
  "team.list": {
    permission: "users:manage",
    check: (result, { users }) =>
      expect((result as { userId: string }[]).map((m) => m.userId).sort()).toEqual(
        Object.values(users)
          .map((u) => u.id)
          .sort(),
      ),
  },
  "team.invite": {
    permission: "users:manage",
    input: () => ({ email: `perm-${randomSuffix()}@test.local`, name: "Permission Probe", role: "business" }),
    check: async (result, { org }) => {
      const { userId, invitationLink } = result as { userId: string; invitationLink: string };
      expect(invitationLink).toMatch(/^\/set-password\?token=/);
      const rows = await db
        .select()
        .from(memberships)
        .where(and(eq(memberships.orgId, org.id), eq(memberships.userId, userId)));
      expect(rows).toHaveLength(1);
    },
  },
  "team.changeRole": {
    permission: "users:manage",
    input: ({ users }) => ({ userId: users.business.id, role: "initiator" }),
    check: (result, { users }) => expect(result).toEqual({ userId: users.business.id, role: "initiator" }),
  },
  "team.setActive": {
    permission: "users:manage",
    input: ({ users }) => ({ userId: users.business.id, active: false }),
    check: (result, { users }) => expect(result).toEqual({ userId: users.business.id, active: false }),
  },
  "team.createPasswordLink": {
    permission: "users:manage",
    // Only for someone without a password (memberships by consent): a fresh invitee.
    prepare: async (org) => void invitees.set(org.org.id, await inviteProbe(org)),
    input: ({ org, users }) => ({ userId: invitees.get(org.id) ?? users.developer.id }),
    check: (result) => expect(result).toMatchObject({ setPasswordLink: expect.stringMatching(/^\/set-password\?token=/) }),
  },
  "team.revokeInvitation": {
    permission: "users:manage",
    prepare: async (org) => void invitees.set(org.org.id, await inviteProbe(org)),
    input: ({ org, users }) => ({ userId: invitees.get(org.id) ?? users.developer.id }),
    check: async (result, { org }) => {
      const { userId } = result as { userId: string };
      expect(
        await db
          .select()
          .from(memberships)
          .where(and(eq(memberships.orgId, org.id), eq(memberships.userId, userId))),
      ).toHaveLength(0);
    },
  },
  "team.remove": {
    permission: "users:manage",
    input: ({ users }) => ({ userId: users.business.id }),
    check: async (result, { org, users }) => {
      expect(result).toEqual({ userId: users.business.id });
      expect(
        await db
          .select()
          .from(memberships)
          .where(and(eq(memberships.orgId, org.id), eq(memberships.userId, users.business.id))),
      ).toHaveLength(0);
    },
  },
  "team.sendPasswordReset": {
    permission: "users:manage",
    input: ({ users }) => ({ userId: users.business.id }),
    check: (result, { users }) => expect(result).toEqual({ email: users.business.email }),
  },

  "catalog.assets": {
    permission: "organization:read",
    check: (result, { data }) => expect(sortedIds(result as { id: string }[])).toEqual([data.catalog.xlm.id, data.catalog.usdc.id].sort()),
  },
  "catalog.wallets": {
    permission: "organization:read",
    check: (result, { data }) => {
      const wallets = result as { id: string; assets: { id: string }[] }[];
      expect(wallets.map((w) => w.id)).toEqual([data.catalog.wallet.id]);
      expect(sortedIds(wallets[0]!.assets)).toEqual([data.catalog.xlm.id, data.catalog.usdc.id].sort());
    },
  },
  "catalog.createAsset": {
    permission: "assets:write",
    input: () => ({ code: `P${randomSuffix().slice(0, 8)}`, issuer: Keypair.random().publicKey() }),
    check: async (result, { org }) => {
      const asset = result as { id: string; enabled: boolean };
      expect(asset.enabled).toBe(true);
      expect(await db.select({ orgId: assets.orgId }).from(assets).where(eq(assets.id, asset.id))).toEqual([{ orgId: org.id }]);
    },
  },
  "catalog.setAssetEnabled": {
    permission: "assets:write",
    input: ({ data }) => ({ id: data.catalog.usdc.id, enabled: false }),
    check: (result, { data }) => expect(result).toMatchObject({ id: data.catalog.usdc.id, enabled: false }),
  },
  "catalog.createWallet": {
    permission: "wallets:write",
    input: ({ data }) => ({
      name: `Perm wallet ${randomSuffix()}`,
      homepage: "https://wallet.example.org",
      deep_link_schema: "wallet://sdp",
      sep_10_client_domain: "wallet.example.org",
      asset_ids: [data.catalog.xlm.id],
    }),
    check: async (result, { org, data }) => {
      const wallet = result as { id: string; assets: { id: string }[] };
      expect(wallet.assets.map((a) => a.id)).toEqual([data.catalog.xlm.id]);
      expect(await db.select({ orgId: wallets.orgId }).from(wallets).where(eq(wallets.id, wallet.id))).toEqual([{ orgId: org.id }]);
    },
  },
  "catalog.updateWallet": {
    permission: "wallets:write",
    input: ({ data }) => ({ id: data.catalog.wallet.id, enabled: false }),
    check: (result, { data }) => expect(result).toMatchObject({ id: data.catalog.wallet.id, enabled: false }),
  },
  "catalog.deleteAsset": {
    permission: "assets:write",
    // XLM: no disbursement or G2P sender of the seeded organization uses it.
    input: ({ data }) => ({ id: data.catalog.xlm.id }),
    check: async (result, { data }) => {
      expect(result).toMatchObject({ already_deleted: false, asset: { id: data.catalog.xlm.id, deleted_at: expect.any(String) } });
      const [row] = await db.select({ deletedAt: assets.deletedAt }).from(assets).where(eq(assets.id, data.catalog.xlm.id));
      expect(row!.deletedAt).not.toBeNull();
    },
  },
  "catalog.deleteWallet": {
    permission: "wallets:write",
    // A wallet of its own: the demo wallet has a READY disbursement and a G2P sender.
    prepare: async (org) => {
      const [w] = await db
        .insert(wallets)
        .values({ orgId: org.org.id, name: `Unused ${randomSuffix()}`, homepage: "https://w.example.org", deepLinkSchema: "", sep10ClientDomain: "w.example.org" })
        .returning();
      unusedWallets.set(org.org.id, w!.id);
    },
    input: ({ org, data }) => ({ id: unusedWallets.get(org.id) ?? data.catalog.wallet.id }),
    check: async (result, { org }) => {
      expect(result).toEqual({ id: unusedWallets.get(org.id), deleted: true });
      const [row] = await db
        .select({ deletedAt: wallets.deletedAt })
        .from(wallets)
        .where(eq(wallets.id, unusedWallets.get(org.id)!));
      expect(row!.deletedAt).not.toBeNull();
    },
  },

  "disbursements.list": {
    permission: "disbursements:read",
    input: () => ({}),
    check: (result, { data }) => {
      expect(sortedIds((result as Page).data)).toEqual([data.disbursement.id]);
      expect((result as Page).pagination.total).toBe(1);
    },
  },
  "disbursements.progress": {
    permission: "disbursements:read",
    input: ({ data }) => ({ id: data.disbursement.id }),
    check: (result, { data }) => {
      expect(result).toMatchObject({ id: data.disbursement.id, status: "READY", total_payments: 4, total_payments_failed: 1 });
    },
  },
  "disbursements.shipments": {
    permission: "disbursements:read",
    input: ({ data }) => ({ id: data.disbursement.id }),
    // A disbursement paid over Stellar has no bank shipments.
    check: (result) => expect(result).toEqual([]),
  },
  // The Mojaloop party preflight: this Stellar disbursement routes nothing to a Mojaloop connection.
  "disbursements.mojaloopPreflight": {
    permission: "disbursements:read",
    input: ({ data }) => ({ id: data.disbursement.id }),
    check: (result, { data }) => {
      expect(result).toMatchObject({ disbursement_id: data.disbursement.id, connections: [], counts: { payees: 0 }, in_progress: false, payees: [] });
    },
  },
  "disbursements.lookUpMojaloopPayees": {
    permission: "disbursements:read",
    input: ({ data }) => ({ id: data.disbursement.id }),
    check: (result, { data }) => {
      expect(result).toMatchObject({ disbursement_id: data.disbursement.id, counts: { payees: 0 }, lookup: [] });
    },
  },
  "disbursements.excludeUnresolvedMojaloopPayees": {
    permission: "payments:cancel",
    input: ({ data }) => ({ id: data.disbursement.id }),
    check: (result, { data }) => {
      expect(result).toEqual({ disbursement_id: data.disbursement.id, cancelled: 0, not_found: 0, failed: 0 });
    },
  },
  "disbursements.markShipmentUploaded": {
    permission: "disbursements:start",
    input: (org) => ({ id: shipmentOf.get(org.org.id) ?? NO_ID }),
    prepare: async (org) => {
      const [connection] = await db
        .insert(paymentConnections)
        .values({ orgId: org.org.id, railType: "BANK", name: `Ship bank ${randomSuffix()}`, settings: { shipmentMode: "FILE" } })
        .returning({ id: paymentConnections.id });
      const [batch] = await db.execute<{ id: string }>(
        sql`insert into rail_batches (org_id, disbursement_id, connection_id, rail_type, reference, status, payment_count, amount, currency)
            values (${org.org.id}, ${org.data.disbursement.id}, ${connection!.id}, 'BANK', ${`B${randomSuffix()}`}, 'AWAITING_UPLOAD', 0, 0, 'KES') returning id`,
      );
      shipmentOf.set(org.org.id, batch!.id);
    },
    check: async (result, org) => {
      expect(result).toEqual({ id: shipmentOf.get(org.org.id), status: "SHIPPED" });
      const [batch] = await db.execute<{ status: string }>(sql`select status from rail_batches where id = ${shipmentOf.get(org.org.id)!}`);
      expect(batch!.status).toBe("SHIPPED");
    },
  },
  "bankFiles.list": {
    permission: "bank_files:read",
    input: () => ({}),
    check: (result) => expect(result).toMatchObject({ data: [] }),
  },
  "bankFiles.get": {
    permission: "bank_files:read",
    input: (org) => ({ id: bankFileOf.get(org.org.id) ?? NO_ID }),
    prepare: async (org) => {
      const [file] = await db.execute<{ id: string }>(
        sql`insert into bank_files (org_id, format, source, file_name, sha256, content) values (${org.org.id}, 'MT940', 'UPLOAD', 'perm.mt940', ${randomSuffix()}, ${Buffer.from(":20:P")}) returning id`,
      );
      bankFileOf.set(org.org.id, file!.id);
    },
    check: (result, org) => expect(result).toMatchObject({ file: { id: bankFileOf.get(org.org.id), file_name: "perm.mt940" } }),
  },
  "bankFiles.exceptions": {
    permission: "bank_files:read",
    input: () => ({}),
    check: (result) => expect(result).toMatchObject({ data: [] }),
  },
  "bankFiles.connections": {
    permission: "bank_files:read",
    check: (result) => expect(Array.isArray(result)).toBe(true),
  },
  "disbursements.get": {
    permission: "disbursements:read",
    input: ({ data }) => ({ id: data.disbursement.id }),
    check: (result, { data }, role) => {
      expect(result).toMatchObject({ id: data.disbursement.id, status: "READY", total_payments: 4, total_payments_failed: 1 });
      // The actions offered follow the role's permissions (a READY disbursement, no approval rule).
      const write = can(role, "disbursements:write");
      const start = can(role, "disbursements:start");
      expect((result as { actions: unknown }).actions).toEqual({
        allowed: [...(write ? ["upload"] : []), ...(start ? ["start"] : []), ...(write ? ["cancel", "delete"] : [])],
        startBlockedReason: null,
      });
    },
  },
  "disbursements.receivers": {
    permission: "disbursements:read",
    input: ({ data }) => ({ id: data.disbursement.id }),
    check: (result, { data }) => {
      expect(sortedIds((result as Page).data)).toEqual(data.receivers.map((r) => r.id).sort());
      expect((result as Page).pagination.total).toBe(4);
    },
  },
  "disbursements.create": {
    permission: "disbursements:write",
    input: ({ data }) => ({
      name: `Perm disbursement ${randomSuffix()}`,
      wallet_id: data.catalog.wallet.id,
      asset_id: data.catalog.usdc.id,
      registration_contact_type: "PHONE_NUMBER",
      verification_field: "DATE_OF_BIRTH",
    }),
    check: async (result, { org, users }, role) => {
      const d = result as { id: string; status: string; created_by: string };
      expect(d).toMatchObject({ status: "DRAFT", created_by: users[role].id });
      expect(await db.select({ orgId: disbursements.orgId }).from(disbursements).where(eq(disbursements.id, d.id))).toEqual([{ orgId: org.id }]);
    },
  },
  "disbursements.changeStatus": {
    permission: "disbursements:start",
    input: ({ data }) => ({ id: data.disbursement.id, status: "STARTED" }),
    check: async (result, { data }) => {
      expect(result).toMatchObject({ id: data.disbursement.id, status: "STARTED" });
      const [draft] = await db.select({ status: payments.status }).from(payments).where(eq(payments.id, data.payments.draft));
      expect(draft?.status).toBe("READY");
    },
  },
  "disbursements.cancel": {
    permission: "disbursements:write",
    input: ({ data }) => ({ id: data.disbursement.id }),
    check: async (result, { data }) => {
      expect(result).toMatchObject({ id: data.disbursement.id, status: "CANCELED", envelope: { cancellation_status: "CANCELLED" } });
      const rows = await db.select({ status: payments.status }).from(payments).where(eq(payments.disbursementId, data.disbursement.id));
      // Unsent payments end CANCELED; the seeded FAILED one (a send attempt) keeps its outcome.
      expect(rows.map((r) => r.status).sort()).toEqual(["CANCELED", "CANCELED", "CANCELED", "FAILED"]);
    },
  },
  "disbursements.delete": {
    permission: "disbursements:write",
    input: ({ data }) => ({ id: data.disbursement.id }),
    check: async (result, { data }) => {
      expect(result).toEqual({ id: data.disbursement.id });
      expect(await db.select().from(disbursements).where(eq(disbursements.id, data.disbursement.id))).toEqual([]);
    },
  },

  "payments.list": {
    permission: "disbursements:read",
    input: () => ({}),
    check: (result, { data }) => {
      expect(sortedIds((result as Page).data)).toEqual([...data.payments.all].sort());
      expect((result as Page).pagination.total).toBe(4);
    },
  },
  "payments.get": {
    permission: "disbursements:read",
    input: ({ data }) => ({ id: data.payments.failed }),
    check: (result, { data }) => expect(result).toMatchObject({ id: data.payments.failed, status: "FAILED", disbursement: { id: data.disbursement.id } }),
  },
  "payments.cancel": {
    permission: "payments:cancel",
    input: ({ data }) => ({ id: data.payments.ready }),
    check: (result, { data }) => expect(result).toMatchObject({ id: data.payments.ready, status: "CANCELED" }),
  },
  "payments.retry": {
    permission: "payments:retry",
    input: ({ data }) => ({ payment_ids: [data.payments.failed] }),
    check: (result, { data }) => {
      const { payments: retried } = result as { payments: { id: string; status: string }[] };
      expect(retried.map((p) => [p.id, p.status])).toEqual([[data.payments.failed, "READY"]]);
    },
  },

  "receivers.list": {
    permission: "disbursements:read",
    input: () => ({}),
    check: (result, { data }) => {
      expect(sortedIds((result as Page).data)).toEqual(data.receivers.map((r) => r.id).sort());
      expect((result as Page).pagination.total).toBe(4);
    },
  },
  "receivers.get": {
    permission: "disbursements:read",
    input: ({ data }) => ({ id: data.receivers[0]!.id }),
    check: (result, { data }) => expect(result).toMatchObject({ id: data.receivers[0]!.id, phone_number: data.receivers[0]!.phone, total_payments: 1 }),
  },
  "receivers.updateContact": {
    permission: "receivers:write",
    input: ({ data }) => ({ id: data.receivers[0]!.id, phoneNumber: data.receivers[0]!.phone, email: "edited@test.local", externalId: "edited-id" }),
    check: async (result, { data }) => {
      expect(result).toMatchObject({ id: data.receivers[0]!.id, email: "edited@test.local", external_id: "edited-id" });
      const [row] = await db.select({ email: receivers.email }).from(receivers).where(eq(receivers.id, data.receivers[0]!.id));
      expect(row?.email).toBe("edited@test.local");
    },
  },
  "receivers.unregisterWallet": {
    permission: "receivers:write",
    input: ({ data }) => ({ receiverWalletId: data.receiverWalletIds[0]! }),
    // seededOrg registers the first receiver's wallet.
    check: (result, { data }) => expect(result).toEqual({ id: data.receiverWalletIds[0]!, status: "READY" }),
  },
  "receivers.issueRegistrationLink": {
    permission: "receivers:secrets",
    input: ({ data }) => ({ receiverWalletId: data.receiverWalletIds[1]! }),
    prepare: async ({ data }) => {
      await db.update(receiverWallets).set({ status: "READY" }).where(eq(receiverWallets.id, data.receiverWalletIds[1]!));
    },
    check: (result) => expect((result as { url: string }).url).toMatch(/\/r\/[^/]+$/),
  },

  "receivers.unlock": {
    permission: "receivers:write",
    input: ({ data }) => ({ id: data.receivers[1]!.id }),
    prepare: async ({ data }) => {
      await db.update(receiverWallets).set({ otpLockedAt: new Date(), otpGuessesToday: 10 }).where(eq(receiverWallets.receiverId, data.receivers[1]!.id));
    },
    check: async (result, { data }) => {
      expect(result).toEqual({ id: data.receivers[1]!.id, unlocked_wallets: 1, unlocked_verifications: [] });
      const [row] = await db.select({ lockedAt: receiverWallets.otpLockedAt }).from(receiverWallets).where(eq(receiverWallets.receiverId, data.receivers[1]!.id));
      expect(row?.lockedAt).toBeNull();
    },
  },
  "receivers.setVerification": {
    permission: "receivers:write",
    input: ({ data }) => ({ id: data.receivers[2]!.id, verificationField: "DATE_OF_BIRTH", value: "1980-02-02" }),
    check: (result, { data }) => expect(result).toEqual({ id: data.receivers[2]!.id, verification_field: "DATE_OF_BIRTH", confirmed: false, locked: false }),
  },

  "receivers.create": {
    permission: "receivers:write",
    input: () => ({ email: `perm.${randomSuffix()}@test.local`, external_id: `perm-new-${randomSuffix()}`, verifications: [{ type: "PIN", value: "1234" }] }),
    check: async (result, { org }) => {
      const id = (result as { id: string }).id;
      const [row] = await db.select({ orgId: receivers.orgId, externalId: receivers.externalId }).from(receivers).where(eq(receivers.id, id));
      expect(row?.orgId).toBe(org.id);
      expect(row?.externalId).toMatch(/^perm-new-/);
    },
  },
  "receivers.update": {
    permission: "receivers:write",
    input: ({ data }) => ({ id: data.receivers[2]!.id, external_id: "perm-updated", pin: "4321" }),
    check: async (result, { data }) => {
      expect(result).toEqual({ id: data.receivers[2]!.id });
      const [row] = await db.select({ externalId: receivers.externalId }).from(receivers).where(eq(receivers.id, data.receivers[2]!.id));
      expect(row?.externalId).toBe("perm-updated");
    },
  },

  "receivers.resendInvitation": {
    permission: "receivers:write",
    input: ({ data }) => ({ receiverWalletId: data.receiverWalletIds[1]! }),
    // As after a start: the disbursement STARTED, the receiver's wallet READY (outbox transport).
    prepare: async ({ data }) => {
      await db.update(disbursements).set({ status: "STARTED" }).where(eq(disbursements.id, data.disbursement.id));
      await db.update(receiverWallets).set({ status: "READY" }).where(eq(receiverWallets.id, data.receiverWalletIds[1]!));
    },
    check: async (result, { data }) => {
      expect(result).toMatchObject({ receiver_wallet_id: data.receiverWalletIds[1], status: "SUCCESS", error: null });
      const [row] = await db.select({ n: receiverWallets.invitationsSent }).from(receiverWallets).where(eq(receiverWallets.id, data.receiverWalletIds[1]!));
      expect(row?.n).toBe(1);
    },
  },
  "messages.list": {
    permission: "disbursements:read",
    input: () => ({}),
    check: (result) => expect(result).toMatchObject({ data: [], pagination: { total: 0, page: 1 } }),
  },

  "stellar.distributionAccount": {
    permission: "organization:read",
    check: async (result, { org, data, distribution }) => {
      const view = result as {
        network: string;
        public_key: string | null;
        funded: boolean | null;
        ledger_error: string | null;
        balances: { asset_id: string; balance: string | null; available: string | null; reserved: string; trusted: boolean | null }[];
        channels: { total: number };
        recent_transactions: unknown[];
      };
      expect(view).toMatchObject({ network: "local", public_key: distribution.publicKey, funded: null, recent_transactions: [], channels: { total: 0 } });
      // The ledger is unreachable: a clear message, the balances unknown (null), the reserved amounts still computed.
      expect(view.ledger_error).toMatch(/^The ledger could not be reached \(.+\)\.$/);
      expect(sortedIds(view.balances.map((b) => ({ id: b.asset_id })))).toEqual([data.catalog.xlm.id, data.catalog.usdc.id].sort());
      for (const b of view.balances) expect(b).toMatchObject({ balance: null, available: null, trusted: null, reserved: "0.0000000" });
      // Never the secret, in any form.
      const text = JSON.stringify(result);
      expect(text).not.toContain(distribution.secret);
      expect(text).not.toContain(distribution.encryptedSecret);
      expect(text).not.toMatch(/secret/i);
      const rows = await db.select({ publicKey: stellarAccounts.publicKey }).from(stellarAccounts).where(eq(stellarAccounts.orgId, org.id));
      expect(rows).toEqual([{ publicKey: distribution.publicKey }]);
    },
  },
  "stellar.preflight": {
    permission: "disbursements:read",
    input: ({ data }) => ({ id: data.disbursement.id }),
    check: (result, { data }) => {
      // One registered destination to look up; the ledger is unreachable: said once, nobody blamed.
      expect(result).toMatchObject({ disbursement_id: data.disbursement.id, asset_code: "USDC", checked: 0, unregistered: 3, ok: false, problems: [] });
      expect((result as { ledger_error: string }).ledger_error).toMatch(/^The ledger could not be reached \(.+\)\.$/);
    },
  },

  "apiKeys.list": {
    permission: "api_keys:manage",
    check: (result, { data }) => {
      const keys = result as Record<string, unknown>[];
      expect(keys.map((k) => k.id)).toEqual([data.apiKey.id]);
      expect(JSON.stringify(keys)).not.toMatch(/hmac-sha256|secret/i);
    },
  },
  "apiKeys.create": {
    permission: "api_keys:manage",
    // read:organization: a scope every role that manages keys (owner, developer) may grant.
    input: () => ({ name: `Perm key ${randomSuffix()}`, scopes: ["read:organization"] }),
    check: async (result, { org, users }, role) => {
      const key = result as { id: string; key: string; scopes: string[]; status: string };
      expect(key).toMatchObject({ key: expect.stringMatching(/^sdp_/), scopes: ["read:organization"], status: "active" });
      const rows = await db.select({ orgId: apiKeys.orgId, createdBy: apiKeys.createdBy }).from(apiKeys).where(eq(apiKeys.id, key.id));
      expect(rows).toEqual([{ orgId: org.id, createdBy: users[role].id }]);
    },
  },
  "apiKeys.revoke": {
    permission: "api_keys:manage",
    input: ({ data }) => ({ id: data.apiKey.id }),
    check: (result, { data }) => expect(result).toMatchObject({ id: data.apiKey.id, status: "revoked" }),
  },

  "integrations.identity": {
    permission: "integrations:manage",
    check: (result, { org }) => {
      expect(result).toMatchObject({ receiver_id: org.slug, public_key_pem: expect.stringMatching(/^-----BEGIN PUBLIC KEY-----/) });
      expect(JSON.stringify(result)).not.toMatch(/PRIVATE/);
    },
  },
  "integrations.senders": {
    permission: "integrations:manage",
    prepare: prepareG2p,
    check: async (result, org) => {
      const rows = await db.select({ id: g2pSenders.id }).from(g2pSenders).where(eq(g2pSenders.orgId, org.org.id));
      expect(sortedIds(result as { id: string }[])).toEqual(sortedIds(rows));
      expect(sortedIds(rows)).toContain(g2pIds(org).senderRowId);
    },
  },
  "integrations.createSender": {
    permission: "integrations:manage",
    input: ({ data }) => ({
      sender_id: `perm-${randomSuffix()}`,
      name: "Perm registry",
      callback_url: "https://registry.example.org/g2p",
      public_key: ed25519Pem(),
      wallet_id: data.catalog.wallet.id,
      default_asset_id: data.catalog.usdc.id,
    }),
    check: async (result, { org, users }, role) => {
      const sender = result as { id: string; enabled: boolean };
      expect(sender.enabled).toBe(true);
      const rows = await db.select({ orgId: g2pSenders.orgId, createdBy: g2pSenders.createdBy }).from(g2pSenders).where(eq(g2pSenders.id, sender.id));
      expect(rows).toEqual([{ orgId: org.id, createdBy: users[role].id }]);
    },
  },
  "integrations.updateSender": {
    permission: "integrations:manage",
    prepare: prepareG2p,
    input: (org) => ({
      id: g2pIds(org).senderRowId,
      name: "Perm renamed",
      callback_url: "https://registry.example.org/v2",
      public_key: ed25519Pem(),
      wallet_id: org.data.catalog.wallet.id,
    }),
    check: async (result, org) => {
      expect(result).toMatchObject({ id: g2pIds(org).senderRowId, name: "Perm renamed", callback_url: "https://registry.example.org/v2" });
      const [row] = await db
        .select({ name: g2pSenders.name })
        .from(g2pSenders)
        .where(eq(g2pSenders.id, g2pIds(org).senderRowId));
      expect(row?.name).toBe("Perm renamed");
    },
  },
  "integrations.setSenderEnabled": {
    permission: "integrations:manage",
    prepare: prepareG2p,
    input: (org) => ({ id: g2pIds(org).senderRowId, enabled: false }),
    check: async (result, org) => {
      expect(result).toMatchObject({ id: g2pIds(org).senderRowId, enabled: false });
      const [row] = await db
        .select({ enabled: g2pSenders.enabled })
        .from(g2pSenders)
        .where(eq(g2pSenders.id, g2pIds(org).senderRowId));
      expect(row?.enabled).toBe(false);
    },
  },
  "integrations.messages": {
    permission: "integrations:manage",
    prepare: prepareG2p,
    input: () => ({ page_limit: 100 }),
    check: async (result, org) => {
      const rows = await db.select({ id: g2pMessages.id }).from(g2pMessages).where(eq(g2pMessages.orgId, org.org.id));
      expect(sortedIds((result as Page).data)).toEqual(sortedIds(rows));
      expect(sortedIds(rows)).toContain(g2pIds(org).inboundId);
      expect(JSON.stringify(result)).not.toContain("T-perm");
    },
  },
  "integrations.message": {
    permission: "integrations:manage",
    prepare: prepareG2p,
    input: (org) => ({ id: g2pIds(org).inboundId }),
    check: (result, org) =>
      expect(result).toMatchObject({ id: g2pIds(org).inboundId, direction: "inbound", status: "ACK", body: { message: { transaction_id: "T-perm" } } }),
  },
  "connections.list": {
    permission: "connections:read",
    prepare: prepareConnections,
    check: async (result, org) => {
      const rows = await db.select({ id: paymentConnections.id }).from(paymentConnections).where(eq(paymentConnections.orgId, org.org.id));
      expect(sortedIds(result as { id: string }[])).toEqual(sortedIds(rows));
      expect(sortedIds(rows)).toContain(connectionIds(org).bankId);
    },
  },
  "connections.get": {
    permission: "connections:read",
    prepare: prepareConnections,
    input: (org) => ({ id: connectionIds(org).stellarId }),
    check: (result, org) => expect(result).toMatchObject({ id: connectionIds(org).stellarId, rail_type: "STELLAR", name: "Stellar distribution account" }),
  },
  "connections.create": {
    permission: "connections:manage",
    input: () => ({ rail_type: "STELLAR", name: `Perm Stellar ${randomSuffix()}` }),
    check: async (result, { org, users }, role) => {
      const row = await connectionRow((result as { id: string }).id);
      expect(row).toMatchObject({ orgId: org.id, railType: "STELLAR", createdBy: users[role].id });
    },
  },
  "connections.update": {
    permission: "connections:manage",
    prepare: prepareConnections,
    input: (org) => ({ id: connectionIds(org).stellarId, name: "Perm renamed" }),
    check: async (result, org) => {
      expect(result).toMatchObject({ id: connectionIds(org).stellarId, name: "Perm renamed" });
      expect((await connectionRow(connectionIds(org).stellarId))?.name).toBe("Perm renamed");
    },
  },
  "connections.replaceCredentials": {
    permission: "connections:manage",
    prepare: prepareConnections,
    input: (org) => ({ id: connectionIds(org).bankId, credentials: { apiKey: "perm-api-key" } }),
    check: async (result, org) => {
      expect(result).toMatchObject({ id: connectionIds(org).bankId, credentials: { set: true } });
      expect(JSON.stringify(result)).not.toContain("perm-api-key");
      expect((await connectionRow(connectionIds(org).bankId))?.credentialsSealed).toMatch(/^v1:/);
    },
  },
  "connections.setEnabled": {
    permission: "connections:manage",
    prepare: prepareConnections,
    input: (org) => ({ id: connectionIds(org).bankId, enabled: false }),
    check: async (result, org) => {
      expect(result).toMatchObject({ id: connectionIds(org).bankId, enabled: false });
      expect((await connectionRow(connectionIds(org).bankId))?.enabled).toBe(false);
    },
  },
  "connections.delete": {
    permission: "connections:manage",
    prepare: prepareConnections,
    input: (org) => ({ id: connectionIds(org).bankId }),
    check: async (result, org) => {
      expect(result).toEqual({ id: connectionIds(org).bankId, deleted: true });
      expect(await connectionRow(connectionIds(org).bankId)).toBeUndefined();
    },
  },
  "connections.test": {
    permission: "connections:manage",
    prepare: prepareConnections,
    input: (org) => ({ id: connectionIds(org).stellarId }),
    check: async (result, org) => {
      // HORIZON_URL points at a closed port: an unhealthy answer, stored.
      expect(result).toMatchObject({ healthy: false, status: "UNHEALTHY", connection: { id: connectionIds(org).stellarId } });
      expect((await connectionRow(connectionIds(org).stellarId))?.healthStatus).toBe("UNHEALTHY");
    },
  },
  "routing.list": {
    permission: "connections:read",
    check: async (result, org) => {
      const rows = await db.select({ id: routingRules.id }).from(routingRules).where(eq(routingRules.orgId, org.org.id));
      expect(sortedIds(result as { id: string }[])).toEqual(sortedIds(rows));
      expect(rows).toHaveLength(1);
    },
  },
  "routing.options": {
    permission: "connections:read",
    check: (result, org) =>
      expect(result).toMatchObject({
        connections: expect.arrayContaining([expect.objectContaining({ rail_type: "STELLAR" })]),
        assets: expect.arrayContaining([expect.objectContaining({ id: org.data.catalog.usdc.id })]),
      }),
  },
  "routing.preview": {
    permission: "disbursements:read",
    input: (org) => ({ disbursement_id: org.data.disbursement.id }),
    // Four payments, one FAILED (not paid by a start): three routed to the default Stellar connection.
    check: (result) => expect(result).toMatchObject({ payments: 3, connections: [expect.objectContaining({ payments: 3 })], unrouted: { payments: 0 } }),
  },
  "routing.create": {
    permission: "routing:manage",
    prepare: prepareRouting,
    input: (org) => ({ name: "Perm rule", conditions: { max_amount: "10" }, connection_id: routingIds(org).connectionId }),
    check: async (result, { org, users }, role) => {
      expect(await ruleRow((result as { id: string }).id)).toMatchObject({ orgId: org.id, position: 2, createdBy: users[role].id, conditions: { maxAmount: "10" } });
    },
  },
  "routing.update": {
    permission: "routing:manage",
    prepare: prepareRouting,
    input: (org) => ({ id: routingIds(org).ruleId, name: "Perm renamed rule" }),
    check: async (result, org) => expect((await ruleRow(routingIds(org).ruleId))?.name).toBe("Perm renamed rule"),
  },
  "routing.setEnabled": {
    permission: "routing:manage",
    prepare: prepareRouting,
    input: (org) => ({ id: routingIds(org).ruleId, enabled: false }),
    check: async (result, org) => expect((await ruleRow(routingIds(org).ruleId))?.enabled).toBe(false),
  },
  "routing.reorder": {
    permission: "routing:manage",
    prepare: prepareRouting,
    input: (org) => ({ ids: [routingIds(org).ruleId] }),
    check: (result, org) => expect(result).toMatchObject([{ id: routingIds(org).ruleId, position: 1 }]),
  },
  "routing.delete": {
    permission: "routing:manage",
    prepare: prepareRouting,
    input: (org) => ({ id: routingIds(org).ruleId }),
    check: async (result, org) => {
      expect(result).toEqual({ id: routingIds(org).ruleId, deleted: true });
      expect(await ruleRow(routingIds(org).ruleId)).toBeUndefined();
    },
  },
  "integrations.oauthClients": {
    permission: "integrations:manage",
    prepare: prepareG2p,
    check: async (result, org) => {
      const rows = await db.select({ id: g2pOauthClients.id }).from(g2pOauthClients).where(eq(g2pOauthClients.orgId, org.org.id));
      expect(sortedIds(result as { id: string }[])).toEqual(sortedIds(rows));
    },
  },
  "integrations.createOauthClient": {
    permission: "integrations:manage",
    prepare: prepareG2p,
    input: (org) => ({ sender_row_id: g2pIds(org).senderRowId, name: "Perm client", scopes: ["write:disbursements"] }),
    // A developer manages integrations but cannot grant write:disbursements (as with API keys).
    refusedFor: { developer: "BAD_REQUEST" },
    check: async (result, { org, users }, role) => {
      const client = result as { id: string; client_secret: string };
      expect(client.client_secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const rows = await db.select({ orgId: g2pOauthClients.orgId, createdBy: g2pOauthClients.createdBy }).from(g2pOauthClients).where(eq(g2pOauthClients.id, client.id));
      expect(rows).toEqual([{ orgId: org.id, createdBy: users[role].id }]);
    },
  },
  "integrations.revokeOauthClient": {
    permission: "integrations:manage",
    prepare: prepareOauthClient,
    input: (org) => ({ id: oauthClientOf.get(org.org.id) ?? NO_ID }),
    check: async (result, org) => {
      expect(result).toMatchObject({ id: oauthClientOf.get(org.org.id), revoked_at: expect.any(String) });
      const [row] = await db
        .select({ revokedAt: g2pOauthClients.revokedAt })
        .from(g2pOauthClients)
        .where(eq(g2pOauthClients.id, oauthClientOf.get(org.org.id)!));
      expect(row?.revokedAt).not.toBeNull();
    },
  },
  "integrations.retryCallback": {
    permission: "integrations:manage",
    prepare: prepareG2p,
    input: (org) => ({ id: g2pIds(org).failedCallbackId }),
    check: async (result, org) => {
      expect(result).toMatchObject({ id: g2pIds(org).failedCallbackId, status: "PENDING", attempts: 3 });
      const [row] = await db
        .select({ status: g2pMessages.status })
        .from(g2pMessages)
        .where(eq(g2pMessages.id, g2pIds(org).failedCallbackId));
      expect(row?.status).toBe("PENDING");
    },
  },
};

/** An unused wallet per organization (catalog.deleteWallet), by organization id. */
const unusedWallets = new Map<string, string>();

/** A fresh invitee without a password in the organization (team.createPasswordLink, team.revokeInvitation), by organization id. */
const invitees = new Map<string, string>();
async function inviteProbe(org: PermOrg): Promise<string> {
  const ctx = { db, actor: { userId: org.users.owner.id }, org: { id: org.org.id }, role: "owner" as const };
  return (await inviteUser(ctx, { email: `probe-${randomSuffix()}@test.local`, name: "Probe", role: "business" })).userId;
}

const PROCEDURES = allProcedures();
const GUARDED_PATHS = PROCEDURES.map((p) => p.path).filter(
  // mfa.*: the caller's own account, not organization data (tests/integration/mfa.test.ts).
  // invitations.*: the caller's own pending invitations (tests/integration/account-consent.test.ts).
  (path) =>
    !path.startsWith("auth.") &&
    !path.startsWith("session.") &&
    !path.startsWith("registration.") &&
    !path.startsWith("mfa.") &&
    !path.startsWith("invitations.") &&
    // profile.*: the caller's own account (tests/integration/sessions.test.ts).
    !path.startsWith("profile."),
);
const typeOf = (path: string) => PROCEDURES.find((p) => p.path === path)?.type;

const FORBIDDEN_CASES = Object.entries(GUARDED).flatMap(([path, entry]) =>
  ROLES.filter((role) => !can(role, entry.permission)).map((role) => ({ path, role, permission: entry.permission })),
);
const ALLOWED_CASES = Object.entries(GUARDED).flatMap(([path, entry]) =>
  ROLES.filter((role) => can(role, entry.permission)).map((role) => ({ path, role, permission: entry.permission, type: typeOf(path) })),
);

describe("permission guards on every procedure", () => {
  it("the table covers every procedure of the router except public and session ones", () => {
    expect(Object.keys(GUARDED).sort()).toEqual([...GUARDED_PATHS].sort());
    for (const entry of Object.values(GUARDED)) expect(Object.keys(PERMISSIONS)).toContain(entry.permission);
    // Every case is exercised one way or the other.
    expect(FORBIDDEN_CASES.length + ALLOWED_CASES.length).toBe(GUARDED_PATHS.length * ROLES.length);
  });

  describe("roles without the permission are refused and change nothing", () => {
    let org: PermOrg;
    beforeAll(async () => {
      org = await seededOrg();
    });

    it.each(FORBIDDEN_CASES)("$path needs $permission: $role → FORBIDDEN", async ({ path, role }) => {
      const before = await orgSnapshot(db, org.org.id);
      const error = await expectTRPCError(callPath(callerFor(db, org.users[role].id, org.org.id), path, GUARDED[path]!.input?.(org)), "FORBIDDEN");
      expect(error.message).toBe("Your role does not allow this.");
      expect(await orgSnapshot(db, org.org.id)).toEqual(before);
    });
  });

  describe("roles with the permission succeed", () => {
    // Queries share one organization (they change nothing); each mutation gets a fresh one, so
    // mutations do not depend on one another.
    let shared: PermOrg;
    beforeAll(async () => {
      shared = await seededOrg();
    });

    it.each(ALLOWED_CASES)("$path ($type) needs $permission: $role → ok", async ({ path, role, type }) => {
      const org = type === "query" ? shared : await seededOrg();
      await GUARDED[path]!.prepare?.(org);
      const refused = GUARDED[path]!.refusedFor?.[role];
      if (refused) {
        const unchanged = await orgSnapshot(db, org.org.id);
        await expectTRPCError(
          callPath(callerFor(db, org.users[role].id, org.org.id), path, GUARDED[path]!.input?.(org)),
          refused as Parameters<typeof expectTRPCError>[1],
        );
        expect(await orgSnapshot(db, org.org.id)).toEqual(unchanged);
        return;
      }
      const before = type === "query" ? await orgSnapshot(db, org.org.id) : undefined;
      const result = await callPath(callerFor(db, org.users[role].id, org.org.id), path, GUARDED[path]!.input?.(org));
      await GUARDED[path]!.check(result, org, role);
      if (before) expect(await orgSnapshot(db, org.org.id)).toEqual(before);
    });
  });

  it("session.me reports exactly the role's permissions, for every role", async () => {
    const org = await createOrgWithMembers(db);
    for (const role of ROLES) {
      const me = await callerFor(db, org.users[role].id, org.org.id).session.me();
      expect(me.role).toBe(role);
      expect(me.permissions).toEqual(permissionsOf(role));
    }
  });
});
