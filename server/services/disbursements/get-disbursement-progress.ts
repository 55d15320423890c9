import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { disbursements } from "@/db/schema";
import { readDisbursementTotals } from "@/server/payments/payment-totals";
import { assertCan, type OrgContext } from "../context";
import { notFound } from "../errors";
import { sdpTotals } from "./disbursement-view";

/**
 * What the disbursement page polls while payments go out: the status and the maintained counters
 * (db/schema/payment-totals.ts), two indexed single-row reads and no payment row touched, so a
 * page left open on a running 100,000-payment disbursement costs the same as on a small one
 * (docs/performance.md, "Pages"). The page refetches the full detail only when the status moves.
 */
export async function getDisbursementProgress(ctx: OrgContext, id: string) {
  assertCan(ctx, "disbursements:read");
  if (!z.uuid().safeParse(id).success) throw notFound("The disbursement");
  const [row] = await ctx.db
    .select({ status: disbursements.status, updatedAt: disbursements.updatedAt })
    .from(disbursements)
    .where(and(eq(disbursements.orgId, ctx.org.id), eq(disbursements.id, id)));
  if (!row) throw notFound("The disbursement");
  const totals = (await readDisbursementTotals(ctx.db, ctx.org.id, [id])).get(id)!;
  return { id, status: row.status, updated_at: row.updatedAt.toISOString(), ...sdpTotals(totals) };
}
