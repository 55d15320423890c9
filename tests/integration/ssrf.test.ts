/**
 * SSRF through G2P callbacks, over real HTTP: a server on the loopback interface (both 127.0.0.1
 * and ::1) counts every connection made to it, and G2P callbacks aimed at it in every spelling
 * (127.0.0.1, [::1], localhost, 0x7f000001, 2130706433, [::ffff:127.0.0.1]) are refused by the
 * outbound guard before any connection, with the guard's message and the same answer whether a
 * port is open or closed. 169.254.169.254 and a 10.x address are refused the same way (nothing is
 * ever sent off this machine). With OUTBOUND_ALLOW_HOSTS listing the peer, delivery works;
 * redirects are not followed; long answers are cut before they are stored for staff; registration
 * refuses literal non-public hosts with a field error. The unauthenticated SEP-10 `client_domain`
 * (whose stellar.toml the server fetches) goes through the same guard.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { Keypair } from "@stellar/stellar-sdk";
import * as sep10Route from "@/app/sep10/auth/route";
import { g2pMessages } from "@/db/schema";
import { tomlClientSigningKeyResolver } from "@/server/services/sep/sep10";
import { deliverDueCallbacks, type DeliverOptions } from "@/server/services/g2p/deliver-callbacks";
import { enqueueCallback } from "@/server/services/g2p/enqueue-callback";
import { closedPort } from "./g2p-loopback";
import { disburseItems, disburseMessage, g2pFixture, g2pTestDb, postG2p, signedRequest, type G2pFixture } from "./g2p-helpers";
import { callerFor, expectTRPCError, randomSuffix } from "./helpers";

const db = g2pTestDb();

/** A loopback server that counts connections and answers as told. */
type Counting = { port: number; connections: number; requests: { path: string }[]; answer: (req: IncomingMessage, res: ServerResponse) => void; close(): Promise<void> };

async function countingServer(): Promise<Counting> {
  const sockets = new Set<Socket>();
  const state: Counting = {
    port: 0,
    connections: 0,
    requests: [],
    answer: (_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ message: { ack_status: "ACK" } }));
    },
    close: async () => {},
  };
  const server: Server = createServer((req, res) => {
    state.requests.push({ path: req.url ?? "" });
    req.resume();
    req.on("end", () => state.answer(req, res));
  });
  server.on("connection", (socket) => {
    state.connections++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  // "::" without ipv6Only takes 127.0.0.1 and ::1 alike, so every loopback spelling would reach it.
  await new Promise<void>((resolve) => server.listen({ port: 0, host: "::", ipv6Only: false }, resolve));
  state.port = (server.address() as AddressInfo).port;
  state.close = async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return state;
}

let peer: Counting;
let fx: G2pFixture;

beforeAll(async () => {
  // vitest.config.ts allows 127.0.0.1 for the other suites' loopback senders; not here.
  vi.stubEnv("OUTBOUND_ALLOW_HOSTS", "");
  peer = await countingServer();
  // Stored directly, as a sender registered before the guard (or one whose DNS name moved) would be.
  fx = await g2pFixture(db, { callbackUrl: `http://127.0.0.1:${peer.port}/g2p` });
}, 180_000);

afterAll(async () => {
  vi.unstubAllEnvs();
  await peer?.close();
});

beforeEach(() => {
  vi.stubEnv("OUTBOUND_ALLOW_HOSTS", "");
  peer.connections = 0;
  peer.requests.length = 0;
});

const deliver = (options: DeliverOptions = {}) => deliverDueCallbacks(db, { orgIds: [fx.org.id], ...options });

async function enqueue(base: string) {
  const transactionId = `txn-${randomSuffix()}`;
  return db.transaction((tx) =>
    enqueueCallback(tx, {
      orgId: fx.org.id,
      sender: fx.sender.row,
      endpoint: "/on-disburse",
      action: "on-disburse",
      callbackBase: base,
      correlationId: null,
      transactionId,
      message: { transaction_id: transactionId, disbursements_status: [] },
      status: "rcvd",
      totalCount: 0,
      completedCount: 0,
    }),
  );
}

async function row(id: string) {
  const [r] = await db.select().from(g2pMessages).where(eq(g2pMessages.id, id));
  return r!;
}

/** Settle a row so it is not picked up again by this file's later deliveries. */
const settle = (id: string) => db.update(g2pMessages).set({ status: "FAILED", nextAttemptAt: null }).where(eq(g2pMessages.id, id));

describe("callbacks to non-public addresses", () => {
  it("a real /disburse from a sender registered on 127.0.0.1 gets its ACK, but the callback is refused without a connection", async () => {
    const ack = await postG2p("/disburse", signedRequest(fx.sender, "disburse", disburseMessage(disburseItems(1, { currency: "USD" }))), { key: fx.writeKey });
    expect(ack.status).toBe(200);
    const [cb] = await db
      .select()
      .from(g2pMessages)
      .where(and(eq(g2pMessages.orgId, fx.org.id), eq(g2pMessages.direction, "outbound")));
    expect(cb).toMatchObject({ direction: "outbound", url: `http://127.0.0.1:${peer.port}/g2p/on-disburse` });
    expect(await deliver()).toMatchObject({ claimed: 1, retrying: 1 });
    expect(await row(cb!.id)).toMatchObject({
      status: "PENDING",
      lastHttpStatus: null,
      errorCode: "destination_refused",
      errorMessage: "destination address not allowed: 127.0.0.1 is a loopback address",
    });
    expect(peer.connections).toBe(0);
    await settle(cb!.id);
  });

  const targets = () => [
    { base: `http://127.0.0.1:${peer.port}/g2p`, message: "127.0.0.1 is a loopback address" },
    { base: `http://[::1]:${peer.port}/g2p`, message: "::1 is a loopback address" },
    { base: `http://localhost:${peer.port}/g2p`, message: "localhost is a loopback name" },
    { base: `http://0x7f000001:${peer.port}/g2p`, message: "127.0.0.1 is a loopback address" },
    { base: `http://2130706433:${peer.port}/g2p`, message: "127.0.0.1 is a loopback address" },
    { base: `http://0177.0.0.1:${peer.port}/g2p`, message: "127.0.0.1 is a loopback address" },
    { base: `http://127.1:${peer.port}/g2p`, message: "127.0.0.1 is a loopback address" },
    { base: `http://[::ffff:127.0.0.1]:${peer.port}/g2p`, message: "::ffff:7f00:1 is an IPv4-mapped IPv6 address of 127.0.0.1, a loopback address" },
    { base: `http://[::ffff:7f00:1]:${peer.port}/g2p`, message: "::ffff:7f00:1 is an IPv4-mapped IPv6 address of 127.0.0.1, a loopback address" },
    { base: `http://0.0.0.0:${peer.port}/g2p`, message: "0.0.0.0 is an unspecified address" },
    { base: `http://[::]:${peer.port}/g2p`, message: ":: is an unspecified address" },
    { base: "http://169.254.169.254/latest/meta-data", message: "169.254.169.254 is a cloud metadata address" },
    { base: "http://[fd00:ec2::254]/latest", message: "fd00:ec2::254 is a cloud metadata address" },
    { base: "http://metadata.google.internal/computeMetadata/v1", message: "metadata.google.internal is a cloud metadata name" },
    { base: `http://10.20.30.40:${peer.port}/g2p`, message: "10.20.30.40 is a private address" },
    { base: "http://192.168.1.1/g2p", message: "192.168.1.1 is a private address" },
    { base: "http://100.64.0.1/g2p", message: "100.64.0.1 is a shared (carrier-grade NAT) address" },
  ];

  it("refuses every spelling of loopback, metadata and private addresses before connecting", async () => {
    for (const t of targets()) {
      const { id } = await enqueue(t.base);
      expect(await deliver(), t.base).toMatchObject({ claimed: 1, retrying: 1 });
      const r = await row(id);
      expect(r, t.base).toMatchObject({
        status: "PENDING",
        lastHttpStatus: null,
        errorCode: "destination_refused",
        errorMessage: `destination address not allowed: ${t.message}`,
      });
      await settle(id);
    }
    expect(peer.connections).toBe(0);
    expect(peer.requests).toEqual([]);
  });

  it("answers the same for an open and a closed port (no port scanner)", async () => {
    const open = await enqueue(`http://127.0.0.1:${peer.port}/g2p`);
    await deliver();
    const closed = await enqueue(`http://127.0.0.1:${await closedPort()}/g2p`);
    await deliver();
    const a = await row(open.id);
    const b = await row(closed.id);
    expect([a.errorCode, a.errorMessage, a.lastHttpStatus]).toEqual([b.errorCode, b.errorMessage, b.lastHttpStatus]);
    expect(peer.connections).toBe(0);
    await settle(open.id);
    await settle(closed.id);
  });

  it("checks resolved addresses of names, and connects only to the address it checked", async () => {
    // A name that resolves to loopback is refused, naming the name and the address.
    const named = await enqueue(`http://sender.test:${peer.port}/g2p`);
    await deliver({ guard: { resolve: async () => [{ address: "127.0.0.1", family: 4 }] } });
    expect(await row(named.id)).toMatchObject({
      errorCode: "destination_refused",
      errorMessage: "destination address not allowed: sender.test resolves to 127.0.0.1, a loopback address",
    });
    expect(peer.connections).toBe(0);
    await settle(named.id);

    // Allowed by name, resolved once: the socket connects to that answer (a second lookup — the
    // system resolver knows no pinned.test — would fail).
    vi.stubEnv("OUTBOUND_ALLOW_HOSTS", `pinned.test:${peer.port}`);
    const calls: string[] = [];
    await enqueue(`http://pinned.test:${peer.port}/g2p`);
    const resolve = async (host: string) => {
      calls.push(host);
      return [{ address: calls.length === 1 ? "127.0.0.1" : "127.0.0.2", family: 4 }];
    };
    expect(await deliver({ guard: { resolve } })).toMatchObject({ delivered: 1 });
    expect(calls).toEqual(["pinned.test"]);
    expect(peer.requests.map((r) => r.path)).toEqual(["/g2p/on-disburse"]);
  });
});

describe("with OUTBOUND_ALLOW_HOSTS listing the peer", () => {
  it("delivers to 127.0.0.1:<port>, and only to that port", async () => {
    vi.stubEnv("OUTBOUND_ALLOW_HOSTS", `127.0.0.1:${peer.port}`);
    const ok = await enqueue(`http://127.0.0.1:${peer.port}/g2p`);
    expect(await deliver()).toMatchObject({ delivered: 1 });
    expect(await row(ok.id)).toMatchObject({ status: "DELIVERED", lastHttpStatus: 200, errorCode: null });
    expect(peer.requests.map((r) => r.path)).toEqual(["/g2p/on-disburse"]);

    const otherPort = await enqueue(`http://127.0.0.1:${await closedPort()}/g2p`);
    await deliver();
    expect(await row(otherPort.id)).toMatchObject({ errorCode: "destination_refused", errorMessage: "destination address not allowed: 127.0.0.1 is a loopback address" });
    await settle(otherPort.id);
    // [::1] is the same machine but not the listed host.
    const v6 = await enqueue(`http://[::1]:${peer.port}/g2p`);
    await deliver();
    expect(await row(v6.id)).toMatchObject({ errorCode: "destination_refused" });
    await settle(v6.id);
    expect(peer.requests).toHaveLength(1);
  });

  it("never follows a redirect, not even to a listed host", async () => {
    vi.stubEnv("OUTBOUND_ALLOW_HOSTS", `127.0.0.1:${peer.port}`);
    peer.answer = (req, res) => {
      if (req.url === "/elsewhere") {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ message: { ack_status: "ACK" } }));
        return;
      }
      res.writeHead(302, { location: `http://127.0.0.1:${peer.port}/elsewhere` });
      res.end();
    };
    try {
      const { id } = await enqueue(`http://127.0.0.1:${peer.port}/g2p`);
      expect(await deliver()).toMatchObject({ retrying: 1 });
      expect(await row(id)).toMatchObject({ status: "PENDING", lastHttpStatus: 302, errorCode: "http_302" });
      expect(peer.requests.map((r) => r.path)).toEqual(["/g2p/on-disburse"]);
      await settle(id);
    } finally {
      peer.answer = (_req, res) => res.end();
    }
  });

  it("cuts a long answer, control characters removed, to a few hundred bytes where staff read it", async () => {
    vi.stubEnv("OUTBOUND_ALLOW_HOSTS", `127.0.0.1:${peer.port}`);
    const secret = `SECRET-${"A".repeat(2_000)}\u0000\u001b[2J\r\nTAIL-MARKER`;
    peer.answer = (_req, res) => {
      res.writeHead(500, { "content-type": "text/plain" });
      res.end(`internal\u0007 page\r\n${secret}${"x".repeat(200_000)}`);
    };
    try {
      const { id } = await enqueue(`http://127.0.0.1:${peer.port}/g2p`);
      await deliver();
      const r = await row(id);
      expect(r).toMatchObject({ lastHttpStatus: 500, errorCode: "http_500" });
      expect(r.errorMessage!.startsWith("HTTP 500: internal page SECRET-AAA")).toBe(true);
      expect(Buffer.byteLength(r.errorMessage!)).toBeLessThanOrEqual(300);
      expect(r.errorMessage).not.toMatch(/[\u0000-\u001f\u007f]/);
      expect(r.errorMessage).not.toContain("TAIL-MARKER");
      // What an owner reads on the Integrations page is the same cut text.
      const owner = callerFor(db, fx.users.owner.id, fx.org.id);
      expect((await owner.integrations.message({ id })).error_message).toBe(r.errorMessage);
      await settle(id);
    } finally {
      peer.answer = (_req, res) => res.end();
    }
  });
});

describe("registration", () => {
  it("refuses a callback URL whose host is a literal non-public address, with a message on the field", async () => {
    const owner = callerFor(db, fx.users.owner.id, fx.org.id);
    const input = (callback_url: string) => ({
      sender_id: `ssrf.${randomSuffix()}`,
      name: "Probe",
      callback_url,
      public_key: fx.sender.publicKeyPem,
      wallet_id: fx.catalog.wallet.id,
      default_asset_id: null,
    });
    const cases: [string, string][] = [
      [`http://127.0.0.1:${peer.port}/g2p`, "127.0.0.1 is a loopback address"],
      [`http://0x7f000001:${peer.port}/g2p`, "127.0.0.1 is a loopback address"],
      [`http://[::1]:${peer.port}/g2p`, "::1 is a loopback address"],
      [`http://[::ffff:127.0.0.1]:${peer.port}/g2p`, "::ffff:7f00:1 is an IPv4-mapped IPv6 address of 127.0.0.1, a loopback address"],
      ["http://169.254.169.254/latest", "169.254.169.254 is a cloud metadata address"],
      ["https://10.0.0.8/g2p", "10.0.0.8 is a private address"],
      [`http://localhost:${peer.port}/g2p`, "localhost is a loopback name"],
    ];
    for (const [url, expected] of cases) {
      const error = await expectTRPCError(owner.integrations.createSender(input(url)), "BAD_REQUEST");
      const issues = ((error as { cause?: { issues?: { path: PropertyKey[]; message: string }[] } }).cause?.issues ?? []).filter((i) => i.path[0] === "callback_url");
      expect(issues.map((i) => i.message).join(" "), url).toContain(`This destination address is not allowed: ${expected}`);
    }
    // Update takes the same rule.
    const updateError = await expectTRPCError(
      owner.integrations.updateSender({
        id: fx.sender.row.id,
        name: "x",
        callback_url: "http://2130706433/g2p",
        public_key: fx.sender.publicKeyPem,
        wallet_id: fx.catalog.wallet.id,
        default_asset_id: null,
      }),
      "BAD_REQUEST",
    );
    expect(JSON.stringify((updateError as { cause?: unknown }).cause)).toContain("127.0.0.1 is a loopback address");
    // A listed host is accepted; a public name is left to the check at each delivery.
    vi.stubEnv("OUTBOUND_ALLOW_HOSTS", `127.0.0.1:${peer.port}`);
    await expect(owner.integrations.createSender(input(`http://127.0.0.1:${peer.port}/g2p`))).resolves.toMatchObject({
      callback_url: `http://127.0.0.1:${peer.port}/g2p`,
    });
    await expect(owner.integrations.createSender(input("https://sender.example.org/g2p"))).resolves.toMatchObject({ callback_url: "https://sender.example.org/g2p" });
  });
});

describe("SEP-10 client_domain (anyone can send it)", () => {
  it("does not fetch stellar.toml from a loopback or private client_domain", async () => {
    for (const domain of [`127.0.0.1:${peer.port}`, `localhost:${peer.port}`, "10.1.2.3", "169.254.169.254"]) {
      const res = await sep10Route.GET(new Request(`http://localhost:3000/sep10/auth?account=${Keypair.random().publicKey()}&client_domain=${domain}`));
      expect(res.status, domain).toBe(400);
      expect(await res.json()).toEqual({ error: "unable to fetch the SIGNING_KEY of 'client_domain'" });
    }
    await expect(tomlClientSigningKeyResolver(`127.0.0.1:${peer.port}`)).rejects.toThrow("destination address not allowed: 127.0.0.1 is a loopback address");
    expect(peer.connections).toBe(0);
  });

  it("fetches it from an allow-listed host", async () => {
    vi.stubEnv("OUTBOUND_ALLOW_HOSTS", `127.0.0.1:${peer.port}`);
    const key = Keypair.random().publicKey();
    peer.answer = (req, res) => {
      res.writeHead(req.url === "/.well-known/stellar.toml" ? 200 : 404, { "content-type": "text/plain" });
      res.end(`# wallet\nSIGNING_KEY = "${key}"\n`);
    };
    try {
      expect(await tomlClientSigningKeyResolver(`127.0.0.1:${peer.port}`)).toBe(key);
      expect(peer.requests.map((r) => r.path)).toEqual(["/.well-known/stellar.toml"]);
    } finally {
      peer.answer = (_req, res) => res.end();
    }
  });
});
