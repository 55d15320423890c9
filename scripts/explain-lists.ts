/**
 * EXPLAIN (ANALYZE, BUFFERS) of every list and search query (docs/performance.md, "Lists"):
 * `npx tsx scripts/explain-lists.ts <database-url> [org-slug]` runs the list services against a
 * database holding a large organization (scripts/lib/million-payments.ts builds one), records each
 * SQL statement they send, and prints its plan. Read-only.
 */
import os from "node:os";
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import * as schema from "../db/schema";
import type { OrgContext } from "../server/services/context";
import { forgetRememberedPages } from "../server/services/pagination";
import { listPayments } from "../server/services/payments/list-payments";
import { listDisbursementReceivers } from "../server/services/receivers/list-disbursement-receivers";
import { listReceivers } from "../server/services/receivers/list-receivers";
import { listDisbursements } from "../server/services/disbursements/list-disbursements";
import { listWallets } from "../server/services/catalog/wallets";

const [url, slug = "million"] = process.argv.slice(2);
if (!url) throw new Error("usage: tsx scripts/explain-lists.ts <database-url> [org-slug]");
const sql = postgres(url, { max: 1, onnotice: () => {} });
let captured: { query: string; params: unknown[] }[] = [];
const db = drizzle(sql, { schema, casing: "snake_case", logger: { logQuery: (query, params) => void captured.push({ query, params }) } });

const [org] = await sql<{ id: string; user_id: string }[]>`
  select o.id, (select d.created_by from disbursements d where d.org_id = o.id limit 1) as user_id from organizations o where o.slug = ${slug}`;
if (!org) throw new Error(`no organization ${slug}`);
const ctx: OrgContext = { db, actor: { userId: org.user_id }, org: { id: org.id }, role: "owner" };
const ds = await sql<{ id: string; name: string }[]>`select id, name from disbursements where org_id = ${org.id} order by created_at`;
const [someReceiver] = await sql<{ id: string; phone_number: string; email: string; external_id: string }[]>`
  select id, phone_number, email, external_id from receivers where org_id = ${org.id} order by created_at offset 4242 limit 1`;
const [somePayment] = await sql<{ id: string; external_payment_id: string }[]>`
  select id, external_payment_id from payments where org_id = ${org.id} and disbursement_id = ${ds[3]!.id} and line_number = 777`;
const [counts] = await sql<
  { p: number; r: number }[]
>`select (select count(*) from payments where org_id = ${org.id})::int p, (select count(*) from receivers where org_id = ${org.id})::int r`;

const cases: [string, () => Promise<unknown>][] = [
  ["GET /payments (page 1, newest first)", () => listPayments(ctx, {})],
  ["GET /payments?page=500&page_limit=100 (cold: skip over the index)", () => listPayments(ctx, { page: 500, page_limit: 100 })],
  ["GET /payments?page=500&page_limit=100 (remembered)", () => listPayments(ctx, { page: 500, page_limit: 100 })],
  ["GET /payments?page=501&page_limit=100 (next page after 500)", () => listPayments(ctx, { page: 501, page_limit: 100 })],
  ["GET /payments?status=FAILED", () => listPayments(ctx, { status: "FAILED" })],
  ["GET /payments?status=FAILED,READY", () => listPayments(ctx, { status: ["FAILED", "READY"] })],
  ["GET /payments?sort=updated_at", () => listPayments(ctx, { sort: "updated_at" })],
  ["GET /payments?sort=amount&direction=asc", () => listPayments(ctx, { sort: "amount", direction: "asc" })],
  ["GET /payments?sort=status", () => listPayments(ctx, { sort: "status" })],
  [
    "GET /payments?disbursement_id=…&sort=line_number&direction=asc (disbursement page)",
    () => listPayments(ctx, { disbursement_id: ds[9]!.id, sort: "line_number", direction: "asc" }),
  ],
  ["… &status=FAILED", () => listPayments(ctx, { disbursement_id: ds[3]!.id, status: "FAILED", sort: "line_number", direction: "asc" })],
  ["GET /payments?receiver_id=… (receiver page)", () => listPayments(ctx, { receiver_id: someReceiver!.id })],
  [`GET /payments?q=${someReceiver!.phone_number} (phone, exact)`, () => listPayments(ctx, { q: someReceiver!.phone_number })],
  ["GET /payments?q=+1555000 (phone prefix)", () => listPayments(ctx, { q: "+1555000" })],
  [`GET /payments?q=${someReceiver!.email} (email)`, () => listPayments(ctx, { q: someReceiver!.email })],
  [`GET /payments?q=${someReceiver!.external_id.toLowerCase()} (external id)`, () => listPayments(ctx, { q: someReceiver!.external_id.toLowerCase() })],
  [`GET /payments?q=${somePayment!.external_payment_id} (paymentID)`, () => listPayments(ctx, { q: somePayment!.external_payment_id })],
  [`GET /payments?q=${somePayment!.id} (payment id)`, () => listPayments(ctx, { q: somePayment!.id })],
  ["GET /payments?q=pay-1 (broad prefix: bounded)", () => listPayments(ctx, { q: "pay-1" })],
  ["GET /disbursements/{id}/receivers", () => listDisbursementReceivers(ctx, ds[9]!.id, {})],
  ["GET /disbursements/{id}/receivers?page=500&page_limit=100 (cold)", () => listDisbursementReceivers(ctx, ds[9]!.id, { page: 500, page_limit: 100 })],
  ["GET /receivers", () => listReceivers(ctx, {})],
  ["GET /receivers?sort=external_id&direction=asc&page=300", () => listReceivers(ctx, { sort: "external_id", direction: "asc", page: 300 })],
  [`GET /receivers?q=${someReceiver!.phone_number}`, () => listReceivers(ctx, { q: someReceiver!.phone_number })],
  ["GET /disbursements", () => listDisbursements(ctx, {})],
  ["GET /wallets", () => listWallets(ctx)],
];

console.log(
  `load average before: ${os
    .loadavg()
    .map((n) => n.toFixed(2))
    .join(" ")}`,
);
console.log(`organization ${slug}: ${counts!.p} payments, ${counts!.r} receivers, ${ds.length} disbursements`);
forgetRememberedPages();
for (const [title, run] of cases) {
  captured = [];
  await run();
  const statements = captured;
  console.log(`\n### ${title}\n`);
  for (const s of statements) {
    const plan = await sql.unsafe(`explain (analyze, buffers) ${s.query}`, s.params as never[]);
    console.log("```");
    console.log(s.query.replace(/\s+/g, " ").slice(0, 600));
    console.log("--");
    for (const row of plan) console.log(row["QUERY PLAN"]);
    console.log("```");
  }
}
console.log(
  `\nload average after: ${os
    .loadavg()
    .map((n) => n.toFixed(2))
    .join(" ")}`,
);
await sql.end();
