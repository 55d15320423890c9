import { generateKeyPairSync } from "node:crypto";
import { and, eq, sql } from "drizzle-orm";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { auditEvents, g2pMessages, g2pSenders, g2pTransactions, walletAssets, wallets, type G2pMessage } from "@/db/schema";
import { can } from "@/server/domain/permissions";
import { ROLES } from "@/server/domain/roles";
import { parseAllowHosts } from "@/server/net/address-policy";
import { seedDemoCatalog } from "@/server/services/catalog/seed-demo-catalog";
import { platformSigningKey } from "@/server/services/g2p/signature";
import { checkCallbackUrl } from "@/server/services/integrations/sender-input";
import { callerFor, createOrgWithMembers, expectTRPCError, randomSuffix, seedOrgData, testDb, type TestOrg } from "./helpers";

const db = testDb();

type Catalog = Awaited<ReturnType<typeof seedDemoCatalog>>;
type Org = TestOrg & { catalog: Catalog };

async function orgWithCatalog(): Promise<Org> {
  const org = await createOrgWithMembers(db);
  return { ...org, catalog: await seedDemoCatalog(db, org.org.id) };
}

function ed25519() {
  const { publicKey } = generateKeyPairSync("ed25519");
  const pem = publicKey.export({ format: "pem", type: "spki" }).toString().trim();
  const raw = (publicKey.export({ format: "der", type: "spki" }) as Buffer).subarray(12);
  return { pem, base64: raw.toString("base64"), hex: raw.toString("hex") };
}

const owner = (org: Org) => callerFor(db, org.users.owner.id, org.org.id);

function senderInput(org: Org, overrides: Record<string, unknown> = {}) {
  return {
    sender_id: `social-registry.${randomSuffix()}`,
    name: "Social registry",
    callback_url: "https://registry.example.org/g2p/",
    public_key: ed25519().pem,
    wallet_id: org.catalog.wallet.id,
    default_asset_id: org.catalog.usdc.id,
    ...overrides,
  };
}

async function fieldErrors(promise: Promise<unknown>, code: "BAD_REQUEST" | "CONFLICT" = "BAD_REQUEST") {
  const error = await expectTRPCError(promise, code);
  return { error, fields: fieldErrorsOf(error) };
}

/** The per-field messages the client sees (server/trpc/init.ts errorFormatter), from the error's cause. */
function fieldErrorsOf(error: Error): Record<string, string | undefined> {
  const cause = (error as { cause?: unknown }).cause as { issues?: { path: PropertyKey[]; message: string }[]; extras?: Record<string, string> } | undefined;
  if (cause?.extras) return cause.extras;
  const out: Record<string, string> = {};
  for (const issue of cause?.issues ?? []) out[String(issue.path[0])] ??= issue.message;
  return out;
}

async function auditActions(orgId: string, targetId: string) {
  const rows = await db
    .select({ action: auditEvents.action, actor: auditEvents.actorUserId, details: auditEvents.details })
    .from(auditEvents)
    .where(and(eq(auditEvents.orgId, orgId), eq(auditEvents.targetId, targetId)))
    .orderBy(auditEvents.createdAt, auditEvents.id);
  return rows;
}

let messageCounter = 0;
async function insertMessage(
  orgId: string,
  values: Partial<typeof g2pMessages.$inferInsert> & { direction: "inbound" | "outbound"; status: string },
): Promise<G2pMessage> {
  messageCounter += 1;
  const [row] = await db
    .insert(g2pMessages)
    .values({
      orgId,
      endpoint: values.direction === "inbound" ? "/disburse" : "/on-disburse",
      messageId: `msg-${randomSuffix()}`,
      body: { header: { message_id: "x" }, message: { payee: "mobile:+447911123456" } },
      createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, messageCounter)),
      ...values,
    })
    .returning();
  return row!;
}

describe("callback URL rule", () => {
  it("requires https in production except for allow-listed hosts; refuses literal non-public hosts unless allow-listed", () => {
    const none = parseAllowHosts("");
    const loopbacks = parseAllowHosts("localhost:4000, 127.0.0.1:4000, [::1]");
    expect(checkCallbackUrl("https://sender.example.org/g2p/", true, none)).toEqual({ ok: true, url: "https://sender.example.org/g2p" });
    expect(checkCallbackUrl("http://sender.example.org/g2p", true, none)).toMatchObject({ ok: false, message: expect.stringMatching(/https/) });
    expect(checkCallbackUrl("http://localhost:4000/cb", true, loopbacks)).toEqual({ ok: true, url: "http://localhost:4000/cb" });
    expect(checkCallbackUrl("http://127.0.0.1:4000", true, loopbacks)).toEqual({ ok: true, url: "http://127.0.0.1:4000" });
    expect(checkCallbackUrl("http://[::1]:4000/x", true, loopbacks)).toEqual({ ok: true, url: "http://[::1]:4000/x" });
    expect(checkCallbackUrl("http://sender.example.org/g2p", false, none)).toEqual({ ok: true, url: "http://sender.example.org/g2p" });
    // Loopback and other non-public literals (in any numeric form) are refused unless listed, even over https.
    expect(checkCallbackUrl("https://127.0.0.1:4001/cb", false, loopbacks)).toMatchObject({
      ok: false,
      message: expect.stringContaining("127.0.0.1 is a loopback address"),
    });
    expect(checkCallbackUrl("http://localhost:4000/cb", false, none)).toMatchObject({ ok: false, message: expect.stringContaining("localhost is a loopback name") });
    expect(checkCallbackUrl("https://0x7f000001/cb", false, none)).toMatchObject({ ok: false, message: expect.stringContaining("127.0.0.1 is a loopback address") });
    expect(checkCallbackUrl("https://[::ffff:127.0.0.1]/cb", false, none)).toMatchObject({ ok: false, message: expect.stringContaining("loopback") });
    expect(checkCallbackUrl("https://169.254.169.254/latest", false, none)).toMatchObject({ ok: false, message: expect.stringContaining("cloud metadata") });
    expect(checkCallbackUrl("https://10.1.2.3/cb", false, none)).toMatchObject({ ok: false, message: expect.stringContaining("10.1.2.3 is a private address") });
    for (const bad of [
      "ftp://sender.example.org",
      "sender.example.org",
      "https://u:p@sender.example.org",
      "https://sender.example.org/cb?x=1",
      "https://sender.example.org/#a",
    ]) {
      expect(checkCallbackUrl(bad, false), bad).toMatchObject({ ok: false });
    }
  });
});

describe("G2P senders", () => {
  let org: Org;
  beforeAll(async () => {
    org = await orgWithCatalog();
  });

  it("registers a sender with the key normalized to PEM and audits it", async () => {
    const key = ed25519();
    const input = senderInput(org, { public_key: key.base64 });
    const sender = await owner(org).integrations.createSender(input);
    expect(sender).toMatchObject({
      sender_id: input.sender_id,
      name: "Social registry",
      callback_url: "https://registry.example.org/g2p",
      public_key: key.pem,
      public_key_base64: key.base64,
      wallet: { id: org.catalog.wallet.id, name: "Demo Wallet" },
      default_asset: { id: org.catalog.usdc.id, code: "USDC" },
      enabled: true,
      transactions: 0,
      last_message_at: null,
    });
    const [row] = await db.select().from(g2pSenders).where(eq(g2pSenders.id, sender.id));
    expect(row).toMatchObject({ orgId: org.org.id, publicKey: key.pem, createdBy: org.users.owner.id });
    expect(await auditActions(org.org.id, sender.id)).toEqual([
      { action: "g2p_sender.created", actor: org.users.owner.id, details: expect.objectContaining({ sender_id: input.sender_id }) },
    ]);
    // Hex of the raw key is accepted too, and the default asset is optional.
    const hex = await owner(org).integrations.createSender(senderInput(org, { public_key: ed25519().hex, default_asset_id: null }));
    expect(hex.default_asset).toBeNull();
    expect(hex.public_key).toMatch(/^-----BEGIN PUBLIC KEY-----/);
  });

  it("refuses a bad key, sender id, URL, wallet or asset with a message on the field, and stores nothing", async () => {
    const before = await db
      .select({ n: sql<number>`count(*)::int` })
      .from(g2pSenders)
      .where(eq(g2pSenders.orgId, org.org.id));
    const caller = owner(org);
    const { publicKey: rsa } = generateKeyPairSync("rsa", { modulusLength: 1024 });

    const garbage = await fieldErrors(caller.integrations.createSender(senderInput(org, { public_key: "not a key" })));
    expect(garbage.error.message).toBe("Some fields are not valid.");
    expect(garbage.fields.public_key).toMatch(/must be an Ed25519 key/);
    const wrongType = await fieldErrors(caller.integrations.createSender(senderInput(org, { public_key: rsa.export({ format: "pem", type: "spki" }).toString() })));
    expect(wrongType.fields.public_key).toBe("The public key is rsa; an Ed25519 key is required.");
    const short = await fieldErrors(caller.integrations.createSender(senderInput(org, { public_key: Buffer.alloc(31, 1).toString("base64") })));
    expect(short.fields.public_key).toMatch(/must be an Ed25519 key/);

    expect((await fieldErrors(caller.integrations.createSender(senderInput(org, { sender_id: "has space" })))).fields.sender_id).toMatch(/no spaces/);
    expect((await fieldErrors(caller.integrations.createSender(senderInput(org, { sender_id: "x".repeat(100) })))).fields.sender_id).toMatch(/at most 99/);
    expect((await fieldErrors(caller.integrations.createSender(senderInput(org, { sender_id: "" })))).fields.sender_id).toBe("Enter the sender id.");
    expect((await fieldErrors(caller.integrations.createSender(senderInput(org, { callback_url: "ftp://x.example" })))).fields.callback_url).toMatch(/https/);
    expect((await fieldErrors(caller.integrations.createSender(senderInput(org, { name: " " })))).fields.name).toBe("Enter a name.");

    // Another organization's wallet and asset are unknown here.
    const other = await orgWithCatalog();
    const foreignWallet = await fieldErrors(caller.integrations.createSender(senderInput(org, { wallet_id: other.catalog.wallet.id, default_asset_id: null })));
    expect(foreignWallet.error.message).toBe("Unknown wallet");
    expect(foreignWallet.fields.wallet_id).toBe("Choose one of this organization's wallets.");
    const foreignAsset = await fieldErrors(caller.integrations.createSender(senderInput(org, { default_asset_id: other.catalog.usdc.id })));
    expect(foreignAsset.fields.default_asset_id).toBe("Choose one of this organization's assets.");

    // An asset the wallet does not support; a disabled wallet.
    const [bare] = await db
      .insert(wallets)
      .values({ orgId: org.org.id, name: `Bare ${randomSuffix()}`, homepage: "https://bare.example.org", deepLinkSchema: "", sep10ClientDomain: "bare.example.org" })
      .returning();
    await db.insert(walletAssets).values({ walletId: bare!.id, assetId: org.catalog.xlm.id });
    const unsupported = await fieldErrors(caller.integrations.createSender(senderInput(org, { wallet_id: bare!.id, default_asset_id: org.catalog.usdc.id })));
    expect(unsupported.fields.default_asset_id).toBe("The chosen wallet does not support this asset.");
    await db.update(wallets).set({ enabled: false }).where(eq(wallets.id, bare!.id));
    const disabled = await fieldErrors(caller.integrations.createSender(senderInput(org, { wallet_id: bare!.id, default_asset_id: null })));
    expect(disabled.fields.wallet_id).toMatch(/disabled/);

    const after = await db
      .select({ n: sql<number>`count(*)::int` })
      .from(g2pSenders)
      .where(eq(g2pSenders.orgId, org.org.id));
    expect(after).toEqual(before);
  });

  it("refuses a duplicate sender_id with 409 on the field; another organization may use the same id", async () => {
    const input = senderInput(org);
    const first = await owner(org).integrations.createSender(input);
    const dup = await fieldErrors(owner(org).integrations.createSender({ ...input, name: "Copy", public_key: ed25519().pem }), "CONFLICT");
    expect(dup.error.message).toBe(`A sender with the id "${input.sender_id}" is already registered.`);
    expect(dup.fields.sender_id).toBe("This sender id is already registered in this organization.");
    const rows = await db
      .select()
      .from(g2pSenders)
      .where(and(eq(g2pSenders.orgId, org.org.id), eq(g2pSenders.senderId, input.sender_id)));
    expect(rows.map((r) => r.id)).toEqual([first.id]);

    const other = await orgWithCatalog();
    const same = await owner(other).integrations.createSender(senderInput(other, { sender_id: input.sender_id }));
    expect(same.sender_id).toBe(input.sender_id);
  });

  it("updates every field but sender_id, and audits what changed", async () => {
    const created = await owner(org).integrations.createSender(senderInput(org));
    const key = ed25519();
    const updated = await callerFor(db, org.users.developer.id, org.org.id).integrations.updateSender({
      id: created.id,
      // sender_id is not an input of updates: it is stripped, never applied.
      ...({ sender_id: "renamed" } as object),
      name: "Registry (production)",
      callback_url: "https://registry.example.org/v2",
      public_key: key.base64,
      wallet_id: org.catalog.wallet.id,
      default_asset_id: org.catalog.xlm.id,
    });
    expect(updated).toMatchObject({
      id: created.id,
      sender_id: created.sender_id,
      name: "Registry (production)",
      callback_url: "https://registry.example.org/v2",
      public_key: key.pem,
      default_asset: { id: org.catalog.xlm.id, code: "XLM" },
    });
    const audit = await auditActions(org.org.id, created.id);
    expect(audit.map((a) => a.action)).toEqual(["g2p_sender.created", "g2p_sender.updated"]);
    expect(audit[1]).toMatchObject({
      actor: org.users.developer.id,
      details: {
        sender_id: created.sender_id,
        changed: { name: "Registry (production)", callback_url: "https://registry.example.org/v2", public_key: "replaced", default_asset_id: org.catalog.xlm.id },
      },
    });

    const bad = await fieldErrors(owner(org).integrations.updateSender({ ...senderInput(org), id: created.id, public_key: "MCowBQYDK2VwAyEA" }));
    expect(bad.fields.public_key).toMatch(/Ed25519/);
    const [row] = await db.select().from(g2pSenders).where(eq(g2pSenders.id, created.id));
    expect(row?.publicKey).toBe(key.pem);
  });

  it("keeps a wallet that was disabled after registration when other fields change", async () => {
    const [wallet] = await db
      .insert(wallets)
      .values({ orgId: org.org.id, name: `Later off ${randomSuffix()}`, homepage: "https://w.example.org", deepLinkSchema: "", sep10ClientDomain: "w.example.org" })
      .returning();
    const created = await owner(org).integrations.createSender(senderInput(org, { wallet_id: wallet!.id, default_asset_id: null }));
    await db.update(wallets).set({ enabled: false }).where(eq(wallets.id, wallet!.id));
    const renamed = await owner(org).integrations.updateSender({ ...senderInput(org), id: created.id, wallet_id: wallet!.id, default_asset_id: null, name: "Renamed" });
    expect(renamed).toMatchObject({ name: "Renamed", wallet: { id: wallet!.id, enabled: false } });
  });

  it("disables and enables a sender, auditing each change once", async () => {
    const created = await owner(org).integrations.createSender(senderInput(org));
    const caller = owner(org);
    expect(await caller.integrations.setSenderEnabled({ id: created.id, enabled: false })).toMatchObject({ id: created.id, enabled: false });
    // Disabling again changes nothing and records nothing.
    expect(await caller.integrations.setSenderEnabled({ id: created.id, enabled: false })).toMatchObject({ enabled: false });
    expect(await caller.integrations.setSenderEnabled({ id: created.id, enabled: true })).toMatchObject({ enabled: true });
    expect((await auditActions(org.org.id, created.id)).map((a) => a.action)).toEqual(["g2p_sender.created", "g2p_sender.disabled", "g2p_sender.enabled"]);
  });

  it("lists the organization's senders with their transaction count and last message time", async () => {
    const base = await createOrgWithMembers(db);
    const data = await seedOrgData(db, base);
    const fresh: Org = { ...base, catalog: data.catalog };
    const b = await owner(fresh).integrations.createSender(senderInput(fresh, { name: "B sender" }));
    const a = await owner(fresh).integrations.createSender(senderInput(fresh, { name: "A sender" }));
    await db
      .insert(g2pTransactions)
      .values({ orgId: fresh.org.id, senderRowId: a.id, transactionId: "T-1", disbursementId: data.disbursement.id, callbackBase: a.callback_url });
    await insertMessage(fresh.org.id, { direction: "inbound", status: "ACK", senderRowId: a.id, senderId: a.sender_id, createdAt: new Date("2026-02-01T10:00:00Z") });
    await insertMessage(fresh.org.id, { direction: "outbound", status: "DELIVERED", senderRowId: a.id, createdAt: new Date("2026-02-01T10:00:05Z") });
    const list = await owner(fresh).integrations.senders();
    expect(list.map((s) => [s.name, s.transactions, s.last_message_at])).toEqual([
      ["A sender", 1, "2026-02-01T10:00:05.000Z"],
      ["B sender", 0, null],
    ]);
    expect(list.map((s) => s.id)).toEqual([a.id, b.id]);
  });

  it.each(ROLES.filter((r) => !can(r, "integrations:manage")))("%s may not use any integrations procedure", async (role) => {
    const caller = callerFor(db, org.users[role].id, org.org.id);
    await expectTRPCError(caller.integrations.senders(), "FORBIDDEN");
    await expectTRPCError(caller.integrations.identity(), "FORBIDDEN");
    await expectTRPCError(caller.integrations.createSender(senderInput(org)), "FORBIDDEN");
    await expectTRPCError(caller.integrations.messages({}), "FORBIDDEN");
  });
});

describe("this platform's identity", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it("gives the organization's slug as receiver id, the platform key and absolute endpoint URLs", async () => {
    vi.stubEnv("APP_URL", "https://sdp.example.org/");
    const org = await orgWithCatalog();
    const identity = await owner(org).integrations.identity();
    const key = platformSigningKey();
    expect(identity).toMatchObject({
      receiver_id: org.org.slug,
      public_key_pem: key.publicKeyPem,
      public_key_base64: key.publicKeyBase64,
      base_url: "https://sdp.example.org/api/g2p",
      signature: { algorithm: "ed25519" },
    });
    expect(identity.public_key_pem).toMatch(/^-----BEGIN PUBLIC KEY-----\n[\s\S]+\n-----END PUBLIC KEY-----$/);
    expect(Buffer.from(identity.public_key_base64, "base64")).toHaveLength(32);
    const urls = identity.endpoints.map((e) => `${e.method} ${e.url}`);
    expect(urls).toContain("POST https://sdp.example.org/api/g2p/disburse");
    expect(urls).toContain("POST https://sdp.example.org/api/g2p/disburse/search");
    expect(urls).toContain("POST https://sdp.example.org/api/g2p/disburse/txn/status");
    expect(urls).toContain("GET https://sdp.example.org/api/g2p/disburse/status/{transaction_id}/{summary_only}");
    expect(identity.endpoints.find((e) => e.path === "/disburse")?.callback).toBe("/on-disburse");
    expect(identity.signature.digest).toMatch(/BLAKE2b-512/);
  });
});

describe("G2P message log", () => {
  let org: Org;
  let other: Org;
  let senderA: { id: string; sender_id: string };
  const m: Record<string, G2pMessage> = {};
  beforeAll(async () => {
    org = await orgWithCatalog();
    other = await orgWithCatalog();
    senderA = await owner(org).integrations.createSender(senderInput(org));
    m.ack = await insertMessage(org.org.id, {
      direction: "inbound",
      status: "ACK",
      senderRowId: senderA.id,
      senderId: senderA.sender_id,
      action: "disburse",
      transactionId: "TXN-alpha",
      itemCount: 3,
    });
    m.nack = await insertMessage(org.org.id, {
      direction: "inbound",
      status: "NACK",
      senderRowId: senderA.id,
      senderId: senderA.sender_id,
      action: "disburse",
      transactionId: "TXN-beta",
      errorCode: "rjct.total_count.invalid",
      errorMessage: "total_count is 2 but 3 items were sent",
    });
    m.unknown = await insertMessage(org.org.id, {
      direction: "inbound",
      status: "ERR",
      senderId: "stranger",
      errorCode: "err.sender_id.invalid",
      errorMessage: "unknown sender",
    });
    m.failed = await insertMessage(org.org.id, {
      direction: "outbound",
      status: "FAILED",
      senderRowId: senderA.id,
      action: "on-disburse",
      transactionId: "TXN-alpha",
      correlationId: "corr-42",
      url: "https://registry.example.org/g2p/on-disburse",
      attempts: 8,
      lastAttemptAt: new Date("2026-01-01T01:00:00Z"),
      lastHttpStatus: 503,
    });
    m.delivered = await insertMessage(org.org.id, {
      direction: "outbound",
      status: "DELIVERED",
      senderRowId: senderA.id,
      transactionId: "TXN-alpha",
      attempts: 1,
      deliveredAt: new Date(),
    });
    m.pending = await insertMessage(org.org.id, {
      direction: "outbound",
      status: "PENDING",
      senderRowId: senderA.id,
      transactionId: "TXN-beta",
      nextAttemptAt: new Date(),
    });
    m.otherOrg = await insertMessage(other.org.id, { direction: "outbound", status: "FAILED", transactionId: "TXN-alpha" });
  });

  const ids = (page: { data: { id: string }[] }) => page.data.map((r) => r.id);

  it("lists newest first, paginated, without bodies", async () => {
    const page = await owner(org).integrations.messages({ page_limit: 4 });
    expect(ids(page)).toEqual([m.pending!.id, m.delivered!.id, m.failed!.id, m.unknown!.id]);
    expect(page.pagination).toMatchObject({ total: 6, pages: 2, next: 2, page: 1 });
    expect(page.data.every((r) => !("body" in r))).toBe(true);
    expect(JSON.stringify(page)).not.toContain("+447911123456");
    const second = await owner(org).integrations.messages({ page: 2, page_limit: 4 });
    expect(ids(second)).toEqual([m.nack!.id, m.ack!.id]);
    const failed = page.data.find((r) => r.id === m.failed!.id)!;
    expect(failed).toMatchObject({
      direction: "outbound",
      endpoint: "/on-disburse",
      status: "FAILED",
      attempts: 8,
      last_http_status: 503,
      last_attempt_at: "2026-01-01T01:00:00.000Z",
      url: "https://registry.example.org/g2p/on-disburse",
      sender: { id: senderA.id, sender_id: senderA.sender_id },
      sender_id: senderA.sender_id,
    });
  });

  it("filters by direction, status, sender and a search on message, correlation or transaction id", async () => {
    const caller = owner(org);
    expect(ids(await caller.integrations.messages({ direction: "inbound" }))).toEqual([m.unknown!.id, m.nack!.id, m.ack!.id]);
    expect(ids(await caller.integrations.messages({ direction: "outbound", status: "FAILED" }))).toEqual([m.failed!.id]);
    expect(ids(await caller.integrations.messages({ status: "NACK" }))).toEqual([m.nack!.id]);
    // The sender filter finds callbacks stored with only the sender's row, and unknown senders by name.
    expect(ids(await caller.integrations.messages({ sender_id: senderA.sender_id }))).toEqual([m.pending!.id, m.delivered!.id, m.failed!.id, m.nack!.id, m.ack!.id]);
    expect(ids(await caller.integrations.messages({ sender_id: "stranger" }))).toEqual([m.unknown!.id]);
    expect(ids(await caller.integrations.messages({ q: "txn-ALPHA" }))).toEqual([m.delivered!.id, m.failed!.id, m.ack!.id]);
    expect(ids(await caller.integrations.messages({ q: m.nack!.messageId }))).toEqual([m.nack!.id]);
    expect(ids(await caller.integrations.messages({ q: "corr-42" }))).toEqual([m.failed!.id]);
    // LIKE wildcards are literal.
    expect(ids(await caller.integrations.messages({ q: "%" }))).toEqual([]);
    expect(ids(await caller.integrations.messages({ sender_id: "", q: "" }))).toHaveLength(6);
    await expectTRPCError(caller.integrations.messages({ status: "LOST" as "ACK" }), "BAD_REQUEST");
  });

  it("shows one message with its body", async () => {
    const detail = await owner(org).integrations.message({ id: m.nack!.id });
    expect(detail).toMatchObject({ id: m.nack!.id, status: "NACK", error_code: "rjct.total_count.invalid", error_message: "total_count is 2 but 3 items were sent" });
    expect(detail.body).toEqual({ header: { message_id: "x" }, message: { payee: "mobile:+447911123456" } });
  });

  it("retries a FAILED callback only: PENDING, due now, attempts kept, audited", async () => {
    const started = Date.now();
    const retried = await callerFor(db, org.users.developer.id, org.org.id).integrations.retryCallback({ id: m.failed!.id });
    expect(retried).toMatchObject({ id: m.failed!.id, status: "PENDING", attempts: 8 });
    const [row] = await db.select().from(g2pMessages).where(eq(g2pMessages.id, m.failed!.id));
    expect(row).toMatchObject({ status: "PENDING", attempts: 8, lastHttpStatus: 503 });
    expect(row!.nextAttemptAt!.getTime()).toBeGreaterThanOrEqual(started - 1000);
    expect(row!.nextAttemptAt!.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
    expect(await auditActions(org.org.id, m.failed!.id)).toEqual([
      { action: "g2p_callback.retried", actor: org.users.developer.id, details: { message_id: m.failed!.messageId, attempts: 8 } },
    ]);

    // Now PENDING: a second retry is refused, as are delivered callbacks and inbound messages.
    const again = await expectTRPCError(owner(org).integrations.retryCallback({ id: m.failed!.id }), "CONFLICT");
    expect(again.message).toBe("Only a failed callback can be retried; this one is PENDING.");
    await expectTRPCError(owner(org).integrations.retryCallback({ id: m.delivered!.id }), "CONFLICT");
    const inbound = await expectTRPCError(owner(org).integrations.retryCallback({ id: m.nack!.id }), "CONFLICT");
    expect(inbound.message).toMatch(/this message was received/);
    const [delivered] = await db.select({ status: g2pMessages.status }).from(g2pMessages).where(eq(g2pMessages.id, m.delivered!.id));
    expect(delivered?.status).toBe("DELIVERED");
  });

  it("another organization neither sees nor touches these senders and messages", async () => {
    const caller = owner(other);
    const page = await caller.integrations.messages({ page_limit: 100 });
    expect(ids(page)).toEqual([m.otherOrg!.id]);
    expect(ids(await caller.integrations.messages({ sender_id: senderA.sender_id }))).toEqual([]);
    expect((await caller.integrations.senders()).map((s) => s.id)).not.toContain(senderA.id);

    const notFound = await expectTRPCError(caller.integrations.message({ id: m.ack!.id }), "NOT_FOUND");
    expect(notFound.message).toBe("The message was not found.");
    await expectTRPCError(caller.integrations.retryCallback({ id: m.failed!.id }), "NOT_FOUND");
    expect((await expectTRPCError(caller.integrations.updateSender({ ...senderInput(other), id: senderA.id }), "NOT_FOUND")).message).toBe("The sender was not found.");
    await expectTRPCError(caller.integrations.setSenderEnabled({ id: senderA.id, enabled: false }), "NOT_FOUND");
    // Its own FAILED callback it may retry.
    expect(await caller.integrations.retryCallback({ id: m.otherOrg!.id })).toMatchObject({ status: "PENDING" });

    const [sender] = await db.select().from(g2pSenders).where(eq(g2pSenders.id, senderA.id));
    expect(sender).toMatchObject({ orgId: org.org.id, enabled: true, name: "Social registry" });
    expect(await auditActions(other.org.id, senderA.id)).toEqual([]);
  });
});
