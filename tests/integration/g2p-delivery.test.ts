/**
 * G2P callback delivery (the outbox), item status reporting and the envelope scheduler against
 * the shared test PostgreSQL and a loopback sender on 127.0.0.1: signed callbacks are POSTed once
 * and recorded, retried with backoff until acknowledged, given up after the last attempt, never
 * sent twice by concurrent workers, never redirected, and sent in order per transaction. Every
 * call here is limited to this file's organizations (other test files share the database).
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { and, eq, inArray, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createDb } from "@/db/client";
import { disbursements, g2pItems, g2pMessages, payments } from "@/db/schema";
import { DISBURSEMENT_STATUSES, PAYMENT_STATUSES } from "@/server/domain/disbursement-types";
import { g2pItemStatus } from "@/server/domain/g2p/item-status";
import { callbackDeliveryConfig, deliverDueCallbacks, type DeliverOptions } from "@/server/services/g2p/deliver-callbacks";
import { enqueueCallback } from "@/server/services/g2p/enqueue-callback";
import { startDueEnvelopes } from "@/server/services/g2p/envelope-scheduler";
import { g2pLoopsOptionsFromEnv } from "@/server/services/g2p/g2p-loops";
import { g2pItemStatusSql, reportItemChanges } from "@/server/services/g2p/report-item-changes";
import { disburseItems, disburseMessage, g2pFixture, g2pTestDb, outboundCallbacks, postG2p, signedRequest, type G2pFixture } from "./g2p-helpers";
import { ackAnswer, closedPort, startLoopback, type Loopback } from "./g2p-loopback";
import { randomSuffix } from "./helpers";
import { sleep, waitFor } from "../support/wait";

const ROOT = path.resolve(import.meta.dirname, "..", "..");
const db = g2pTestDb();
// A second pool: two workers must not share connections to show they do not share rows.
const other = createDb(inject("databaseUrl"), { max: 4 });

let loopback: Loopback;
let fx: G2pFixture;

beforeAll(async () => {
  loopback = await startLoopback();
  fx = await g2pFixture(db, { callbackUrl: `${loopback.url}/g2p` });
}, 180_000);

afterAll(async () => {
  await loopback?.close();
  await other.sql.end({ timeout: 5 });
});

/** Deliver for this file's organization only (other files' outbound rows are not ours to send). */
const deliver = (options: DeliverOptions = {}, orgId = fx.org.id, pool = db) => deliverDueCallbacks(pool, { orgIds: [orgId], ...options });

async function enqueue(options: { transactionId?: string; base?: string; fixture?: G2pFixture; status?: string } = {}) {
  const f = options.fixture ?? fx;
  const transactionId = options.transactionId ?? `txn-${randomSuffix()}`;
  return db.transaction((tx) =>
    enqueueCallback(tx, {
      orgId: f.org.id,
      sender: f.sender.row,
      endpoint: "/on-disburse",
      action: "on-disburse",
      callbackBase: options.base ?? `${loopback.url}/g2p`,
      correlationId: null,
      transactionId,
      message: { transaction_id: transactionId, disbursements_status: [] },
      status: options.status ?? "rcvd",
      totalCount: 0,
      completedCount: 0,
    }),
  );
}

async function row(id: string) {
  const [r] = await db.select().from(g2pMessages).where(eq(g2pMessages.id, id));
  return r!;
}

/** Requests the loopback received for one callback row (matched by header.message_id). */
const receivedFor = (body: Record<string, unknown>) => loopback.received.filter((r) => r.body?.header?.message_id === (body.header as { message_id: string }).message_id);

describe("callback delivery", () => {
  it("POSTs a signed callback as JSON to the stored URL once, and records the delivery", async () => {
    loopback.respond = () => ackAnswer();
    const { id, body } = await enqueue();
    const before = await row(id);
    expect(before).toMatchObject({ direction: "outbound", status: "PENDING", attempts: 0, url: `${loopback.url}/g2p/on-disburse` });

    const result = await deliver();
    expect(result).toMatchObject({ claimed: 1, delivered: 1, retrying: 0, failed: 0 });
    const got = receivedFor(body);
    expect(got).toHaveLength(1);
    // Signed in the body and, over the exact bytes sent, in the HTTP Signature header.
    expect(got[0]).toMatchObject({ method: "POST", path: "/g2p/on-disburse", verified: true, headerVerified: true });
    expect(got[0]!.contentType).toMatch(/^application\/json/);
    expect(got[0]!.body).toEqual(body); // exactly the stored, signed body
    expect(got[0]!.body.header.sender_id).toBe(fx.org.slug);

    const after = await row(id);
    expect(after).toMatchObject({ status: "DELIVERED", attempts: 1, lastHttpStatus: 200, errorCode: null, nextAttemptAt: null });
    expect(after.deliveredAt).not.toBeNull();
    expect(after.lastAttemptAt).not.toBeNull();

    // Delivered rows are never sent again.
    expect((await deliver()).claimed).toBe(0);
    expect(receivedFor(body)).toHaveLength(1);
  });

  it("an empty 2xx answer also acknowledges", async () => {
    loopback.respond = () => ({ status: 204 });
    const { id } = await enqueue();
    expect((await deliver()).delivered).toBe(1);
    expect(await row(id)).toMatchObject({ status: "DELIVERED", lastHttpStatus: 204 });
  });

  it("retries with backoff (1 s, then 2 s) after two 500s and ends DELIVERED after 3 attempts", async () => {
    const { id, body } = await enqueue();
    const id0 = (body.header as { message_id: string }).message_id;
    let n = 0;
    loopback.respond = (c) => (c.body?.header?.message_id === id0 && ++n <= 2 ? { status: 500, text: "boom" } : ackAnswer());
    const t0 = new Date(Date.now() + 1_000);

    expect(await deliver({ now: t0 })).toMatchObject({ claimed: 1, retrying: 1 });
    let r = await row(id);
    expect(r).toMatchObject({ status: "PENDING", attempts: 1, lastHttpStatus: 500, errorCode: "http_500" });
    expect(r.nextAttemptAt!.getTime()).toBe(t0.getTime() + 1_000);

    // Not due before its time.
    expect((await deliver({ now: new Date(t0.getTime() + 999) })).claimed).toBe(0);

    const t1 = new Date(t0.getTime() + 1_000);
    expect(await deliver({ now: t1 })).toMatchObject({ claimed: 1, retrying: 1 });
    r = await row(id);
    expect(r).toMatchObject({ status: "PENDING", attempts: 2, lastHttpStatus: 500 });
    expect(r.nextAttemptAt!.getTime()).toBe(t1.getTime() + 2_000);
    expect((await deliver({ now: new Date(t1.getTime() + 1_999) })).claimed).toBe(0);

    expect(await deliver({ now: new Date(t1.getTime() + 2_000) })).toMatchObject({ claimed: 1, delivered: 1 });
    r = await row(id);
    expect(r).toMatchObject({ status: "DELIVERED", attempts: 3, lastHttpStatus: 200, errorCode: null, errorMessage: null });
    expect(receivedFor(body)).toHaveLength(3);
    expect(receivedFor(body).every((c) => c.verified)).toBe(true);
  });

  it("a 2xx NACK is not an acknowledgement, and a receiver that does not answer times out", async () => {
    const { id, body } = await enqueue();
    const mid = (body.header as { message_id: string }).message_id;
    let n = 0;
    loopback.respond = (c) => {
      if (c.body?.header?.message_id !== mid) return ackAnswer();
      n++;
      if (n === 1) return { status: 200, json: { message: { ack_status: "NACK", error: { code: "rjct.message.bad", message: "nope" } } } };
      return "hang";
    };
    // Long enough that a loaded machine still answers the NACK in time; the hang then ends by this timeout.
    const config = { backoffMs: 1, timeoutMs: 1_000 };
    expect(await deliver({ config })).toMatchObject({ retrying: 1 });
    expect(await row(id)).toMatchObject({ status: "PENDING", attempts: 1, lastHttpStatus: 200, errorCode: "rjct.message.bad" });

    await sleep(5); // past the 1 ms backoff
    // The attempt ends by the POST's own timeout (not the test's), recorded as such.
    expect(await deliver({ config })).toMatchObject({ retrying: 1 });
    expect(await row(id)).toMatchObject({ status: "PENDING", attempts: 2, lastHttpStatus: null, errorCode: "timeout", errorMessage: "no answer within 1000 ms" });
    loopback.respond = () => ackAnswer();
    await sleep(5);
    expect(await deliver({ config })).toMatchObject({ delivered: 1 });
  });

  it("gives up after the last attempt on an unreachable URL (FAILED, never tried again)", async () => {
    const port = await closedPort();
    const { id } = await enqueue({ base: `http://127.0.0.1:${port}/g2p` });
    const config = { maxAttempts: 3 };
    let now = Date.now() + 1_000;
    for (let attempt = 1; attempt <= 3; attempt++) {
      const result = await deliver({ now: new Date(now), config });
      expect(result.claimed, `attempt ${attempt}`).toBe(1);
      now += 10 * 60_000; // past any backoff
    }
    const r = await row(id);
    expect(r).toMatchObject({ status: "FAILED", attempts: 3, lastHttpStatus: null, errorCode: "network_error", nextAttemptAt: null, deliveredAt: null });
    expect(r.errorMessage).toBeTruthy();
    expect((await deliver({ now: new Date(now + 3_600_000), config })).claimed).toBe(0);
    expect((await row(id)).attempts).toBe(3);
  });

  it("reads its limits from the environment (defaults: 10 s timeout, 12 attempts, 1 s backoff up to 5 min)", () => {
    expect(callbackDeliveryConfig({})).toMatchObject({ timeoutMs: 10_000, maxAttempts: 12, backoffMs: 1_000, backoffMaxMs: 300_000 });
    expect(callbackDeliveryConfig({ G2P_CALLBACK_MAX_ATTEMPTS: "3", G2P_CALLBACK_TIMEOUT_MS: "500" })).toMatchObject({ maxAttempts: 3, timeoutMs: 500 });
    expect(() => callbackDeliveryConfig({ G2P_CALLBACK_MAX_ATTEMPTS: "0" })).toThrow(/G2P_CALLBACK_MAX_ATTEMPTS/);
    expect(g2pLoopsOptionsFromEnv({ G2P_CALLBACKS: "off", G2P_ENVELOPE_SCHEDULER: "0" })).toMatchObject({ callbacks: false, reports: true, envelopes: false });
  });

  it("never follows a redirect: the signed body goes only to the stored URL", async () => {
    const { id, body } = await enqueue();
    const mid = (body.header as { message_id: string }).message_id;
    loopback.respond = (c) =>
      c.body?.header?.message_id === mid && c.path.startsWith("/g2p/") ? { status: 307, headers: { location: `${loopback.url}/elsewhere` } } : ackAnswer();
    expect(await deliver()).toMatchObject({ retrying: 1 });
    expect(await row(id)).toMatchObject({ status: "PENDING", lastHttpStatus: 307, errorCode: "http_307" });
    expect(loopback.received.filter((c) => c.path === "/elsewhere")).toHaveLength(0);
    // Settle it so later tests start clean.
    loopback.respond = () => ackAnswer();
    await db.update(g2pMessages).set({ nextAttemptAt: new Date() }).where(eq(g2pMessages.id, id));
    expect(await deliver()).toMatchObject({ delivered: 1 });
  });

  it("sends the callbacks of one transaction in order: a newer one waits while an older one is pending", async () => {
    const transactionId = `txn-order-${randomSuffix()}`;
    const first = await enqueue({ transactionId, status: "pdng" });
    const second = await enqueue({ transactionId, status: "succ" });
    const firstId = (first.body.header as { message_id: string }).message_id;
    let failFirst = true;
    loopback.respond = (c) => (c.body?.header?.message_id === firstId && failFirst ? { status: 503 } : ackAnswer());
    const t0 = Date.now() + 1_000;
    expect(await deliver({ now: new Date(t0) })).toMatchObject({ claimed: 1, retrying: 1 });
    expect(await row(second.id)).toMatchObject({ status: "PENDING", attempts: 0 });
    // The older one is waiting for its retry: the newer one still waits.
    expect((await deliver({ now: new Date(t0 + 500) })).claimed).toBe(0);
    failFirst = false;
    expect(await deliver({ now: new Date(t0 + 1_000) })).toMatchObject({ claimed: 1, delivered: 1 });
    expect(await deliver({ now: new Date(t0 + 1_000) })).toMatchObject({ claimed: 1, delivered: 1 });
    const order = loopback.received.filter((c) => c.body?.message?.transaction_id === transactionId).map((c) => c.body.header.status);
    expect(order).toEqual(["pdng", "pdng", "succ"]);
  });

  it("two workers delivering at once never POST the same callback twice", async () => {
    const created = await Promise.all(Array.from({ length: 60 }, () => enqueue()));
    const ids = created.map((c) => c.id);
    const mids = new Set(created.map((c) => (c.body.header as { message_id: string }).message_id));
    loopback.respond = () => ({ ...(ackAnswer() as object), status: 200, delayMs: 20 }) as never;
    const worker = async (pool: typeof db) => {
      for (let i = 0; i < 50; i++) {
        const r = await deliver({ limit: 7 }, fx.org.id, pool);
        if (r.claimed === 0) {
          const left = await db
            .select({ n: sql<number>`count(*)::int` })
            .from(g2pMessages)
            .where(and(inArray(g2pMessages.id, ids), eq(g2pMessages.status, "PENDING")));
          if (left[0]!.n === 0) return;
          await sleep(10);
        }
      }
    };
    await Promise.all([worker(db), worker(other.db), worker(db), worker(other.db)]);
    loopback.respond = () => ackAnswer();
    const seen = loopback.received.filter((c) => mids.has(c.body?.header?.message_id)).map((c) => c.body.header.message_id as string);
    expect(seen).toHaveLength(60);
    expect(new Set(seen).size).toBe(60);
    const rows = await db.select({ status: g2pMessages.status, attempts: g2pMessages.attempts }).from(g2pMessages).where(inArray(g2pMessages.id, ids));
    expect(rows.every((r) => r.status === "DELIVERED" && r.attempts === 1)).toBe(true);
  }, 180_000);
});

describe("item status reporting", () => {
  it("the generated SQL status equals g2pItemStatus for every payment/disbursement pair, in PostgreSQL", async () => {
    const pairs = PAYMENT_STATUSES.flatMap((p) => DISBURSEMENT_STATUSES.map((d) => [p, d] as const));
    const values = sql.join(
      pairs.map(([p, d]) => sql`(${p}::payment_status, ${d}::disbursement_status)`),
      sql`, `,
    );
    const rows = (await db.execute(
      sql`select x.p::text as p, x.d::text as d, ${g2pItemStatusSql(sql`x.p::text`, sql`x.d::text`)} as s from (values ${values}) as x(p, d)`,
    )) as unknown as { p: string; d: string; s: string }[];
    expect(rows).toHaveLength(pairs.length);
    for (const r of rows) expect(r.s, `${r.p}/${r.d}`).toBe(g2pItemStatus(r.p as never, r.d as never));
  });

  it("reports only changed items, once, grouped per transaction and capped per callback, safe with two reporters", async () => {
    const f = await g2pFixture(db, { callbackUrl: `${loopback.url}/g2p` });
    const items = disburseItems(5, { currency: "USD" });
    const message = disburseMessage(items);
    const ack = await postG2p("/disburse", signedRequest(f.sender, "disburse", message), { key: f.writeKey });
    expect(ack.body?.message?.ack_status).toBe("ACK");
    const transactionId = message.transaction_id as string;
    // The /disburse answer itself enqueued the rcvd callback and marked the items reported.
    const initial = await outboundCallbacks(db, f.org.id);
    expect(initial).toHaveLength(1);
    expect(initial[0]!.body.header.status).toBe("rcvd");
    expect(await reportItemChanges(db, { orgIds: [f.org.id] })).toEqual({ callbacks: 0, items: 0 });

    // The envelope starts (its payments become READY, then PENDING on the rail): every item is now pdng. Two reporters at once, chunks of 2: 3 callbacks, no repeats.
    const [txnRow] = (await db.execute(
      sql`select disbursement_id from g2p_transactions where org_id = ${f.org.id} and transaction_id = ${transactionId}`,
    )) as unknown as {
      disbursement_id: string;
    }[];
    const disbursementId = txnRow!.disbursement_id;
    await db.update(disbursements).set({ status: "STARTED" }).where(eq(disbursements.id, disbursementId));
    await db.update(payments).set({ status: "READY" }).where(eq(payments.disbursementId, disbursementId));
    const [a, b] = await Promise.all([reportItemChanges(db, { orgIds: [f.org.id], chunk: 2 }), reportItemChanges(other.db, { orgIds: [f.org.id], chunk: 2 })]);
    expect(a.items + b.items).toBe(5);
    expect(a.callbacks + b.callbacks).toBe(3);
    let out = (await outboundCallbacks(db, f.org.id)).slice(1);
    expect(out).toHaveLength(3);
    const reported = out.flatMap((o) => o.body.message.disbursements_status.map((s: { reference_id: string; status: string }) => `${s.reference_id}:${s.status}`));
    expect(reported.sort()).toEqual(items.map((i) => `${i.reference_id}:pdng`).sort());
    for (const o of out) {
      expect(o).toMatchObject({ endpoint: "/on-disburse", action: "on-disburse", correlation_id: null, transaction_id: transactionId, status: "PENDING" });
      expect(o.url).toBe(`${loopback.url}/g2p/on-disburse`);
      expect(o.body.header).toMatchObject({ status: "pdng", completed_count: 0, total_count: o.body.message.disbursements_status.length });
      expect(o.body.message.transaction_id).toBe(transactionId);
      expect(o.body.message.disbursements_status[0]).not.toHaveProperty("item_id");
    }
    expect(await reportItemChanges(db, { orgIds: [f.org.id] })).toEqual({ callbacks: 0, items: 0 });

    // Two paid, one failed: one callback with just those three.
    const ps = await db
      .select({ id: payments.id, ref: g2pItems.referenceId })
      .from(g2pItems)
      .innerJoin(payments, eq(payments.id, g2pItems.paymentId))
      .where(eq(g2pItems.orgId, f.org.id));
    const byRef = new Map(ps.map((p) => [p.ref, p.id]));
    await db
      .update(payments)
      .set({ status: "SUCCESS" })
      .where(inArray(payments.id, [byRef.get(items[0]!.reference_id)!, byRef.get(items[1]!.reference_id)!]));
    await db
      .update(payments)
      .set({ status: "FAILED", statusMessage: "op_no_trust: The receiver's account does not trust USDC." })
      .where(eq(payments.id, byRef.get(items[2]!.reference_id)!));
    expect(await reportItemChanges(db, { orgIds: [f.org.id] })).toEqual({ callbacks: 1, items: 3 });
    out = await outboundCallbacks(db, f.org.id);
    const last = out.at(-1)!;
    expect(last.body.header).toMatchObject({ total_count: 3, completed_count: 3 });
    const statuses = Object.fromEntries(last.body.message.disbursements_status.map((s: { reference_id: string; status: string }) => [s.reference_id, s]));
    expect(statuses[items[0]!.reference_id].status).toBe("succ");
    expect(statuses[items[2]!.reference_id]).toMatchObject({ status: "rjct", status_reason_code: "rjct.payee_fa.invalid" });
    const itemRows = await db.select({ ref: g2pItems.referenceId, reported: g2pItems.reportedStatus }).from(g2pItems).where(eq(g2pItems.orgId, f.org.id));
    expect(Object.fromEntries(itemRows.map((r) => [r.ref, r.reported]))).toEqual({
      [items[0]!.reference_id]: "succ",
      [items[1]!.reference_id]: "succ",
      [items[2]!.reference_id]: "rjct",
      [items[3]!.reference_id]: "pdng",
      [items[4]!.reference_id]: "pdng",
    });
    expect(await reportItemChanges(db, { orgIds: [f.org.id] })).toEqual({ callbacks: 0, items: 0 });

    // Delivered in order, each verified.
    loopback.respond = () => ackAnswer();
    for (let i = 0; i < 6 && (await deliver({}, f.org.id)).claimed > 0; i++);
    const arrived = loopback.received.filter((c) => c.body?.message?.transaction_id === transactionId);
    expect(arrived.map((c) => c.body.header.status)).toEqual(["rcvd", "pdng", "pdng", "pdng", "succ"]);
    expect(arrived.every((c) => c.verified && c.body.header.sender_id === f.org.slug)).toBe(true);
  }, 180_000);
});

describe("envelope scheduler", () => {
  it("starts an envelope only when it is complete and its date has come, logging a hold reason only when it changes", async () => {
    const f = await g2pFixture(db, { callbackUrl: `${loopback.url}/g2p` });
    const items = disburseItems(3, { currency: "USD", amount: () => "2.00" });
    const schedule = new Date(Date.now() + 3_600_000);
    const envelope = { number_of_disbursements: 3, total_disbursement_amount: "6", disbursement_schedule_date: schedule.toISOString() };
    const transactionId = `txn-env-${randomSuffix()}`;
    const first = await postG2p("/disburse", signedRequest(f.sender, "disburse", disburseMessage(items.slice(0, 2), { transactionId, envelope })), { key: f.writeKey });
    expect(first.body?.message?.ack_status, first.text).toBe("ACK");
    const [txnRow] = (await db.execute(
      sql`select disbursement_id from g2p_transactions where org_id = ${f.org.id} and transaction_id = ${transactionId}`,
    )) as unknown as {
      disbursement_id: string;
    }[];
    const id = txnRow!.disbursement_id;
    const status = async () => (await db.select({ s: disbursements.status }).from(disbursements).where(eq(disbursements.id, id)))[0]!.s;
    const lines: { event: string; reason?: string }[] = [];
    const log = { info: (o: object) => void lines.push(o as never), warn: (o: object) => void lines.push(o as never) };
    const after = new Date(schedule.getTime() + 1_000);

    // Incomplete: held even after the date, the reason logged once.
    let r = await startDueEnvelopes(db, { now: after, orgIds: [f.org.id], log });
    expect(r.started).toEqual([]);
    expect(r.held).toHaveLength(1);
    expect(r.held[0]!.reason).toMatch(/not received everything/);
    await startDueEnvelopes(db, { now: after, orgIds: [f.org.id], log });
    expect(lines.filter((l) => l.event === "g2p.envelope.held")).toHaveLength(1);
    expect(await status()).toBe("READY");

    const second = await postG2p("/disburse", signedRequest(f.sender, "disburse", disburseMessage(items.slice(2), { transactionId, envelope })), { key: f.writeKey });
    expect(second.body?.message?.ack_status, second.text).toBe("ACK");
    // Complete but not due: not even considered.
    r = await startDueEnvelopes(db, { now: new Date(), orgIds: [f.org.id], log });
    expect(r).toMatchObject({ due: 0, started: [] });
    expect(await status()).toBe("READY");

    r = await startDueEnvelopes(db, { now: after, orgIds: [f.org.id], log });
    expect(r.started).toEqual([id]);
    expect(await status()).toBe("STARTED");
    expect(lines.filter((l) => l.event === "g2p.envelope.started")).toHaveLength(1);
    // Started envelopes are not picked up again.
    expect((await startDueEnvelopes(db, { now: after, orgIds: [f.org.id], log })).due).toBe(0);
  }, 180_000);
});

describe("worker wiring", () => {
  it("`npm run worker` delivers callbacks and stops cleanly on SIGTERM; G2P_CALLBACKS=off leaves them alone", async () => {
    const f = await g2pFixture(db, { callbackUrl: `${loopback.url}/g2p` });
    loopback.respond = () => ackAnswer();
    const run = async (env: Record<string, string>, until: (out: string) => Promise<boolean>, timeoutMs: number) => {
      const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "scripts", "worker.ts")], {
        cwd: ROOT,
        env: {
          ...process.env,
          DATABASE_URL: inject("databaseUrl"),
          STELLAR_NETWORK: "local",
          HORIZON_URL: `http://127.0.0.1:${await closedPort()}`,
          WORKER_ORG_IDS: f.org.id,
          WORKER_SETUP: "0",
          INVITATION_SCHEDULER_SECONDS: "0",
          LOG_LEVEL: "info",
          G2P_CALLBACK_IDLE_MS: "100",
          ...env,
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
      child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
      try {
        await waitFor(() => until(out), { timeoutMs, message: "the worker's output", details: () => out.slice(-2_000) });
      } finally {
        child.kill("SIGTERM");
      }
      // A worker that ignores SIGTERM is killed after a generous grace, and fails the exit-code check.
      const code = await Promise.race([exited, sleep(60_000).then(() => "timeout" as const)]);
      if (code === "timeout") child.kill("SIGKILL");
      return { code, out };
    };

    const { id } = await enqueue({ fixture: f });
    // Off: the loops start without delivery (give it a moment to prove it sends nothing).
    const off = await run(
      { G2P_CALLBACKS: "off" },
      async (out) => {
        if (!out.includes('"g2p.loops.start"')) return false;
        await sleep(1_000); // running, and given a moment in which it could have sent
        return true;
      },
      120_000,
    );
    expect(off.code, off.out).toBe(0);
    expect(off.out).toMatch(/"loops":\["reports","envelopes"\]/);
    expect((await row(id)).status).toBe("PENDING");

    const on = await run({}, async () => (await row(id)).status === "DELIVERED", 120_000);
    expect(on.code, on.out).toBe(0);
    expect((await row(id)).status).toBe("DELIVERED");
    expect(on.out).toContain('"g2p.callback.attempt"');
    expect(on.out).toContain('"g2p.loops.stop"');
    // The log names the row, URL, attempt and outcome, never the body or its signature.
    const line = on.out.split("\n").find((l) => l.includes('"g2p.callback.attempt"'))!;
    expect(JSON.parse(line)).toMatchObject({ message_row_id: id, url: `${loopback.url}/g2p/on-disburse`, attempt: 1, http_status: 200, outcome: "delivered" });
    expect(line).not.toContain("signature");
  }, 360_000);
});
