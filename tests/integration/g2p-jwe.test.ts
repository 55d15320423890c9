/**
 * G2P Connect encrypted messages (docs/g2p-connect.md#encrypted-messages) over real HTTP: the
 * `/api/g2p` route handlers behind a node HTTP server on 127.0.0.1, a client that encrypts with
 * `jose` to the public key getPlatformIdentity shows, and a loopback sender receiving our callbacks.
 * Encrypted requests are accepted and handled like plain ones; their answers and callbacks come back
 * encrypted to the sender's key (and decrypt with its private key); the wrong key, a tampered
 * ciphertext, a foreign kid, a sender without a key and a signature over the plain message are
 * refused in words; every encrypted body conforms to the published EncryptedMessage schema.
 */
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { calculateJwkThumbprint, FlattenedEncrypt, GeneralEncrypt, flattenedDecrypt, type FlattenedJWE, type JWK } from "jose";
import { and, eq, sql } from "drizzle-orm";
import { ZodError } from "zod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { g2pItems, g2pSenders } from "@/db/schema";
import { deliverDueCallbacks } from "@/server/services/g2p/deliver-callbacks";
import { parseSenderEncryptionKey } from "@/server/services/g2p/encryption";
import { reportItemChanges } from "@/server/services/g2p/report-item-changes";
import { signG2pMessage } from "@/server/services/g2p/signature";
import { getPlatformIdentity } from "@/server/services/integrations/get-platform-identity";
import { listG2pSenders } from "@/server/services/integrations/list-g2p-senders";
import { updateG2pSender } from "@/server/services/integrations/update-g2p-sender";
import * as disburseRoute from "@/app/api/g2p/disburse/route";
import * as syncDisburseRoute from "@/app/api/g2p/disburse/sync/disburse/route";
import * as syncTxnStatusRoute from "@/app/api/g2p/disburse/sync/txn/status/route";
import { specProblems } from "../contract/g2p/published-spec";
import {
  disburseItems,
  disburseMessage,
  expectContract,
  expectPlatformSignature,
  g2pFixture,
  g2pFootprint,
  g2pHeader,
  g2pTestDb,
  itemCount,
  outboundCallbacks,
  txnStatusMessage,
  type G2pFixture,
} from "./g2p-helpers";
import { startLoopback, type Loopback } from "./g2p-loopback";

const db = g2pTestDb();

const ROUTES: Record<string, (request: Request) => Promise<Response>> = {
  "/api/g2p/disburse": disburseRoute.POST,
  "/api/g2p/disburse/sync/disburse": syncDisburseRoute.POST,
  "/api/g2p/disburse/sync/txn/status": syncTxnStatusRoute.POST,
};

let server: http.Server;
let base = "";
let loopback: Loopback;
let fx: G2pFixture;
/** The sender's own X25519 key pair: we encrypt to the public half, it decrypts with the private one. */
let senderEnc: { privateKey: KeyObject; publicJwk: JWK };
/** Our public encryption key as the Integrations page shows it. */
let platformJwk: JWK & { kid: string };

function x25519Pair() {
  const { privateKey, publicKey } = generateKeyPairSync("x25519");
  return { privateKey, publicJwk: publicKey.export({ format: "jwk" }) as JWK };
}

beforeAll(async () => {
  // The route handlers behind a real HTTP server: requests travel as bytes over a socket.
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const handler = ROUTES[(req.url ?? "").split("?")[0]!];
      if (!handler || req.method !== "POST") {
        res.writeHead(404).end();
        return;
      }
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
      const response = await handler(new Request(`${base}${req.url}`, { method: "POST", headers, body: Buffer.concat(chunks) }));
      res.writeHead(response.status, Object.fromEntries(response.headers.entries()));
      res.end(Buffer.from(await response.arrayBuffer()));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  loopback = await startLoopback();
  fx = await g2pFixture(db, { callbackUrl: `${loopback.url}/g2p` });
  senderEnc = x25519Pair();
  await setSenderEncryptionKey(fx, JSON.stringify({ ...senderEnc.publicJwk, kid: "sender-enc-1" }));
  platformJwk = (await getPlatformIdentity(fx.ownerCtx)).encryption_public_jwk as JWK & { kid: string };
}, 180_000);

afterAll(async () => {
  await loopback?.close();
  await new Promise<void>((resolve) => server?.close(() => resolve()));
});

/** Set a sender's encryption key through the service the Integrations page uses. */
function setSenderEncryptionKey(f: G2pFixture, key: string | null) {
  return updateG2pSender(f.ownerCtx, {
    id: f.sender.row.id,
    name: f.sender.row.name,
    callback_url: f.sender.row.callbackUrl,
    public_key: f.sender.publicKeyPem,
    wallet_id: f.catalog.wallet.id,
    default_asset_id: f.catalog.usdc.id,
    encryption_public_key: key,
  });
}

/** What a client does: encrypt the message with jose to `to`, then sign header + encrypted message. */
async function encryptedRequest(
  f: G2pFixture,
  action: string,
  message: Record<string, unknown>,
  options: {
    to?: JWK;
    kid?: string;
    alg?: string;
    enc?: string;
    signPlain?: boolean;
    tamper?: (m: Record<string, string>) => void;
    header?: Record<string, unknown>;
  } = {},
) {
  const to = options.to ?? platformJwk;
  const jwe = (await new FlattenedEncrypt(new TextEncoder().encode(JSON.stringify(message)))
    .setUnprotectedHeader({ alg: options.alg ?? "ECDH-ES+A256KW", enc: options.enc ?? "A256GCM", kid: options.kid ?? platformJwk.kid })
    .encrypt(to)) as unknown as Record<string, string>;
  options.tamper?.(jwe);
  const header = g2pHeader(f.sender, action, { total_count: itemCount(action, message), is_msg_encrypted: true, receiver_id: f.org.slug, ...options.header });
  // The signature covers the message as sent: the encrypted one (unless a test signs the plain one).
  const signature = signG2pMessage(header, options.signPlain ? message : jwe, { keyId: `${f.sender.senderId}|test-key`, privateKey: f.sender.privateKey });
  return { signature, header, message: jwe as unknown as Record<string, unknown> };
}

async function post(path: string, body: unknown, key = fx.writeKey) {
  const res = await fetch(`${base}/api/g2p${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text, body: JSON.parse(text) as any };
}

/** Decrypt something we sent with the sender's private key. */
async function openForSender(message: unknown): Promise<any> {
  const { plaintext, unprotectedHeader } = await flattenedDecrypt(message as FlattenedJWE, senderEnc.privateKey);
  expect(unprotectedHeader).toMatchObject({ alg: "ECDH-ES+A256KW", enc: "A256GCM", kid: "sender-enc-1" });
  return JSON.parse(new TextDecoder().decode(plaintext));
}

function expectEncryptedMessage(message: unknown) {
  const problems = specProblems("encrypted-message", message);
  expect(problems, problems.join("; ")).toEqual([]);
}

describe("keys", () => {
  it("shows our X25519 public key as a JWK whose kid is its RFC 7638 thumbprint, and never the private part", async () => {
    const identity = await getPlatformIdentity(fx.ownerCtx);
    const jwk = identity.encryption_public_jwk as Record<string, unknown>;
    expect(jwk).toEqual({ kty: "OKP", crv: "X25519", x: expect.any(String), kid: expect.any(String), use: "enc" });
    expect(jwk.d).toBeUndefined();
    expect(jwk.kid).toBe(await calculateJwkThumbprint({ kty: "OKP", crv: "X25519", x: jwk.x as string }));
    expect(identity.encryption.key_management).toContain("ECDH-ES+A256KW");
  });

  it("stores a sender's public JWK and refuses private, unsupported or malformed keys naming the field", async () => {
    const [view] = (await listG2pSenders(fx.ownerCtx)).filter((s) => s.id === fx.sender.row.id);
    expect(JSON.parse(view!.encryption_public_key!)).toEqual({ kty: "OKP", crv: "X25519", x: senderEnc.publicJwk.x, kid: "sender-enc-1", use: "enc" });

    const refused = async (key: string, words: RegExp) => {
      const error = await setSenderEncryptionKey(fx, key).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ZodError);
      const issue = (error as ZodError).issues[0]!;
      expect(issue.path).toEqual(["encryption_public_key"]);
      expect(issue.message).toMatch(words);
    };
    const priv = x25519Pair().privateKey.export({ format: "jwk" });
    await refused(JSON.stringify(priv), /private key material \("d"\)/);
    const ed = generateKeyPairSync("ed25519").publicKey.export({ format: "jwk" });
    await refused(JSON.stringify(ed), /must be X25519 \(Ed25519 signs, it cannot encrypt\)/);
    await refused(JSON.stringify({ kty: "oct", k: "c2VjcmV0" }), /private key material/);
    const rsa1024 = generateKeyPairSync("rsa", { modulusLength: 1024 }).publicKey.export({ format: "jwk" });
    await refused(JSON.stringify(rsa1024), /RSA of 1024 bits; use at least 2048/);
    await refused("-----BEGIN PUBLIC KEY-----", /must be a public JWK in JSON/);
    await refused(JSON.stringify({ kty: "OKP", crv: "X25519" }), /lacks "x"/);
    await refused(JSON.stringify({ ...senderEnc.publicJwk, use: "sig" }), /"use": "sig"/);

    // Still the key set before: a refused update changes nothing.
    const [row] = await db.select().from(g2pSenders).where(eq(g2pSenders.id, fx.sender.row.id));
    expect(JSON.parse(row!.encryptionPublicKey!).x).toBe(senderEnc.publicJwk.x);
    // EC and RSA public keys are accepted, with the algorithms we would use.
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({ format: "jwk" });
    expect(parseSenderEncryptionKey(JSON.stringify(ec)).alg).toBe("ECDH-ES+A256KW");
    const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey.export({ format: "jwk" });
    expect(parseSenderEncryptionKey(JSON.stringify(rsa)).alg).toBe("RSA-OAEP-256");
  });
});

describe("encrypted requests over HTTP", () => {
  it("accepts an encrypted /disburse and sends the on-disburse callback encrypted to the sender's key", async () => {
    const items = disburseItems(2);
    const message = disburseMessage(items);
    const body = await encryptedRequest(fx, "disburse", message);
    expectContract("disburse-request", body);
    expectEncryptedMessage(body.message);
    expect(body.message).not.toHaveProperty("transaction_id");

    const res = await post("/disburse", body);
    expect(res.status, res.text).toBe(200);
    expectContract("ack", res.body);
    expect(res.body.message.ack_status, res.text).toBe("ACK");

    // Handled exactly as a plain message: its items became payments.
    const rows = await db.select().from(g2pItems).where(eq(g2pItems.orgId, fx.org.id));
    expect(rows.map((r) => r.referenceId).sort()).toEqual(items.map((i) => i.reference_id).sort());

    // The callback, over HTTP to the loopback sender, is signed over the encrypted message and decrypts.
    await deliverDueCallbacks(db, { orgIds: [fx.org.id] });
    const callback = loopback.received.find((c) => c.body?.message?.ciphertext && c.path === "/g2p/on-disburse");
    expect(callback, JSON.stringify(loopback.received.map((c) => c.body))).toBeDefined();
    expect(callback!.verified, callback!.verifyReason ?? "").toBe(true);
    expect(callback!.headerVerified).toBe(true);
    expect(callback!.body.header.is_msg_encrypted).toBe(true);
    expectContract("on-disburse", callback!.body);
    expectEncryptedMessage(callback!.body.message);
    expect(JSON.stringify(callback!.body)).not.toContain(items[0]!.reference_id);
    const plain = await openForSender(callback!.body.message);
    expect(plain.transaction_id).toBe(message.transaction_id);
    expect(plain.correlation_id).toBe(res.body.message.correlation_id);
    expect(plain.disbursements_status.map((d: { reference_id: string }) => d.reference_id).sort()).toEqual(items.map((i) => i.reference_id).sort());
    // The decrypted message is what the plain callback's message would be: the published DisburseResponse.
    expectContract("on-disburse", { ...callback!.body, header: { ...callback!.body.header, is_msg_encrypted: false }, message: plain });

    // Later status updates of this transaction are encrypted too; a plain transaction's are not.
    const plainTxn = disburseMessage(disburseItems(1));
    const plainBody = { header: g2pHeader(fx.sender, "disburse", { total_count: 1 }), message: plainTxn } as Record<string, unknown>;
    plainBody.signature = signG2pMessage(plainBody.header, plainTxn, { keyId: `${fx.sender.senderId}|test-key`, privateKey: fx.sender.privateKey });
    expect((await post("/disburse", plainBody)).body.message.ack_status).toBe("ACK");
    await db.execute(sql`update g2p_items set reported_status = null where org_id = ${fx.org.id}`);
    const before = (await outboundCallbacks(db, fx.org.id)).length;
    await reportItemChanges(db, { orgIds: [fx.org.id] });
    const updates = (await outboundCallbacks(db, fx.org.id)).slice(before);
    const byTxn = new Map(updates.map((u) => [u.transaction_id, u.body]));
    expect(byTxn.get(message.transaction_id as string)?.header.is_msg_encrypted).toBe(true);
    expect((await openForSender(byTxn.get(message.transaction_id as string).message)).transaction_id).toBe(message.transaction_id);
    expect(byTxn.get(plainTxn.transaction_id as string)?.header.is_msg_encrypted).toBe(false);
    expect(byTxn.get(plainTxn.transaction_id as string)?.message.transaction_id).toBe(plainTxn.transaction_id);
  });

  it("answers an encrypted synchronous request encrypted (sync disburse, sync txn status)", async () => {
    const items = disburseItems(1);
    const message = disburseMessage(items);
    const res = await post("/disburse/sync/disburse", await encryptedRequest(fx, "disburse", message, { enc: "A128CBC-HS256", alg: "ECDH-ES+A128KW" }));
    expect(res.status, res.text).toBe(200);
    expectContract("sync-disburse-answer", res.body);
    expect(res.body.header.is_msg_encrypted).toBe(true);
    expectEncryptedMessage(res.body.message);
    expectPlatformSignature(res.body, fx.org.slug);
    const answer = await openForSender(res.body.message);
    expect(answer.disbursements_status[0].reference_id).toBe(items[0]!.reference_id);

    const status = await post(
      "/disburse/sync/txn/status",
      await encryptedRequest(fx, "status", txnStatusMessage({ type: "transaction_id", value: message.transaction_id as string })),
      fx.readKey,
    );
    expect(status.status, status.text).toBe(200);
    expectContract("sync-txnstatus-answer", status.body);
    expect(status.body.header.is_msg_encrypted).toBe(true);
    const txn = await openForSender(status.body.message);
    expect(txn.txnstatus_response.txn_status.transaction_id).toBe(message.transaction_id);

    // A business refusal of an encrypted request (rjct outcome) is encrypted too.
    const stale = new Date(Date.now() - 3600_000).toISOString();
    const refused = await post("/disburse/sync/disburse", await encryptedRequest(fx, "disburse", disburseMessage(disburseItems(1)), { header: { message_ts: stale } }));
    expect(refused.status, refused.text).toBe(200);
    expectContract("sync-disburse-answer", refused.body);
    expect(refused.body.header).toMatchObject({ status: "rjct", status_reason_code: "rjct.message_ts.invalid", is_msg_encrypted: true });
    expect((await openForSender(refused.body.message)).disbursements_status[0].status).toBe("rjct");
  });

  it("takes the spec's exact fields: every header parameter (epk too) in `header`, no `protected`", async () => {
    const items = disburseItems(1);
    const message = disburseMessage(items);
    // Two recipients make jose put each one's parameters in its own unprotected header; the first is ours.
    const general = await new GeneralEncrypt(new TextEncoder().encode(JSON.stringify(message)))
      .addRecipient(platformJwk)
      .setUnprotectedHeader({ alg: "ECDH-ES+A256KW", enc: "A256GCM", kid: platformJwk.kid })
      .addRecipient(x25519Pair().publicJwk)
      .setUnprotectedHeader({ alg: "ECDH-ES+A256KW", enc: "A256GCM", kid: "other" })
      .encrypt();
    const jwe = {
      header: general.recipients[0]!.header,
      encrypted_key: general.recipients[0]!.encrypted_key,
      iv: general.iv,
      ciphertext: general.ciphertext,
      tag: general.tag,
    };
    expect(Object.keys(jwe.header!).sort()).toEqual(["alg", "enc", "epk", "kid"]);
    expectEncryptedMessage(jwe);
    const header = g2pHeader(fx.sender, "disburse", { total_count: 1, is_msg_encrypted: true });
    const body = { signature: signG2pMessage(header, jwe, { keyId: `${fx.sender.senderId}|k`, privateKey: fx.sender.privateKey }), header, message: jwe };
    const res = await post("/disburse/sync/disburse", body);
    expect(res.status, res.text).toBe(200);
    expect(res.body.header.status, res.text).not.toBe("rjct");
    expect((await openForSender(res.body.message)).disbursements_status[0].reference_id).toBe(items[0]!.reference_id);
  });

  it("refuses in words what cannot be decrypted or used, writing nothing", async () => {
    const footprint = await g2pFootprint(db, fx.org.id);
    const refused = async (body: unknown, code: string, words: RegExp, http = 400) => {
      const res = await post("/disburse", body);
      expect(res.status, res.text).toBe(http);
      const error = http === 401 ? res.body.errors[0] : res.body.message.error;
      if (http === 401) expectContract("http-error", res.body);
      else {
        expectContract("ack", res.body);
        expect(res.body.message.ack_status).toBe("ERR");
      }
      expect(error.code, res.text).toBe(code);
      expect(error.message).toMatch(words);
    };
    const msg = () => disburseMessage(disburseItems(1));

    // Encrypted to another X25519 key (while naming ours).
    await refused(
      await encryptedRequest(fx, "disburse", msg(), { to: x25519Pair().publicJwk }),
      "err.encryption.invalid",
      /could not be decrypted with this platform's encryption key/,
    );
    // The ciphertext altered after encryption (and signed as altered: the signature is fine, the tag is not).
    const flip = (v: string) => (v[0] === "A" ? "B" : "A") + v.slice(1);
    await refused(
      await encryptedRequest(fx, "disburse", msg(), { tamper: (m) => void (m.ciphertext = flip(m.ciphertext!)) }),
      "err.encryption.invalid",
      /could not be decrypted.*ciphertext, tag, iv or headers were altered/,
    );
    await refused(await encryptedRequest(fx, "disburse", msg(), { tamper: (m) => void (m.tag = flip(m.tag!)) }), "err.encryption.invalid", /could not be decrypted/);
    // A kid that is not ours, an algorithm our key does not take.
    await refused(
      await encryptedRequest(fx, "disburse", msg(), { kid: "someone-elses-key" }),
      "err.encryption.invalid",
      /kid "someone-elses-key" is not this platform's encryption key/,
    );
    // The plain message with is_msg_encrypted true.
    const plain = await encryptedRequest(fx, "disburse", msg());
    const plainMsg = msg();
    const notEncrypted = {
      header: plain.header,
      message: plainMsg,
      signature: signG2pMessage(plain.header, plainMsg, { keyId: `${fx.sender.senderId}|k`, privateKey: fx.sender.privateKey }),
    };
    await refused(notEncrypted, "err.encryption.invalid", /message must be the spec's EncryptedMessage; missing or not a string: message\.header/);
    // A signature over the decrypted message: the signature covers the message as sent.
    await refused(await encryptedRequest(fx, "disburse", msg(), { signPlain: true }), "err.signature.invalid", /signature does not match the message/, 401);

    expect(await g2pFootprint(db, fx.org.id)).toEqual({ ...footprint, inboundRefused: footprint.inboundRefused + 6 });
  });

  it("refuses an encrypted request from a sender without an encryption key, saying what to do", async () => {
    const other = await g2pFixture(db, { callbackUrl: `${loopback.url}/g2p` });
    const res = await post("/disburse", await encryptedRequest(other, "disburse", disburseMessage(disburseItems(1))), other.writeKey);
    expect(res.status, res.text).toBe(400);
    expect(res.body.message.error.code).toBe("err.encryption.invalid");
    expect(res.body.message.error.message).toMatch(/has no encryption key registered, so our answers could not be encrypted to it/);
    const [items] = [
      ...(await db
        .select({ n: sql<number>`count(*)::int` })
        .from(g2pItems)
        .where(and(eq(g2pItems.orgId, other.org.id)))),
    ];
    expect(items!.n).toBe(0);
  });
});
