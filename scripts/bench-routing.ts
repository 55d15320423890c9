/**
 * `npm run bench:routing`: what routing costs a large disbursement (docs/rails/routing.md).
 * In a throw-away PostgreSQL (or BENCH_DATABASE_URL), per run: import a BENCH_ROUTING_PAYMENTS-row
 * (default 100,000) PHONE_NUMBER disbursement through importInstructions (which routes each payment
 * as it adds it), then time
 *   - the preview (previewDisbursementRouting),
 *   - the start (changeDisbursementStatus → STARTED: re-checks every payment's routing in one read,
 *     writes none when nothing changed since intake, and moves them READY),
 *   - pause, then resume (routes nothing: everything is routed already),
 * with two rule sets: the default "Stellar wallets" rule alone, and a region rule in front of it
 * (half the receivers have region north in the file's region column, routed to a second Stellar
 * connection), which reads the receivers' attributes. Prints the load average beside each figure (the machine is shared) and the
 * min and median of the runs (argument: runs, default 2). Not a test: nothing fails, it reports.
 *
 * `npm run bench:routing -- ab [pairs]`: on one imported disbursement per rule set, alternate in
 * rolled-back transactions (A) the start's payment move alone, as before routing, and (B) the same
 * move with the start's routing (the re-check; a route written with the move or an update only for
 * payments whose routing changed since intake): B − A is what routing adds to a start, measured side
 * by side under the same load (default 3 pairs).
 */
import os from "node:os";
import { sql } from "drizzle-orm";
import { createDb } from "../db/client";
import { applyMigrations } from "../db/migrate";
import { paymentConnections, routingRules } from "../db/schema";
import { benchDatabase } from "./lib/bench-database";

process.env.ENCRYPTION_KEY ||= "0f1e2d3c4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddeeff0";
process.env.LOG_LEVEL ||= "warn";

const COUNT = Number(process.env.BENCH_ROUTING_PAYMENTS || 100_000);
const AB = process.argv[2] === "ab";
const RUNS = Number(process.argv[AB ? 3 : 2] || (AB ? 3 : 2));
const say = (line: string) => process.stdout.write(`[bench:routing] ${line}\n`);
const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t = performance.now();
  const out = await fn();
  return [performance.now() - t, out];
}

async function main() {
  const { createOrganization, addUserToOrganization } = await import("../server/services/organization/create-organization");
  const { seedDemoCatalog } = await import("../server/services/catalog/seed-demo-catalog");
  const { createDisbursement } = await import("../server/services/disbursements/create-disbursement");
  const { importInstructions } = await import("../server/services/disbursements/import-instructions");
  const { changeDisbursementStatus } = await import("../server/services/disbursements/change-disbursement-status");
  const { setDistributionBalanceProvider } = await import("../server/services/disbursements/distribution-balance");
  const { previewDisbursementRouting } = await import("../server/services/routing/preview-disbursement-routing");
  const { planDisbursementRouting, applyDisbursementRouting } = await import("../server/services/routing/route-disbursement-payments");
  const { movePaymentStatus } = await import("../server/payments/payment-state-writer");
  const { disbursements } = await import("../db/schema");

  say(`load average at start: ${load()} (${os.cpus().length} CPUs); ${COUNT} payments, ${RUNS} run(s) per rule set`);
  const database = await benchDatabase("bench-routing");
  await applyMigrations(database.url);
  const { db, sql: pool } = createDb(database.url, { max: 4 });
  setDistributionBalanceProvider({ availableStroops: async () => 10n ** 18n });
  const results: Record<string, { preview: number[]; start: number[]; resume: number[] }> = {};
  try {
    const org = await createOrganization(db, { name: "Bench routing", slug: `bench-routing-${Date.now()}` });
    const owner = await addUserToOrganization(db, { orgId: org.id, email: "owner@bench.local", name: "Owner", role: "owner", password: "BenchPassword-1" });
    const ctx = { db, actor: { userId: owner.id }, org: { id: org.id }, role: "owner" as const };
    const catalog = await seedDemoCatalog(db, org.id);
    // Organizations made before createOrganization seeded routing get the migration's default.
    let [stellar] = await db
      .select()
      .from(paymentConnections)
      .where(sql`${paymentConnections.orgId} = ${org.id}`);
    if (!stellar) {
      [stellar] = await db.insert(paymentConnections).values({ orgId: org.id, railType: "STELLAR", name: "Stellar distribution account" }).returning();
      await db
        .insert(routingRules)
        .values({ orgId: org.id, position: 1, name: "Stellar wallets", conditions: { destinationKinds: ["STELLAR_ADDRESS"] }, connectionId: stellar!.id });
    }
    const [second] = await db.insert(paymentConnections).values({ orgId: org.id, railType: "STELLAR", name: "Second Stellar account" }).returning();

    let area = 0;
    for (const ruleSet of ["default rule", "region rule first"] as const) {
      if (ruleSet === "region rule first") {
        await db.execute(sql`update routing_rules set position = position + 1 where org_id = ${org.id}`);
        await db
          .insert(routingRules)
          .values({ orgId: org.id, position: 1, name: "North", conditions: { attribute: { name: "region", values: ["north"] } }, connectionId: second!.id });
      }
      const r: { preview: number[]; start: number[]; resume: number[] } = (results[ruleSet] = { preview: [], start: [], resume: [] });
      for (let run = 0; run < RUNS; run++) {
        area++;
        // Half the receivers are in region north (the CSV's region column): the intake routes each payment.
        const lines = ["phone,id,amount,verification,region"];
        for (let i = 0; i < COUNT; i++)
          lines.push(
            `+44791${"1278"[area % 4]}${String(i).padStart(6, "0")},a${area}-r${i},${(i % 997) + 1}.${String(i % 10_000_000).padStart(7, "0")},1990-01-02,${i % 2 === 0 ? "north" : "south"}`,
          );
        const d = await createDisbursement(ctx, {
          name: `bench ${area}`,
          wallet_id: catalog.wallet.id,
          asset_id: catalog.xlm.id,
          registration_contact_type: "PHONE_NUMBER",
          verification_field: "DATE_OF_BIRTH",
        });
        const [imported] = await timed(() => importInstructions(ctx, { disbursementId: d.id, fileName: "bench.csv", content: Buffer.from(lines.join("\n")) }));
        say(`${ruleSet}, run ${run + 1}: import ${imported.toFixed(0)} ms (routes each payment at intake; load ${load()})`);
        await db.execute(sql`vacuum analyze payments`);
        await db.execute(sql`vacuum analyze receivers`);

        if (AB) {
          const [row] = await db
            .select()
            .from(disbursements)
            .where(sql`${disbursements.id} = ${d.id}`);
          const rollback = new Error("rollback");
          const inTx = async (fn: (tx: typeof db) => Promise<void>) => {
            const t = performance.now();
            await db
              .transaction(async (tx) => (await fn(tx as unknown as typeof db), Promise.reject(rollback)))
              .catch((e) => {
                if (e !== rollback) throw e;
              });
            return performance.now() - t;
          };
          const a: number[] = [];
          const b: number[] = [];
          for (let pair = 0; pair < RUNS; pair++) {
            const la = load();
            a.push(await inTx((tx) => movePaymentStatus(tx, { orgId: org.id, disbursementId: d.id, from: ["DRAFT"], to: "READY", message: null }).then(() => undefined)));
            const lb = load();
            b.push(
              await inTx(async (tx) => {
                const plan = await planDisbursementRouting(tx, ctx, row!);
                await movePaymentStatus(tx, {
                  orgId: org.id,
                  disbursementId: d.id,
                  from: ["DRAFT"],
                  to: "READY",
                  message: null,
                  ...(plan.moveSet ? { set: plan.moveSet } : {}),
                });
                await applyDisbursementRouting(tx, plan);
              }),
            );
            say(`${ruleSet}, pair ${pair + 1}: A move alone ${a.at(-1)!.toFixed(0)} ms (load ${la}) · B move with routing ${b.at(-1)!.toFixed(0)} ms (load ${lb})`);
          }
          const med = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor((xs.length - 1) / 2)]!;
          say(
            `${ruleSet}: A median ${med(a).toFixed(0)} ms, B median ${med(b).toFixed(0)} ms, routing adds ${(med(b) - med(a)).toFixed(0)} ms (${((med(b) / med(a) - 1) * 100).toFixed(0)} %)`,
          );
          break;
        }
        const lp = load();
        const [preview, summary] = await timed(() => previewDisbursementRouting(ctx, { disbursement_id: d.id }));
        const ls = load();
        const [start] = await timed(() => changeDisbursementStatus(ctx, { id: d.id, status: "STARTED" }));
        await changeDisbursementStatus(ctx, { id: d.id, status: "PAUSED" });
        const lr = load();
        const [resume] = await timed(() => changeDisbursementStatus(ctx, { id: d.id, status: "STARTED" }));
        await changeDisbursementStatus(ctx, { id: d.id, status: "PAUSED" });
        const [[counts]] = [
          await db.execute<{ routed: number; total: number }>(
            sql`select count(*) filter (where connection_id is not null)::int as routed, count(*)::int as total from payments where disbursement_id = ${d.id}`,
          ),
        ];
        r.preview.push(preview);
        r.start.push(start);
        r.resume.push(resume);
        say(
          `${ruleSet}, run ${run + 1}: preview ${preview.toFixed(0)} ms (load ${lp}; ${summary.connections.map((c) => `${c.name} ${c.payments}`).join(", ")}, unrouted ${summary.unrouted.payments}) · ` +
            `start ${start.toFixed(0)} ms (load ${ls}) · resume ${resume.toFixed(0)} ms (load ${lr}) · routed ${counts?.routed}/${counts?.total}`,
        );
      }
    }
    const stats = (xs: number[]) => {
      const s = [...xs].sort((a, b) => a - b);
      return `min ${s[0]!.toFixed(0)} ms, median ${s[Math.floor((s.length - 1) / 2)]!.toFixed(0)} ms`;
    };
    for (const [ruleSet, r] of Object.entries(results)) {
      if (r.start.length === 0) continue;
      say(`${ruleSet}: preview ${stats(r.preview)}; start ${stats(r.start)}; resume ${stats(r.resume)}`);
    }
    say(`load average at the end: ${load()}`);
  } finally {
    await pool.end({ timeout: 5 });
    await database.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
