import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Keypair, Networks, TransactionBuilder, WebAuth, type Transaction } from "@stellar/stellar-sdk";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { closeDb } from "@/db/client";
import { assets, messages, receivers, receiverWallets, sep24Transactions, wallets } from "@/db/schema";
import { seedDemoCatalog } from "@/server/services/catalog/seed-demo-catalog";
import { subkey } from "@/server/services/crypto/keys";
import { resolveRegistrationToken } from "@/server/services/registration/registration-token";
import { sepConfig } from "@/server/services/sep/config";
import { buildWalletDeepLink, invitationLinkFor, splitSignedDeepLink } from "@/server/services/sep/deep-link";
import { signJwt } from "@/server/services/sep/jwt";
import { completeSep24ForReceiverWallet } from "@/server/services/sep/sep24";
import { PASSPHRASES } from "@/server/stellar/network";
import { renderToStaticMarkup } from "react-dom/server";
import { parse as parseToml } from "smol-toml";
import InteractivePage from "@/app/sep24/interactive/page";
import * as tomlRoute from "@/app/.well-known/stellar.toml/route";
import * as authRoute from "@/app/sep10/auth/route";
import * as contactRoute from "@/app/sep24/interactive/contact/route";
import * as infoRoute from "@/app/sep24/info/route";
import * as interactiveRoute from "@/app/sep24/transactions/deposit/interactive/route";
import * as transactionRoute from "@/app/sep24/transaction/route";
import * as transactionsRoute from "@/app/sep24/transactions/route";
import { createOrgWithMembers, randomSuffix, testDb } from "./helpers";

process.env.DATABASE_URL = inject("databaseUrl");
afterAll(() => closeDb());

const db = testDb();
const APP = "http://localhost:3000";
const PASSPHRASE = PASSPHRASES.local;

// A loopback stand-in for Horizon (GET /accounts/:id) that also serves a wallet's stellar.toml
// (the SEP-10 client_domain's SIGNING_KEY).
const walletSigningKey = Keypair.random();
const ledgerAccounts = new Map<
  string,
  { signers: { key: string; weight: number; type: string }[]; thresholds: { low_threshold: number; med_threshold: number; high_threshold: number } }
>();
let server: Server;
let loopbackHost = "";

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    if (url.pathname === "/.well-known/stellar.toml") {
      res.writeHead(200, { "content-type": "text/plain" }).end(`SIGNING_KEY = "${walletSigningKey.publicKey()}"\n`);
      return;
    }
    const match = /^\/accounts\/(G[A-Z0-9]{55})$/.exec(url.pathname);
    const account = match ? ledgerAccounts.get(match[1]!) : undefined;
    if (!account) {
      res.writeHead(404, { "content-type": "application/problem+json" }).end(JSON.stringify({ status: 404, title: "Resource Missing" }));
      return;
    }
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ id: match![1], account_id: match![1], sequence: "1", ...account }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  loopbackHost = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  process.env.HORIZON_URL = `http://${loopbackHost}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

type Handler = (request: Request) => Promise<Response> | Response;

async function call(handler: Handler, method: string, path: string, options: { json?: unknown; form?: Record<string, string>; bearer?: string } = {}) {
  const headers = new Headers();
  let body: BodyInit | undefined;
  if (options.bearer !== undefined) headers.set("authorization", `Bearer ${options.bearer}`);
  if (options.json !== undefined) {
    headers.set("content-type", "application/json");
    body = JSON.stringify(options.json);
  } else if (options.form) {
    headers.set("content-type", "application/x-www-form-urlencoded");
    body = new URLSearchParams(options.form).toString();
  }
  const response = await handler(new Request(`${APP}${path}`, { method, headers, body, redirect: "manual" }));
  const text = await response.text();
  const type = response.headers.get("content-type") ?? "";
  return { status: response.status, headers: response.headers, text, body: type.includes("application/json") && text ? JSON.parse(text) : undefined };
}

function decodeJwt(token: string) {
  const [, payload] = token.split(".");
  return JSON.parse(Buffer.from(payload!, "base64url").toString("utf8")) as Record<string, unknown>;
}

async function challengeFor(account: string, query = "") {
  const res = await call(authRoute.GET, "GET", `/sep10/auth?account=${account}${query}`);
  expect(res.status, res.text).toBe(200);
  expect(res.body.network_passphrase).toBe(PASSPHRASE);
  return res.body.transaction as string;
}

function sign(xdr: string, ...keys: Keypair[]) {
  const tx = TransactionBuilder.fromXDR(xdr, PASSPHRASE) as Transaction;
  for (const key of keys) tx.sign(key);
  return tx.toEnvelope().toXDR("base64");
}

async function tokenFor(client: Keypair, query = "", ...extraSigners: Keypair[]) {
  const challenge = await challengeFor(client.publicKey(), query);
  const res = await call(authRoute.POST, "POST", "/sep10/auth", { json: { transaction: sign(challenge, client, ...extraSigners) } });
  expect(res.status, res.text).toBe(200);
  return res.body.token as string;
}

describe("SEP-1 stellar.toml", () => {
  it("publishes the network, the SEP-10 key and endpoints and the organizations' currencies", async () => {
    const org = await createOrgWithMembers(db, ["owner"]);
    const catalog = await seedDemoCatalog(db, org.org.id);
    const res = await tomlRoute.GET();
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    const text = await res.text();
    const signingKey = Keypair.fromRawEd25519Seed(subkey("sep10-signing")).publicKey();
    expect(text).toContain(`NETWORK_PASSPHRASE = "${PASSPHRASE}"`);
    expect(text).toContain(`SIGNING_KEY = "${signingKey}"`);
    expect(text).toContain(`WEB_AUTH_ENDPOINT = "${APP}/sep10/auth"`);
    expect(text).toContain(`TRANSFER_SERVER_SEP0024 = "${APP}/sep24"`);
    expect(text).toMatch(new RegExp(`ACCOUNTS = \\[.*"${signingKey}"`));
    expect(text).toContain("[DOCUMENTATION]");
    expect(text).toMatch(/ORG_NAME = ".+"/);
    expect(text).toContain(`[[CURRENCIES]]\ncode = "USDC"\nissuer = "${catalog.usdc.issuer}"`);
    expect(text).toContain(`[[CURRENCIES]]\ncode = "native"`);

    // Every currency entry has what SEP-1 requires (the anchor test suite's schema).
    const currencies = (parseToml(text) as { CURRENCIES: Record<string, unknown>[] }).CURRENCIES;
    expect(currencies.length).toBeGreaterThanOrEqual(2);
    for (const currency of currencies) {
      expect(currency).toMatchObject({ status: "live", is_asset_anchored: expect.any(Boolean), desc: expect.stringMatching(/\S/) });
      expect(["fiat", "crypto", "stock", "bond", "commodity", "realestate", "other"]).toContain(currency.anchor_asset_type);
    }
    expect(currencies.find((c) => c.code === "native")).toMatchObject({ anchor_asset_type: "crypto", anchor_asset: "XLM" });
    expect(currencies.find((c) => c.code === "USDC" && c.issuer === catalog.usdc.issuer)).toMatchObject({ is_asset_anchored: true, anchor_asset_type: "fiat" });
  });
});

describe("SEP-10 web authentication", () => {
  const config = () => sepConfig();

  it("builds a challenge the SDK's WebAuth.readChallengeTx accepts, and exchanges it signed for a JWT", async () => {
    const client = Keypair.random();
    const challenge = await challengeFor(client.publicKey());
    const server = config().signingKeypair.publicKey();
    const read = WebAuth.readChallengeTx(challenge, server, PASSPHRASE, "localhost:3000", "localhost:3000");
    expect(read.clientAccountID).toBe(client.publicKey());
    expect(read.matchedHomeDomain).toBe("localhost:3000");
    expect(read.tx.sequence).toBe("0");
    const [first, second] = read.tx.operations;
    expect(first).toMatchObject({ type: "manageData", name: "localhost:3000 auth", source: client.publicKey() });
    expect(Buffer.from((first as unknown as { value: Buffer }).value).toString("utf8")).toMatch(/^[A-Za-z0-9+/]{64}$/); // 48 bytes, base64
    expect(second).toMatchObject({ type: "manageData", name: "web_auth_domain", source: server });
    const timeBounds = read.tx.timeBounds!;
    expect(Number(timeBounds.maxTime) - Number(timeBounds.minTime)).toBe(900);

    const signed = sign(challenge, client);
    // The SDK agrees the client signed it (an account not on the ledger: the master key suffices).
    expect(WebAuth.verifyChallengeTxSigners(signed, server, PASSPHRASE, [client.publicKey()], "localhost:3000", "localhost:3000")).toEqual([client.publicKey()]);

    const res = await call(authRoute.POST, "POST", "/sep10/auth", { json: { transaction: signed } });
    expect(res.status, res.text).toBe(200);
    const claims = decodeJwt(res.body.token);
    expect(claims.sub).toBe(client.publicKey());
    expect(claims.iss).toBe(`${APP}/sep10/auth`);
    expect((claims.exp as number) - (claims.iat as number)).toBe(24 * 3600);
    expect(claims.jti).toBe(Buffer.from(read.tx.hash()).toString("hex"));
    expect(claims.client_domain).toBeUndefined();

    // The form encoding works too.
    const form = await call(authRoute.POST, "POST", "/sep10/auth", { form: { transaction: signed } });
    expect(form.status, form.text).toBe(200);
  });

  it("puts an ID memo in sub and rejects a bad account, memo or home domain", async () => {
    const client = Keypair.random();
    const challenge = await challengeFor(client.publicKey(), "&memo=12345");
    const res = await call(authRoute.POST, "POST", "/sep10/auth", { json: { transaction: sign(challenge, client) } });
    expect(res.status, res.text).toBe(200);
    expect(decodeJwt(res.body.token).sub).toBe(`${client.publicKey()}:12345`);

    expect((await call(authRoute.GET, "GET", "/sep10/auth?account=GNOPE")).status).toBe(400);
    expect((await call(authRoute.GET, "GET", `/sep10/auth?account=${client.publicKey()}&memo=text`)).status).toBe(400);
    const other = await call(authRoute.GET, "GET", `/sep10/auth?account=${client.publicKey()}&home_domain=evil.example`);
    expect(other.status).toBe(400);
    expect(other.body.error).toMatch(/home_domain/);
  });

  it("refuses a challenge signed by the wrong key, unsigned or with extra signatures (400)", async () => {
    const client = Keypair.random();
    const challenge = await challengeFor(client.publicKey());
    const res = await call(authRoute.POST, "POST", "/sep10/auth", { json: { transaction: sign(challenge, Keypair.random()) } });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/verification failed/);
    const unsigned = await call(authRoute.POST, "POST", "/sep10/auth", { json: { transaction: challenge } });
    expect(unsigned.status).toBe(400);
    const extra = await call(authRoute.POST, "POST", "/sep10/auth", { json: { transaction: sign(challenge, client, Keypair.random()) } });
    expect(extra.status).toBe(400);
    expect(extra.body.error).toMatch(/verification failed/);
  });

  it("checks an existing account's signers against its medium threshold", async () => {
    const client = Keypair.random();
    const cosigner = Keypair.random();
    ledgerAccounts.set(client.publicKey(), {
      signers: [
        { key: client.publicKey(), weight: 1, type: "ed25519_public_key" },
        { key: cosigner.publicKey(), weight: 1, type: "ed25519_public_key" },
      ],
      thresholds: { low_threshold: 0, med_threshold: 2, high_threshold: 2 },
    });
    const challenge = await challengeFor(client.publicKey());
    const one = await call(authRoute.POST, "POST", "/sep10/auth", { json: { transaction: sign(challenge, client) } });
    expect(one.status).toBe(400);
    // The same signer twice does not count twice.
    const twice = await call(authRoute.POST, "POST", "/sep10/auth", { json: { transaction: sign(challenge, client, client) } });
    expect(twice.status).toBe(400);
    const both = await call(authRoute.POST, "POST", "/sep10/auth", { json: { transaction: sign(challenge, client, cosigner) } });
    expect(both.status, both.text).toBe(200);
    expect(decodeJwt(both.body.token).sub).toBe(client.publicKey());
  });

  it("refuses an expired, foreign or malformed challenge (400)", async () => {
    const client = Keypair.random();
    const server = config().signingKeypair;
    // Built an hour ago: its 15-minute time bounds have passed.
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() - 3600_000);
    const expired = WebAuth.buildChallengeTx(server, client.publicKey(), "localhost:3000", 900, PASSPHRASE, "localhost:3000");
    vi.useRealTimers();
    const late = await call(authRoute.POST, "POST", "/sep10/auth", { json: { transaction: sign(expired, client) } });
    expect(late.status).toBe(400);
    expect(late.body.error).toMatch(/expired/i);

    // Signed by another "server" key, or for another network.
    const forged = WebAuth.buildChallengeTx(Keypair.random(), client.publicKey(), "localhost:3000", 900, PASSPHRASE, "localhost:3000");
    expect((await call(authRoute.POST, "POST", "/sep10/auth", { json: { transaction: sign(forged, client) } })).status).toBe(400);
    const testnet = WebAuth.buildChallengeTx(server, client.publicKey(), "localhost:3000", 900, Networks.TESTNET, "localhost:3000");
    expect((await call(authRoute.POST, "POST", "/sep10/auth", { json: { transaction: testnet } })).status).toBe(400);

    // Tampered: a byte of the envelope flipped.
    const good = sign(await challengeFor(client.publicKey()), client);
    const bytes = Buffer.from(good, "base64");
    bytes[bytes.length - 10] = bytes[bytes.length - 10]! ^ 0xff;
    const tampered = await call(authRoute.POST, "POST", "/sep10/auth", { json: { transaction: bytes.toString("base64") } });
    expect(tampered.status).toBe(400);
    expect((await call(authRoute.POST, "POST", "/sep10/auth", { json: { transaction: "not-xdr" } })).status).toBe(400);
    expect((await call(authRoute.POST, "POST", "/sep10/auth", { json: {} })).status).toBe(400);
  });

  it("with client_domain, requires the wallet's SIGNING_KEY signature and puts client_domain in the JWT", async () => {
    const client = Keypair.random();
    const challenge = await challengeFor(client.publicKey(), `&client_domain=${loopbackHost}`);
    const read = WebAuth.readChallengeTx(challenge, config().signingKeypair.publicKey(), PASSPHRASE, "localhost:3000", "localhost:3000");
    expect(read.tx.operations.find((op) => op.type === "manageData" && op.name === "client_domain")).toMatchObject({ source: walletSigningKey.publicKey() });
    const clientOnly = await call(authRoute.POST, "POST", "/sep10/auth", { json: { transaction: sign(challenge, client) } });
    expect(clientOnly.status).toBe(400);
    const res = await call(authRoute.POST, "POST", "/sep10/auth", { json: { transaction: sign(challenge, client, walletSigningKey) } });
    expect(res.status, res.text).toBe(200);
    expect(decodeJwt(res.body.token).client_domain).toBe(loopbackHost);
  });
});

describe("SEP-24 interactive deposit", () => {
  /** An organization paying a unique asset, so the deposit resolves to it among other tests' orgs. */
  async function orgWithUniqueAsset() {
    const org = await createOrgWithMembers(db, ["owner"]);
    const catalog = await seedDemoCatalog(db, org.org.id);
    const code = `T${randomSuffix().toUpperCase()}`;
    const [asset] = await db.insert(assets).values({ orgId: org.org.id, code, issuer: catalog.usdc.issuer }).returning();
    return { org, catalog, asset: asset! };
  }

  it("info lists deposits for the organizations' assets, withdrawals and fees disabled", async () => {
    const { asset } = await orgWithUniqueAsset();
    const res = await call(infoRoute.GET as Handler, "GET", "/sep24/info");
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.body.deposit[asset.code]).toMatchObject({ enabled: true });
    expect(res.body.deposit.native).toMatchObject({ enabled: true });
    expect(res.body.withdraw[asset.code]).toEqual({ enabled: false });
    expect(res.body.fee).toEqual({ enabled: false });
  });

  it("refuses interactive deposits without a JWT or with a bad one (403 authentication_required)", async () => {
    const { asset } = await orgWithUniqueAsset();
    const client = Keypair.random();
    const json = { asset_code: asset.code, account: client.publicKey() };
    const anonymous = await call(interactiveRoute.POST, "POST", "/sep24/transactions/deposit/interactive", { json });
    expect(anonymous.status).toBe(403);
    expect(anonymous.body.type).toBe("authentication_required");
    expect((await call(interactiveRoute.POST, "POST", "/sep24/transactions/deposit/interactive", { json, bearer: "garbage" })).status).toBe(403);
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: `${APP}/sep10/auth`, sub: client.publicKey(), iat: now, exp: now + 3600 };
    const foreign = signJwt(claims, Buffer.alloc(32, 7));
    expect((await call(interactiveRoute.POST, "POST", "/sep24/transactions/deposit/interactive", { json, bearer: foreign })).status).toBe(403);
    const expired = signJwt({ ...claims, iat: now - 7200, exp: now - 3600 }, subkey("sep10-jwt"));
    expect((await call(interactiveRoute.POST, "POST", "/sep24/transactions/deposit/interactive", { json, bearer: expired })).status).toBe(403);

    const token = await tokenFor(client);
    const mismatch = await call(interactiveRoute.POST, "POST", "/sep24/transactions/deposit/interactive", {
      json: { asset_code: asset.code, account: Keypair.random().publicKey() },
      bearer: token,
    });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.error).toMatch(/'account'/);
    const unknownAsset = await call(interactiveRoute.POST, "POST", "/sep24/transactions/deposit/interactive", { json: { asset_code: "NOPE0000" }, bearer: token });
    expect(unknownAsset.status).toBe(400);
  });

  it("starts a deposit (id + url), shows it only to its account, and registers through the contact", async () => {
    const { org, catalog, asset } = await orgWithUniqueAsset();
    const client = Keypair.random();
    const token = await tokenFor(client);
    const res = await call(interactiveRoute.POST, "POST", "/sep24/transactions/deposit/interactive", {
      json: { asset_code: asset.code, account: client.publicKey(), lang: "en" },
      bearer: token,
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body.type).toBe("interactive_customer_info_needed");
    const url = new URL(res.body.url);
    expect(`${url.origin}${url.pathname}`).toBe(`${APP}/sep24/interactive`);
    expect(url.searchParams.get("transaction_id")).toBe(res.body.id);
    const interactiveToken = url.searchParams.get("token")!;
    expect(interactiveToken).toBeTruthy();
    const [row] = await db.select().from(sep24Transactions).where(eq(sep24Transactions.id, res.body.id));
    expect(row).toMatchObject({ orgId: org.org.id, stellarAccount: client.publicKey(), status: "incomplete", assetCode: asset.code });

    const mine = await call(transactionRoute.GET, "GET", `/sep24/transaction?id=${res.body.id}`, { bearer: token });
    expect(mine.status, mine.text).toBe(200);
    expect(mine.body.transaction).toMatchObject({ id: res.body.id, kind: "deposit", status: "incomplete", to: client.publicKey() });
    expect(mine.body.transaction.started_at).toBeTruthy();
    expect(mine.body.transaction.completed_at).toBeUndefined();
    const otherToken = await tokenFor(Keypair.random());
    expect((await call(transactionRoute.GET, "GET", `/sep24/transaction?id=${res.body.id}`, { bearer: otherToken })).status).toBe(404);
    const anonymous = await call(transactionRoute.GET, "GET", `/sep24/transaction?id=${res.body.id}`);
    expect(anonymous.status).toBe(403);
    expect(anonymous.body.type).toBe("authentication_required");

    // The receiver the organization knows, with a READY wallet.
    const phone = `+1555${String(Math.floor(Math.random() * 1e7)).padStart(7, "0")}`;
    const [receiver] = await db
      .insert(receivers)
      .values({ orgId: org.org.id, externalId: `ext-${randomSuffix()}`, phoneNumber: phone })
      .returning();
    const [rw] = await db.insert(receiverWallets).values({ orgId: org.org.id, receiverId: receiver!.id, walletId: catalog.wallet.id, status: "READY" }).returning();

    const submit = (contact: string, tok = interactiveToken) =>
      call(contactRoute.POST, "POST", "/sep24/interactive/contact", { form: { transaction_id: res.body.id, token: tok, contact } });
    // An unknown contact and a known one answer the same.
    const unknown = await submit("+15550000000");
    const known = await submit(phone.replace("+1555", "+1 555 "));
    expect(unknown.status).toBe(303);
    expect(known.status).toBe(303);
    expect(known.headers.get("location")).toBe(unknown.headers.get("location"));
    expect(known.headers.get("location")).toContain("sent=1");
    expect((await submit(phone, "forged.token.1.x")).headers.get("location")).toContain("error=expired");
    expect((await submit("not a contact")).headers.get("location")).toContain("error=contact");
    // Submitting again sends nothing more (one message per SEP-24 transaction).
    expect((await submit(phone)).headers.get("location")).toContain("sent=1");

    const sent = await db
      .select()
      .from(messages)
      .where(and(eq(messages.orgId, org.org.id), eq(messages.receiverId, receiver!.id)));
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ type: "RECEIVER_INVITATION", channel: "SMS", destination: phone, status: "SUCCESS" });
    const link = /(http\S+)/.exec(sent[0]!.body)![1]!;
    const linkUrl = new URL(link);
    expect(linkUrl.pathname).toMatch(/^\/r\//);
    // The address is never pre-filled: whoever knows a contact could otherwise steer the payment.
    expect(linkUrl.searchParams.get("account")).toBeNull();
    expect(sent[0]!.body).toContain(`ending ${client.publicKey().slice(-4)}`);
    const registrationToken = decodeURIComponent(linkUrl.pathname.slice(3));
    expect((await resolveRegistrationToken(db, registrationToken))?.id).toBe(rw!.id);

    // The interactive page: a form with the bound transaction; a neutral text once sent; a bad token explains.
    const render = async (params: Record<string, string>) => renderToStaticMarkup(await InteractivePage({ searchParams: Promise.resolve(params) }));
    const form = await render({ transaction_id: res.body.id, token: interactiveToken });
    expect(form).toContain('action="/sep24/interactive/contact"');
    expect(form).toContain(`value="${res.body.id}"`);
    expect(form).toContain(org.org.name);
    expect(await render({ transaction_id: res.body.id, token: interactiveToken, sent: "1" })).toContain("If the organization knows this contact");
    expect(await render({ transaction_id: res.body.id, token: "x.y.1.z" })).toContain("not valid any more");

    // When registration completes, the SEP-24 transaction is completed.
    expect(await completeSep24ForReceiverWallet(db, rw!.id)).toBe(1);
    const done = await call(transactionRoute.GET, "GET", `/sep24/transaction?id=${res.body.id}`, { bearer: token });
    expect(done.body.transaction.status).toBe("completed");
    expect(done.body.transaction.completed_at).toBeTruthy();
  });

  it("lists the account's transactions (asset_code, limit, kind, no_older_than, paging_id), newest first", async () => {
    const { asset } = await orgWithUniqueAsset();
    const client = Keypair.random();
    const token = await tokenFor(client);
    const list = (query: string, bearer: string | undefined = token) =>
      call(transactionsRoute.GET, "GET", `/sep24/transactions?${query}`, bearer === undefined ? {} : { bearer });

    // Nothing yet: an empty list, not an error.
    const empty = await list(`asset_code=${asset.code}`);
    expect(empty.status, empty.text).toBe(200);
    expect(empty.body).toEqual({ transactions: [] });

    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await call(interactiveRoute.POST, "POST", "/sep24/transactions/deposit/interactive", { json: { asset_code: asset.code }, bearer: token });
      expect(res.status, res.text).toBe(200);
      ids.push(res.body.id);
    }
    // Another account's deposits stay out.
    const other = await call(interactiveRoute.POST, "POST", "/sep24/transactions/deposit/interactive", {
      json: { asset_code: asset.code },
      bearer: await tokenFor(Keypair.random()),
    });
    expect(other.status, other.text).toBe(200);

    const all = await list(`asset_code=${asset.code}`);
    expect(all.status, all.text).toBe(200);
    expect(all.body.transactions.map((t: { id: string }) => t.id)).toEqual([...ids].reverse());
    expect(all.body.transactions[0]).toMatchObject({ id: ids[2], kind: "deposit", status: "incomplete", to: client.publicKey() });
    expect(all.body.transactions[0].more_info_url).toMatch(/^http/);
    // Another asset's list does not show them.
    const native = await list("asset_code=native");
    expect(native.status, native.text).toBe(200);
    expect(native.body.transactions).toEqual([]);

    const limited = await list(`asset_code=${asset.code}&limit=1`);
    expect(limited.body.transactions.map((t: { id: string }) => t.id)).toEqual([ids[2]]);
    const page2 = await list(`asset_code=${asset.code}&paging_id=${ids[2]}`);
    expect(page2.body.transactions.map((t: { id: string }) => t.id)).toEqual([ids[1], ids[0]]);
    expect((await list(`asset_code=${asset.code}&kind=deposit`)).body.transactions).toHaveLength(3);
    expect((await list(`asset_code=${asset.code}&kind=withdrawal`)).body).toEqual({ transactions: [] });
    const second = all.body.transactions[1].started_at as string;
    const recent = await list(`asset_code=${asset.code}&no_older_than=${encodeURIComponent(second)}`);
    expect(recent.body.transactions.map((t: { id: string }) => t.id)).toEqual([ids[2], ids[1]]);

    // Bad parameters answer 400 naming the parameter; no token answers 403.
    for (const [query, name] of [
      ["", "asset_code"],
      ["asset_code=BADCODE", "asset_code"],
      [`asset_code=${asset.code}&limit=0`, "limit"],
      [`asset_code=${asset.code}&limit=abc`, "limit"],
      [`asset_code=${asset.code}&kind=refund`, "kind"],
      [`asset_code=${asset.code}&no_older_than=yesterday`, "no_older_than"],
      [`asset_code=${asset.code}&paging_id=nope`, "paging_id"],
    ] as const) {
      const bad = await list(query);
      expect(bad.status, query).toBe(400);
      expect(bad.body.error, query).toContain(`'${name}'`);
    }
    const anonymous = await call(transactionsRoute.GET, "GET", `/sep24/transactions?asset_code=${asset.code}`);
    expect(anonymous.status).toBe(403);
    expect(anonymous.body).toMatchObject({ type: "authentication_required" });
  });

  it("looks a transaction up by id only: unknown stellar_transaction_id and external_transaction_id answer 404", async () => {
    const { asset } = await orgWithUniqueAsset();
    const token = await tokenFor(Keypair.random());
    const started = await call(interactiveRoute.POST, "POST", "/sep24/transactions/deposit/interactive", { json: { asset_code: asset.code }, bearer: token });
    const get = (query: string) => call(transactionRoute.GET, "GET", `/sep24/transaction?${query}`, { bearer: token });
    expect((await get(`id=${started.body.id}`)).status).toBe(200);
    const byHash = await get(`stellar_transaction_id=${"ab".repeat(32)}`);
    expect(byHash.status).toBe(404);
    expect(byHash.body.error).toMatch(/not found/);
    expect((await get("external_transaction_id=9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d")).status).toBe(404);
    expect((await get("stellar_transaction_id=xyz")).status).toBe(400);
    expect((await get("")).status).toBe(400);
    expect((await get(`id=${started.body.id}&external_transaction_id=x`)).status).toBe(400);
  });

  it("resolves the organization by the wallet's client_domain", async () => {
    const org = await createOrgWithMembers(db, ["owner"]);
    await seedDemoCatalog(db, org.org.id);
    await db
      .insert(wallets)
      .values({ orgId: org.org.id, name: `Loopback ${randomSuffix()}`, homepage: "http://x", deepLinkSchema: "wallet://sdp", sep10ClientDomain: loopbackHost });
    const client = Keypair.random();
    const token = await tokenFor(client, `&client_domain=${loopbackHost}`, walletSigningKey);
    const res = await call(interactiveRoute.POST, "POST", "/sep24/transactions/deposit/interactive", { json: { asset_code: "XLM" }, bearer: token });
    expect(res.status, res.text).toBe(200);
    const [row] = await db.select().from(sep24Transactions).where(eq(sep24Transactions.id, res.body.id));
    expect(row).toMatchObject({ orgId: org.org.id, clientDomain: loopbackHost, assetCode: "native" });
  });
});

describe("wallet deep links", () => {
  it("signs the link with the SEP-10 key, as SDP does", async () => {
    const issuer = Keypair.random().publicKey();
    const link = buildWalletDeepLink({ deepLinkSchema: "wallet://sdp", homeDomain: "localhost:3000", orgName: "Aid & Co", assetCode: "USDC", assetIssuer: issuer });
    const parts = splitSignedDeepLink(link)!;
    expect(parts.unsigned).toBe(`wallet://sdp?asset=USDC-${issuer}&domain=localhost%3A3000&name=Aid+%26+Co`);
    const toml = await (await tomlRoute.GET()).text();
    const signingKey = /SIGNING_KEY = "(G[A-Z0-9]+)"/.exec(toml)![1]!;
    expect(Keypair.fromPublicKey(signingKey).verify(Buffer.from(parts.unsigned), parts.signature)).toBe(true);
    expect(Keypair.fromPublicKey(signingKey).verify(Buffer.from(parts.unsigned.replace("USDC", "EURC")), parts.signature)).toBe(false);
    expect(buildWalletDeepLink({ deepLinkSchema: "https://w.example/add?x=1", homeDomain: "h", orgName: "o", assetCode: "XLM" })).toMatch(
      /^https:\/\/w\.example\/add\?x=1&asset=native&domain=h&name=o&signature=[0-9a-f]{128}$/,
    );
    // Our own registration URL as the schema (the demo wallet), or none: the registration page itself.
    const common = { appUrl: APP, registrationUrl: `${APP}/r/tok`, homeDomain: "localhost:3000", orgName: "o", assetCode: "XLM" };
    expect(invitationLinkFor({ ...common, deepLinkSchema: `${APP}/register` })).toBe(`${APP}/r/tok`);
    expect(invitationLinkFor({ ...common, deepLinkSchema: "" })).toBe(`${APP}/r/tok`);
    expect(invitationLinkFor({ ...common, deepLinkSchema: "wallet://sdp" })).toMatch(/^wallet:\/\/sdp\?asset=native&domain=localhost%3A3000&name=o&signature=/);
  });
});
