/**
 * Lists at scale (docs/performance.md, "Lists"): keyset pagination returns every row exactly once
 * while payments change status between page fetches; SDP's page/page_limit deep pages equal the
 * cursor walk; search finds by each key with exact matches first; totals come from the counters.
 */
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { movePaymentStatus } from "@/server/payments/payment-state-writer";
import { checkPaymentTotals } from "@/server/payments/payment-totals";
import type { OrgContext } from "@/server/services/context";
import { forgetRememberedPages } from "@/server/services/pagination";
import { listPayments } from "@/server/services/payments/list-payments";
import { listDisbursementReceivers } from "@/server/services/receivers/list-disbursement-receivers";
import { listReceivers } from "@/server/services/receivers/list-receivers";
import { loadLargeOrganization, type LargeOrganization } from "../../scripts/lib/million-payments";
import { randomSuffix, testDb } from "./helpers";

const db = testDb();
const raw = postgres(inject("databaseUrl"), { max: 1, onnotice: () => {} });
afterAll(() => raw.end({ timeout: 5 }));
let org: LargeOrganization;
let ctx: OrgContext;
const PER = 45;

beforeAll(async () => {
  // 3 disbursements of 45 payments to the same 45 receivers: two COMPLETED (SUCCESS or FAILED), one STARTED (READY).
  org = await loadLargeOrganization(raw, { disbursements: 3, perDisbursement: PER, slug: `lists-${randomSuffix()}` });
  ctx = { db, actor: { userId: org.userId }, org: { id: org.orgId }, role: "owner" };
});

type Page = Awaited<ReturnType<typeof listPayments>>;

async function walk(fetch: (cursor?: string) => Promise<Page>, between?: (n: number) => Promise<void>) {
  const pages: string[][] = [];
  let cursor: string | undefined;
  for (let n = 0; n < 100; n++) {
    const page = await fetch(cursor);
    pages.push(page.data.map((p) => p.id));
    await between?.(n);
    if (!page.pagination.next_cursor) break;
    cursor = page.pagination.next_cursor;
  }
  return pages;
}

async function allPaymentIds() {
  return (await raw<{ id: string }[]>`select id from payments where org_id = ${org.orgId}`).map((r) => r.id).sort();
}

describe("keyset pagination", () => {
  it("returns every payment exactly once while payments change status between page fetches", async () => {
    const started = org.disbursementIds[2]!;
    const ready = (await raw<{ id: string }[]>`select id from payments where disbursement_id = ${started} order by line_number`).map((r) => r.id);
    const move = async (n: number) => {
      // Between pages: a batch of READY payments goes PENDING, then some of those SUCCESS (what a worker does).
      const batch = ready.slice(n * 6, n * 6 + 6);
      await db.transaction((tx) => movePaymentStatus(tx, { orgId: org.orgId, from: ["READY"], to: "PENDING", message: "test", ids: batch }));
      await db.transaction((tx) => movePaymentStatus(tx, { orgId: org.orgId, from: ["PENDING"], to: "SUCCESS", message: "test", ids: batch.slice(0, 3) }));
    };
    const all = await allPaymentIds();
    for (const sort of ["created_at", "status", "amount"] as const) {
      const pages = await walk((cursor) => listPayments(ctx, { page_limit: 8, sort, cursor }), sort === "created_at" ? move : undefined);
      const seen = pages.flat();
      expect(new Set(seen).size).toBe(seen.length);
      expect([...seen].sort()).toEqual(all);
    }
    // A disbursement's payments in file order, merged across statuses, while its payments move.
    const inFileOrder = await walk(
      (cursor) => listPayments(ctx, { disbursement_id: started, sort: "line_number", direction: "asc", page_limit: 7, cursor }),
      async (n) => {
        const batch = ready.slice(30 + n, 31 + n);
        await db.transaction((tx) => movePaymentStatus(tx, { orgId: org.orgId, from: ["READY"], to: "PENDING", message: "test", ids: batch }));
      },
    );
    expect(inFileOrder.flat()).toEqual(ready);
    const receivers = await walk(async (cursor) => {
      const page = await listDisbursementReceivers(ctx, started, { page_limit: 10, cursor });
      return { ...page, data: page.data.map((r) => ({ id: r.payment.id })) } as unknown as Page;
    });
    expect(receivers.flat()).toEqual(ready);
    expect(await checkPaymentTotals(db, org.orgId)).toEqual([]);
  });

  it("serves SDP's page/page_limit deep pages with the same rows as the cursor walk, cold or remembered", async () => {
    const walked = await walk((cursor) => listPayments(ctx, { page_limit: 10, cursor }));
    expect(walked.length).toBe(Math.ceil((3 * PER) / 10));
    forgetRememberedPages();
    // Cold, last page first (skips from the start), then the rest from the nearest remembered page.
    for (const page of [walked.length, 2, 7, 5, 1, walked.length - 1]) {
      const got = await listPayments(ctx, { page, page_limit: 10 });
      expect(
        got.data.map((p) => p.id),
        `page ${page}`,
      ).toEqual(walked[page - 1]);
      expect(got.pagination).toMatchObject({ page, total: 3 * PER, pages: walked.length, next: page < walked.length ? page + 1 : null });
    }
    expect((await listPayments(ctx, { page: walked.length + 3, page_limit: 10 })).data).toEqual([]);
    // prev_cursor goes back one page.
    const third = await listPayments(ctx, { page: 3, page_limit: 10 });
    const second = await listPayments(ctx, { page_limit: 10, cursor: third.pagination.prev_cursor! });
    expect(second.data.map((p) => p.id)).toEqual(walked[1]);
    expect(second.pagination.page).toBe(2);
  });

  it("refuses a cursor from another list's sort or filters", async () => {
    const first = await listPayments(ctx, { page_limit: 5 });
    await expect(listPayments(ctx, { page_limit: 5, sort: "amount", cursor: first.pagination.next_cursor! })).rejects.toThrow(/another sort or filter/);
    await expect(listPayments(ctx, { cursor: "not-a-cursor" })).rejects.toThrow(/cursor is not valid/);
  });

  it("takes pagination.total from the maintained totals, filtered by status and disbursement", async () => {
    const counts = await raw<{ status: string; disbursement_id: string; n: number }[]>`
      select status, disbursement_id, count(*)::int as n from payments where org_id = ${org.orgId} group by 1, 2`;
    const sum = (f: (r: (typeof counts)[number]) => boolean) => counts.filter(f).reduce((n, r) => n + r.n, 0);
    expect((await listPayments(ctx, {})).pagination.total).toBe(3 * PER);
    expect((await listPayments(ctx, { status: ["SUCCESS", "PENDING"] })).pagination.total).toBe(sum((r) => r.status === "SUCCESS" || r.status === "PENDING"));
    const d = org.disbursementIds[0]!;
    expect((await listPayments(ctx, { disbursement_id: d, status: "FAILED" })).pagination.total).toBe(sum((r) => r.disbursement_id === d && r.status === "FAILED"));
    expect((await listDisbursementReceivers(ctx, d, {})).pagination.total).toBe(PER);
    const byStatus = await walk((cursor) => listPayments(ctx, { status: ["SUCCESS", "READY"], page_limit: 9, cursor }));
    expect(byStatus.flat().length).toBe(sum((r) => r.status === "SUCCESS" || r.status === "READY"));
    expect(await checkPaymentTotals(db, org.orgId)).toEqual([]);
  });
});

describe("search", () => {
  it("finds payments by phone, email, external id, paymentID and payment id, exact matches first", async () => {
    const receiverOf = (p: Page["data"][number]) => p.receiver_wallet.receiver;
    // Phones +1555000001x: receivers 10..19, typed with spaces.
    const phone = await listPayments(ctx, { q: "+1 555 000 001", page_limit: 100 });
    expect(phone.data.length).toBe(3 * 10);
    expect(new Set(phone.data.map((p) => receiverOf(p).phone_number))).toEqual(new Set(Array.from({ length: 10 }, (_, i) => `+155500000${10 + i}`)));
    expect(phone.pagination.total).toBe(30);
    expect((await listPayments(ctx, { q: "+15550000017" })).data.map((p) => receiverOf(p).phone_number)).toEqual(["+15550000017", "+15550000017", "+15550000017"]);

    // Exact first: EXT-0000011 exactly, then EXT-0000011-B (receiver 12 renamed) by prefix, whatever the sort.
    await raw`update receivers set external_id = 'EXT-0000011-B' where org_id = ${org.orgId} and external_id = 'EXT-0000012'`;
    for (const direction of ["asc", "desc"] as const) {
      const ranked = await listPayments(ctx, { q: "Ext-0000011", direction });
      expect(ranked.data.map((p) => receiverOf(p).external_id)).toEqual(["EXT-0000011", "EXT-0000011", "EXT-0000011", "EXT-0000011-B", "EXT-0000011-B", "EXT-0000011-B"]);
    }

    const email = await listPayments(ctx, { q: "R2@Example.test" });
    expect(email.data.map((p) => receiverOf(p).email)).toEqual(["r2@example.test", "r2@example.test", "r2@example.test"]);
    const emailPrefix = await listPayments(ctx, { q: "r2", page_limit: 100 });
    expect(emailPrefix.data.length).toBe(3 * 11); // r2, r20..r29

    const external = await listPayments(ctx, { q: "ext-0000013" });
    expect(external.data.map((p) => receiverOf(p).external_id)).toEqual(["EXT-0000013", "EXT-0000013", "EXT-0000013"]);

    const byPaymentId = await listPayments(ctx, { q: "PAY-2-0000004" });
    expect(byPaymentId.data.map((p) => p.external_payment_id)).toEqual(["PAY-2-0000004"]);
    const paymentIdPrefix = await listPayments(ctx, { q: "pay-2-000000", page_limit: 100 });
    expect(paymentIdPrefix.data.map((p) => p.external_payment_id).sort()).toEqual(Array.from({ length: 9 }, (_, i) => `PAY-2-000000${i + 1}`));

    const one = byPaymentId.data[0]!;
    expect((await listPayments(ctx, { q: one.id.toUpperCase() })).data.map((p) => p.id)).toEqual([one.id]);
    const start = await listPayments(ctx, { q: one.id.slice(0, 13), page_limit: 100 });
    expect(start.data.map((p) => p.id)).toContain(one.id);
    expect(start.data.every((p) => p.id.startsWith(one.id.slice(0, 13)))).toBe(true);

    // Filters apply within the search; nothing matches nonsense.
    expect((await listPayments(ctx, { q: "+1 555 000 001", disbursement_id: org.disbursementIds[1] })).data.length).toBe(10);
    expect((await listPayments(ctx, { q: "nobody@nowhere" })).data).toEqual([]);
    // Search pages by its own cursor.
    const p1 = await listPayments(ctx, { q: "+1 555 000 001", page_limit: 20 });
    const p2 = await listPayments(ctx, { q: "+1 555 000 001", page_limit: 20, cursor: p1.pagination.next_cursor! });
    expect([...p1.data, ...p2.data].map((p) => p.id)).toEqual(phone.data.map((p) => p.id));
  });

  it("finds receivers by phone, email and external id, exact first, and pages the receivers list by keyset", async () => {
    const r = await listReceivers(ctx, { q: "+1555000002" });
    expect(r.data.map((x) => x.phone_number).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `+155500000${20 + i}`));
    await raw`update receivers set external_id = 'EXT-0000041-B' where org_id = ${org.orgId} and external_id = 'EXT-0000042'`;
    expect((await listReceivers(ctx, { q: "ext-0000041", direction: "asc" })).data.map((x) => x.external_id)).toEqual(["EXT-0000041", "EXT-0000041-B"]);
    expect((await listReceivers(ctx, { q: "ext-0000041", direction: "desc" })).data.map((x) => x.external_id)).toEqual(["EXT-0000041", "EXT-0000041-B"]);
    expect((await listReceivers(ctx, { q: "r3@example.test" })).data.map((x) => x.email)).toEqual(["r3@example.test"]);
    expect((await listReceivers(ctx, { q: "EXT-0000044" })).data.map((x) => x.external_id)).toEqual(["EXT-0000044"]);
    for (const sort of ["created_at", "external_id", "updated_at"] as const) {
      const seen: string[] = [];
      let cursor: string | undefined;
      for (;;) {
        const page = await listReceivers(ctx, { sort, direction: "asc", page_limit: 10, cursor });
        seen.push(...page.data.map((x) => x.id));
        expect(page.pagination.total).toBe(PER);
        if (!page.pagination.next_cursor) break;
        cursor = page.pagination.next_cursor;
      }
      expect(new Set(seen).size).toBe(PER);
    }
    // The total is the maintained receiver count: it follows inserts and deletes in the same transaction.
    await raw`insert into receivers (org_id, external_id, email) select ${org.orgId}, 'EXTRA-' || i, 'extra' || i || '@example.test' from generate_series(1, 3) i`;
    expect((await listReceivers(ctx, {})).pagination.total).toBe(PER + 3);
    await raw`delete from receivers where org_id = ${org.orgId} and external_id in ('EXTRA-1', 'EXTRA-2')`;
    expect((await listReceivers(ctx, {})).pagination.total).toBe(PER + 1);
    const [counted] = await raw<{ n: number }[]>`select count(*)::int as n from receivers where org_id = ${org.orgId}`;
    expect(counted!.n).toBe(PER + 1);
  });
});
