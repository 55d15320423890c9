/**
 * The Mojaloop rail end to end through the dispatcher (docs/rails/mojaloop.md, "The rail"): payments
 * routed to a Mojaloop connection are claimed into stored batches (each payment's rail reference its
 * FSPIOP transfer id) and moved by the rail's batch steps (server/rails/mojaloop/advance-batch.ts)
 * against the real Mojaloop Testing Toolkit on loopback (tests/support/ttk.ts, callback rules
 * tests/fixtures/mojaloop-ttk/rules/callback-rules-v2.json). The toolkit's callbacks reach a
 * loopback server here that hands them to the app's receiver (receiveMojaloopCallback), which applies
 * them (apply-callback.ts) — as the Next route does.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { and, eq, inArray, sql } from "drizzle-orm";
import pino from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  assets,
  disbursements,
  mojaloopBulks,
  mojaloopParties,
  mojaloopTransfers,
  paymentConnections,
  payments,
  railBatches,
  receivers,
  receiverWallets,
} from "@/db/schema";
import { checkPaymentTotals } from "@/server/payments/payment-totals";
import { silentDispatcherLog, type DispatcherContext } from "@/server/rails/dispatcher/context";
import { startDispatcher, type DispatcherHandle } from "@/server/rails/dispatcher/run-dispatcher";
import { receiveMojaloopCallback, type MojaloopCallbackOutcome } from "@/server/rails/mojaloop/receive-callback";
import { railFor } from "@/server/rails/registry";
import { loadRailConnection } from "@/server/services/connections/rail-connection";
import { completeDisbursementIfDone } from "@/server/services/disbursements/complete-if-done";
import { retryPayments } from "@/server/services/payments/retry-payments";
import { startTtk, TTK_FSP_ID, TTK_FSPIOP_PORT, type TtkHandle, type TtkHistoryRequest } from "../support/ttk";
import { waitFor } from "../support/wait";
import { createOrgWithMembers, randomSuffix, testDb } from "./helpers";

const db = testDb();
const OUR_FSP = "sdpfsp";
const callbackLog = pino({ level: "silent" });

let ttk: TtkHandle;
let server: http.Server;
let orgId: string;
let ownerId: string;
let assetId: string;
let connectionId: string;
let previousAllow: string | undefined;
let dispatcher: DispatcherHandle | null = null;
const processed: Promise<MojaloopCallbackOutcome>[] = [];
/** A distinct run of phone numbers per test run (receivers are matched by phone per organization). */
let phoneCounter = 10_000_000 + Math.floor(Math.random() * 80_000_000);
const nextPhone = () => `+2547${String(phoneCounter++).padStart(8, "0")}`;

/** The dispatcher's warnings and errors, shown when a wait times out. */
const workerLog: string[] = [];
const keep = (obj: object, msg?: string) => void workerLog.push(`${msg ?? ""} ${JSON.stringify(obj)}`.slice(0, 500));
const details = () => `dispatcher:\n${workerLog.slice(-15).join("\n")}\ntoolkit:\n${ttk.log().slice(-1000)}`;

function dispatcherContext(): DispatcherContext {
  return {
    db,
    log: { ...silentDispatcherLog, warn: keep, error: keep },
    workerId: `mojaloop-test-${randomSuffix()}`,
    leaseMs: 60_000,
    retryMs: 2_000,
    pollMs: 60_000,
    // One stored batch of up to 2,500 payments: the rail splits it into bulks of ≤ 1,000.
    batchSize: 2_500,
    orgIds: [orgId],
    railTypes: ["MOJALOOP"],
    railFor,
    openConnection: async (org, id) => {
      const connection = await loadRailConnection(db, org, id);
      if (!connection) throw new Error(`connection ${id} not found`);
      return connection;
    },
    completeDisbursementIfDone,
  };
}

function runDispatcher() {
  dispatcher = startDispatcher(dispatcherContext(), { idleMs: 50, idleMaxMs: 250 });
}

/** A STARTED direct-phone disbursement, its READY payments routed to the Mojaloop connection (rows written as start leaves them). */
async function phoneDisbursement(lines: { amount: string; phone?: string }[]) {
  const [d] = await db
    .insert(disbursements)
    .values({ orgId, name: `Phones ${randomSuffix()}`, assetId, registrationContactType: "DIRECT_PHONE", status: "STARTED" })
    .returning({ id: disbursements.id });
  const phones = lines.map((l) => l.phone ?? nextPhone());
  const paymentIds: string[] = [];
  for (let start = 0; start < lines.length; start += 1_000) {
    const chunk = lines.slice(start, start + 1_000);
    const rs = await db
      .insert(receivers)
      .values(chunk.map((_, i) => ({ orgId, externalId: `phone-${randomSuffix()}-${start + i}`, phoneNumber: phones[start + i]! })))
      .returning({ id: receivers.id });
    const ws = await db
      .insert(receiverWallets)
      .values(rs.map((r, i) => ({ orgId, receiverId: r.id, status: "REGISTERED" as const, destinationKind: "MSISDN" as const, destinationValue: phones[start + i]! })))
      .returning({ id: receiverWallets.id });
    const ps = await db
      .insert(payments)
      .values(
        chunk.map((l, i) => ({
          orgId,
          disbursementId: d!.id,
          receiverId: rs[i]!.id,
          receiverWalletId: ws[i]!.id,
          assetId,
          amount: l.amount,
          status: "READY" as const,
          lineNumber: start + i + 2,
          connectionId,
        })),
      )
      .returning({ id: payments.id });
    paymentIds.push(...ps.map((p) => p.id));
  }
  return { disbursementId: d!.id, paymentIds, phones };
}

/** The payees as a party preflight leaves them: resolved at the toolkit's FSP. */
async function resolveParties(phones: string[]) {
  for (let start = 0; start < phones.length; start += 1_000) {
    await db.insert(mojaloopParties).values(
      phones.slice(start, start + 1_000).map((phone) => ({
        orgId,
        connectionId,
        partyIdType: "MSISDN",
        partyIdentifier: phone.slice(1),
        status: "RESOLVED" as const,
        fspId: TTK_FSP_ID,
        name: `Payee ${phone.slice(1)}`,
        resolvedAt: new Date(),
      })),
    );
  }
}

async function paymentRows(ids: string[]) {
  const rows = await db.select().from(payments).where(inArray(payments.id, ids));
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.map((id) => byId.get(id)!);
}

async function batchOf(disbursementId: string) {
  const rows = await db.select().from(railBatches).where(eq(railBatches.disbursementId, disbursementId));
  expect(rows).toHaveLength(1);
  return rows[0]!;
}

/** The disbursement's one stored batch reached COMPLETED (null while not claimed yet or open). */
async function batchCompleted(disbursementId: string) {
  const rows = await db.select().from(railBatches).where(eq(railBatches.disbursementId, disbursementId));
  expect(rows.length).toBeLessThanOrEqual(1);
  return rows[0]?.status === "COMPLETED" ? rows[0] : null;
}

type BulkQuoteBody = { bulkQuoteId: string; individualQuotes: { quoteId: string; payee: { partyIdInfo: { partyIdentifier: string } }; amount: { amount: string } }[] };
type BulkTransferBody = { bulkTransferId: string; bulkQuoteId: string; individualTransfers: { transferId: string; transferAmount: { amount: string } }[] };

/** What the switch received about these payees / transfers. */
async function switchHistory(filter: { identifiers?: Set<string>; transferIds?: Set<string> }) {
  const history = await ttk.requests();
  const bulkQuotes = history
    .filter((r) => r.method === "post" && r.path === "/bulkQuotes")
    .map((r) => r.body as BulkQuoteBody)
    .filter((b) => b.individualQuotes.some((q) => filter.identifiers?.has(q.payee.partyIdInfo.partyIdentifier)));
  const bulkTransfers = history
    .filter((r) => r.method === "post" && r.path === "/bulkTransfers")
    .map((r) => r.body as BulkTransferBody)
    .filter((b) => b.individualTransfers.some((t) => filter.transferIds?.has(t.transferId)));
  return { history, bulkQuotes, bulkTransfers };
}

const gets = (history: TtkHistoryRequest[], prefix: string) => history.filter((r) => r.method === "get" && r.path.startsWith(prefix));

beforeAll(async () => {
  previousAllow = process.env.OUTBOUND_ALLOW_HOSTS;
  // The toolkit listens on loopback, which the guarded client refuses unless allowed.
  process.env.OUTBOUND_ALLOW_HOSTS = "127.0.0.1";
  const org = await createOrgWithMembers(db, ["owner"]);
  orgId = org.org.id;
  ownerId = org.users.owner.id;
  const [asset] = await db.insert(assets).values({ orgId, kind: "FIAT", code: "KES", decimals: 2 }).returning();
  assetId = asset!.id;
  const [connection] = await db
    .insert(paymentConnections)
    .values({
      orgId,
      railType: "MOJALOOP",
      name: `Switch ${randomSuffix()}`,
      settings: {
        baseUrl: `http://127.0.0.1:${TTK_FSPIOP_PORT}`,
        fspId: OUR_FSP,
        callbackAllowlist: ["127.0.0.1"],
        requestTimeoutSeconds: 60,
        // The shortest the settings allow: a lost callback is asked for (GET) after 5 s.
        callbackTimeoutSeconds: 5,
      },
      currencyMapping: [{ assetId, railCurrency: "KES" }],
    })
    .returning();
  connectionId = connection!.id;

  const prefix = `/mojaloop/${connectionId}`;
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://callback.test");
      if (!url.pathname.startsWith(`${prefix}/`)) {
        res.writeHead(404).end();
        return;
      }
      const pathSegments = url.pathname
        .slice(prefix.length + 1)
        .split("/")
        .map(decodeURIComponent);
      receiveMojaloopCallback(
        {
          connectionId,
          method: req.method ?? "GET",
          pathSegments,
          headers: req.headers,
          rawBody: Buffer.concat(chunks),
          sourceAddress: req.socket.remoteAddress ?? null,
        },
        { db, log: callbackLog },
      ).then(
        (answer) => {
          if (answer.processed) processed.push(answer.processed);
          res.writeHead(answer.status, { "content-type": "application/json" }).end(answer.body ? JSON.stringify(answer.body) : undefined);
        },
        () => res.writeHead(500).end(),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  // The repository's rules (callback-rules-v2.json, validation-rules-v2.json) are activated by startTtk.
  ttk = await startTtk({ callbackUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}${prefix}` });
}, 700_000);

afterEach(async () => {
  await dispatcher?.stop();
  dispatcher = null;
});

afterAll(async () => {
  await dispatcher?.stop();
  await ttk?.stop();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  if (previousAllow === undefined) delete process.env.OUTBOUND_ALLOW_HOSTS;
  else process.env.OUTBOUND_ALLOW_HOSTS = previousAllow;
});

describe("the Mojaloop rail through the dispatcher", () => {
  it("pays 2,500 payments in three bulks; per-item refusals fail only their payment; a fulfilment that does not check is never SUCCESS", async () => {
    // Amount 12: the payee refuses the quote (5101); 13: the payee FSP refuses the transfer (5105);
    // 17: "committed" with a fulfilment that does not match the condition (callback-rules-v2.json).
    const amountOf = (i: number) => (i % 250 === 7 ? "12" : i % 250 === 8 ? "13" : i % 500 === 9 ? "17" : `${1 + (i % 40)}.${(i % 9) + 1}0`);
    const lines = Array.from({ length: 2_500 }, (_, i) => ({ amount: amountOf(i) }));
    const { disbursementId, paymentIds, phones } = await phoneDisbursement(lines);
    await resolveParties(phones);
    runDispatcher();

    const settled = await waitFor(
      async () => {
        const [row] = await db.execute<{ success: number; failed: number; pending: number }>(sql`
          select count(*) filter (where status = 'SUCCESS')::int as success, count(*) filter (where status = 'FAILED')::int as failed,
                 count(*) filter (where status = 'PENDING')::int as pending
          from payments where disbursement_id = ${disbursementId}`);
        return row!.success + row!.failed === 2_495 ? row : null;
      },
      { timeoutMs: 300_000, intervalMs: 250, message: "2,495 payments settled", details },
    );
    expect(settled).toEqual({ success: 2_475, failed: 20, pending: 5 });

    const rows = await paymentRows(paymentIds);
    for (const [i, p] of rows.entries()) {
      const amount = lines[i]!.amount;
      if (amount === "12") expect(p).toMatchObject({ status: "FAILED", failureCode: "5101", statusMessage: expect.stringMatching(/^5101: /) });
      else if (amount === "13") expect(p).toMatchObject({ status: "FAILED", failureCode: "5105", statusMessage: "5105: The payee's FSP rejected the transaction." });
      else if (amount === "17") expect(p.status).toBe("PENDING");
      else expect(p.status).toBe("SUCCESS");
      // The rail reference is the FSPIOP transfer id, a UUID chosen at the claim.
      expect(p.railReference).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }

    const batch = await batchOf(disbursementId);
    expect(batch.status).toBe("QUOTING");
    const bulks = await db.select().from(mojaloopBulks).where(eq(mojaloopBulks.railBatchId, batch.id));
    expect(bulks).toHaveLength(3);
    // Every bulk holds a 17: it stays TRANSFERRING, asked again by GET /bulkTransfers/{id}.
    expect(bulks.map((b) => b.state)).toEqual(["TRANSFERRING", "TRANSFERRING", "TRANSFERRING"]);

    // What the switch received: three bulk quotes of 1,000 + 1,000 + 500 and three bulk transfers,
    // each transfer id posted once, under the payment's rail reference.
    const transferIds = new Set(rows.map((p) => p.railReference!));
    const { bulkQuotes, bulkTransfers } = await switchHistory({ identifiers: new Set(phones.map((p) => p.slice(1))), transferIds });
    expect(bulkQuotes.map((b) => b.individualQuotes.length).sort((a, b) => b - a)).toEqual([1000, 1000, 500]);
    expect(bulkTransfers).toHaveLength(3);
    const posted = bulkTransfers.flatMap((b) => b.individualTransfers.map((t) => t.transferId));
    expect(new Set(posted).size).toBe(posted.length);
    // Refused at the quote (12): never transferred.
    expect(posted.length).toBe(2_500 - 10);
    for (const b of bulkTransfers) for (const t of b.individualTransfers) expect(t.transferAmount.amount).not.toMatch(/\.\d*0$/);

    // The unverified ones are asked for again (GET /bulkTransfers/{id}) and the answer applied — still not paid.
    const askedAt = await waitFor(
      async () => {
        const history = await ttk.requests();
        const asked = bulks.map((b) => gets(history, `/bulkTransfers/${b.bulkTransferId}`).at(-1)?.timestamp);
        return asked.every((t) => t !== undefined) ? (asked as number[]) : null;
      },
      { timeoutMs: 120_000, message: "a GET /bulkTransfers/{id} for each bulk", details },
    );
    await waitFor(
      async () => {
        const now = await db.select().from(mojaloopBulks).where(eq(mojaloopBulks.railBatchId, batch.id));
        // The answer to the GET restarts the bulk's clock (requested_at), so it was applied.
        return bulks.every((b, i) => (now.find((n) => n.id === b.id)!.requestedAt?.getTime() ?? 0) > askedAt[i]!);
      },
      { message: "the GET answers applied" },
    );
    const unverified = rows.filter((_, i) => lines[i]!.amount === "17").map((p) => p.id);
    expect((await paymentRows(unverified)).map((p) => p.status)).toEqual(["PENDING", "PENDING", "PENDING", "PENDING", "PENDING"]);
    const transfers = await db.select().from(mojaloopTransfers).where(inArray(mojaloopTransfers.paymentId, unverified));
    for (const t of transfers) expect(t).toMatchObject({ state: "TRANSFERRING", errorCode: "UNVERIFIED", fulfilment: null });
    expect(await checkPaymentTotals(db, orgId)).toEqual([]);

    // Park this batch: its unverified transfers would be asked about every 5 s during the other tests.
    await dispatcher?.stop();
    dispatcher = null;
    await db
      .update(railBatches)
      .set({ nextAttemptAt: new Date("9999-12-31T00:00:00Z") })
      .where(eq(railBatches.id, batch.id));
  }, 600_000);

  it("quotes again under new ids when the quote expired before the transfer; the stale condition is never sent", async () => {
    // Amount 21: the toolkit answers an expired quote the first time its payee is quoted.
    const { disbursementId, paymentIds, phones } = await phoneDisbursement([{ amount: "21" }, { amount: "5" }, { amount: "6.50" }]);
    await resolveParties(phones);
    runDispatcher();
    const completed = await waitFor(() => batchCompleted(disbursementId), { timeoutMs: 120_000, message: "the batch to complete", details });
    // Staff see the batch's progress with the payee FSP's quoted fees (the toolkit quotes a fee of 0).
    expect(completed.message).toBe("1 bulk: 3 paid, 0 failed, 0 in progress; payee FSP fees 0 KES");

    expect((await paymentRows(paymentIds)).map((p) => p.status)).toEqual(["SUCCESS", "SUCCESS", "SUCCESS"]);
    const [d] = await db.select().from(disbursements).where(eq(disbursements.id, disbursementId));
    expect(d!.status).toBe("COMPLETED");
    const rows = await paymentRows(paymentIds);
    const { bulkQuotes, bulkTransfers } = await switchHistory({
      identifiers: new Set(phones.map((p) => p.slice(1))),
      transferIds: new Set(rows.map((p) => p.railReference!)),
    });
    expect(bulkQuotes).toHaveLength(2);
    const [first, second] = bulkQuotes as [BulkQuoteBody, BulkQuoteBody];
    expect(second.bulkQuoteId).not.toBe(first.bulkQuoteId);
    const firstIds = new Set(first.individualQuotes.map((q) => q.quoteId));
    expect(second.individualQuotes.some((q) => firstIds.has(q.quoteId))).toBe(false);
    // One bulk transfer, under the second quote (with its conditions), never the expired one.
    expect(bulkTransfers).toHaveLength(1);
    expect(bulkTransfers[0]!.bulkQuoteId).toBe(second.bulkQuoteId);
    expect(bulkTransfers[0]!.individualTransfers.map((t) => t.transferId).sort()).toEqual(rows.map((p) => p.railReference!).sort());
    const [bulk] = await db
      .select()
      .from(mojaloopBulks)
      .where(eq(mojaloopBulks.railBatchId, (await batchOf(disbursementId)).id));
    expect(bulk).toMatchObject({ state: "COMPLETED", bulkQuoteId: second.bulkQuoteId });
    expect(await checkPaymentTotals(db, orgId)).toEqual([]);
  }, 300_000);

  it("a bulk transfer whose callback never comes is asked for (GET), never posted again, and settled once", async () => {
    // Amount 19 first: the toolkit processes the bulk transfer but sends no callback; GET answers it.
    const { disbursementId, paymentIds } = await phoneDisbursement([{ amount: "19" }, { amount: "19" }]).then(async (d) => {
      await resolveParties(d.phones);
      return d;
    });
    runDispatcher();
    await waitFor(() => batchCompleted(disbursementId), { timeoutMs: 120_000, message: "the batch to complete", details });

    const rows = await paymentRows(paymentIds);
    expect(rows.map((p) => p.status)).toEqual(["SUCCESS", "SUCCESS"]);
    // Settled once: one SUCCESS entry in each payment's history.
    for (const p of rows) expect(p.statusHistory.filter((h) => h.status === "SUCCESS")).toHaveLength(1);
    const { history, bulkTransfers } = await switchHistory({ transferIds: new Set(rows.map((p) => p.railReference!)) });
    expect(bulkTransfers).toHaveLength(1);
    expect(gets(history, `/bulkTransfers/${bulkTransfers[0]!.bulkTransferId}`).length).toBeGreaterThanOrEqual(1);
    const transfers = await db.select().from(mojaloopTransfers).where(inArray(mojaloopTransfers.paymentId, paymentIds));
    for (const t of transfers) expect(t).toMatchObject({ state: "COMMITTED", fulfilment: expect.any(String) });
    expect(await checkPaymentTotals(db, orgId)).toEqual([]);
  }, 300_000);

  it("looks up payees no preflight resolved; a payee the switch does not know fails alone, in words", async () => {
    const missing = "+254799000404";
    const { disbursementId, paymentIds, phones } = await phoneDisbursement([{ amount: "8" }, { amount: "9", phone: missing }, { amount: "10" }]);
    runDispatcher();
    await waitFor(() => batchCompleted(disbursementId), { timeoutMs: 120_000, message: "the batch to complete", details });

    const rows = await paymentRows(paymentIds);
    expect(rows.map((p) => p.status)).toEqual(["SUCCESS", "FAILED", "SUCCESS"]);
    expect(rows[1]).toMatchObject({ failureCode: "3204", statusMessage: expect.stringMatching(/^3204: No account was found for this payee/) });
    // The worker asked the switch for each payee (GET /parties), and stored what it answered.
    const history = await ttk.requests();
    for (const phone of phones) expect(gets(history, `/parties/MSISDN/${phone.slice(1)}`).length).toBeGreaterThanOrEqual(1);
    const parties = await db
      .select()
      .from(mojaloopParties)
      .where(
        and(
          eq(mojaloopParties.connectionId, connectionId),
          inArray(
            mojaloopParties.partyIdentifier,
            phones.map((p) => p.slice(1)),
          ),
        ),
      );
    expect(parties.map((p) => [p.partyIdentifier, p.status]).sort()).toEqual(
      [
        [phones[0]!.slice(1), "RESOLVED"],
        [missing.slice(1), "NOT_FOUND"],
        [phones[2]!.slice(1), "RESOLVED"],
      ].sort(),
    );
    // The one not found never reached a quote.
    const { bulkQuotes } = await switchHistory({ identifiers: new Set(phones.map((p) => p.slice(1))) });
    expect(bulkQuotes.flatMap((b) => b.individualQuotes.map((q) => q.payee.partyIdInfo.partyIdentifier)).sort()).toEqual(
      [phones[0]!.slice(1), phones[2]!.slice(1)].sort(),
    );
    expect(await checkPaymentTotals(db, orgId)).toEqual([]);
  }, 300_000);

  it("a bulk transfer POST lost on the way: asked for (GET), the switch never saw it (3210), posted again under the same id, paid once", async () => {
    // Between us and the switch, a proxy that drops the first POST /bulkTransfers (the connection is
    // cut after the request was sent: the worker cannot know whether the switch got it).
    let dropped = 0;
    const proxy = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        if (dropped === 0 && req.method === "POST" && req.url === "/bulkTransfers") {
          dropped++;
          req.socket.destroy();
          return;
        }
        const headers = Object.fromEntries(
          Object.entries(req.headers).filter((e): e is [string, string] => typeof e[1] === "string" && /^(content-type|accept|date|fspiop-)/.test(e[0])),
        );
        fetch(`${ttk.fspiopUrl}${req.url}`, { method: req.method, headers, body: chunks.length > 0 ? Buffer.concat(chunks) : undefined }).then(
          async (answer) =>
            res.writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "application/json" }).end(Buffer.from(await answer.arrayBuffer())),
          () => res.writeHead(502).end(),
        );
      });
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    const [connection] = await db.select().from(paymentConnections).where(eq(paymentConnections.id, connectionId));
    const direct = connection!.settings;
    await db
      .update(paymentConnections)
      .set({ settings: { ...direct, baseUrl: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}` } })
      .where(eq(paymentConnections.id, connectionId));
    try {
      const { disbursementId, paymentIds, phones } = await phoneDisbursement([{ amount: "3" }, { amount: "4" }]);
      await resolveParties(phones);
      runDispatcher();
      await waitFor(() => batchCompleted(disbursementId), { timeoutMs: 120_000, message: "the batch to complete", details });
      expect(dropped).toBe(1);

      const rows = await paymentRows(paymentIds);
      expect(rows.map((p) => p.status)).toEqual(["SUCCESS", "SUCCESS"]);
      for (const p of rows) expect(p.statusHistory.filter((h) => h.status === "SUCCESS")).toHaveLength(1);
      const [bulk] = await db
        .select()
        .from(mojaloopBulks)
        .where(eq(mojaloopBulks.railBatchId, (await batchOf(disbursementId)).id));
      // The switch received the bulk transfer once (the dropped POST never reached it), under the id
      // stored before the first attempt, after a GET it answered "not found".
      const history = await ttk.requests();
      const posts = history.filter((r) => r.method === "post" && r.path === "/bulkTransfers" && (r.body as BulkTransferBody).bulkTransferId === bulk!.bulkTransferId);
      expect(posts).toHaveLength(1);
      const lookups = gets(history, `/bulkTransfers/${bulk!.bulkTransferId}`);
      expect(lookups.length).toBeGreaterThanOrEqual(1);
      expect(lookups[0]!.timestamp).toBeLessThan(posts[0]!.timestamp);
      expect(bulk).toMatchObject({ state: "COMPLETED", errorCode: "3210" });
      expect(await checkPaymentTotals(db, orgId)).toEqual([]);
    } finally {
      await dispatcher?.stop();
      dispatcher = null;
      await db.update(paymentConnections).set({ settings: direct }).where(eq(paymentConnections.id, connectionId));
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    }
  }, 300_000);

  it("a failed payment paid again (retry) gets a new transfer id and a new quote; its old transfer row is replaced", async () => {
    const { disbursementId, paymentIds, phones } = await phoneDisbursement([{ amount: "12" }, { amount: "4" }]);
    await resolveParties(phones);
    runDispatcher();
    await waitFor(() => batchCompleted(disbursementId), { timeoutMs: 120_000, message: "the first batch to complete", details });
    const [failed, paid] = await paymentRows(paymentIds);
    expect([failed!.status, paid!.status]).toEqual(["FAILED", "SUCCESS"]);
    const firstTransferId = failed!.railReference!;

    await retryPayments({ db, actor: { userId: ownerId }, org: { id: orgId }, role: "owner" }, { payment_ids: [failed!.id] });
    const again = await waitFor(
      async () => {
        const [p] = await paymentRows([failed!.id]);
        return p!.status === "FAILED" && p!.railReference !== firstTransferId ? p : null;
      },
      { timeoutMs: 120_000, message: "the retried payment to be quoted again", details },
    );
    // Amount 12 is refused at every quote: it failed again, through the switch, under a new transfer id.
    expect(again).toMatchObject({ failureCode: "5101" });
    const [transfer] = await db.select().from(mojaloopTransfers).where(eq(mojaloopTransfers.paymentId, failed!.id));
    expect(transfer).toMatchObject({ transferId: again.railReference, state: "FAILED", errorCode: "5101" });
    const batches = await db.select().from(railBatches).where(eq(railBatches.disbursementId, disbursementId));
    expect(batches).toHaveLength(2);
    const { bulkQuotes } = await switchHistory({ identifiers: new Set([phones[0]!.slice(1)]) });
    expect(bulkQuotes).toHaveLength(2);
    expect(bulkQuotes[1]!.individualQuotes[0]!.quoteId).not.toBe(
      bulkQuotes[0]!.individualQuotes.find((q) => q.payee.partyIdInfo.partyIdentifier === phones[0]!.slice(1))!.quoteId,
    );
    expect(await checkPaymentTotals(db, orgId)).toEqual([]);
  }, 300_000);

  it("every callback the switch sent was accepted and applied or knowingly ignored", async () => {
    const outcomes = await Promise.all(processed);
    expect(outcomes.length).toBeGreaterThan(10);
    // Nothing failed while being applied; ignored ones are answers to bulks already final (a GET's echo).
    expect(outcomes.filter((o) => o.reason?.startsWith("failed"))).toEqual([]);
    expect(outcomes.filter((o) => !o.applied && !/already/.test(o.reason ?? ""))).toEqual([]);
  });
});
