import { sql } from "drizzle-orm";
import { railBatches } from "@/db/schema";
import type { RailType } from "@/server/domain/rails";
import { formatStroops, toStroops } from "@/server/domain/money";
import type { ClaimLane } from "./claim-payments";
import { claimPayments } from "./claim-payments";
import type { DispatcherContext } from "./context";

const CLAIMED = { shipment: "CLAIMED" } as const;

/** The status message of the move to PENDING, in the words of the network it goes to. */
const CLAIM_MESSAGES: Partial<Record<RailType, string>> = {
  BANK: "claimed for shipment to the bank",
  MOJALOOP: "claimed for the Mojaloop switch",
};

/**
 * Claim the next READY payments routed to one connection of a rail without a claim step (a bank)
 * into a stored batch, before anything is sent (docs/rails/dispatcher.md): the dispatcher's one claim
 * (claim-payments.ts) with a `prepare` that writes the `rail_batches` row (its reference, the pain.001
 * MsgId) and names each payment's reference (`rail.paymentReference`: its EndToEndId), stored with
 * the move to PENDING in the same statement — each payment row written once. Nothing remote happens
 * here: ship-rail-batch.ts moves the batch on.
 */
export async function claimRailBatch(ctx: DispatcherContext, lane?: Pick<ClaimLane, "nothingPayableUntil">): Promise<string | null> {
  if (ctx.railTypes.length === 0) return null;
  const claim = await claimPayments({
    db: ctx.db,
    railTypes: ctx.railTypes,
    orgIds: ctx.orgIds ?? null,
    nothingPayableUntil: lane?.nothingPayableUntil,
    step: {
      maxPayments: Math.max(1, Math.trunc(ctx.batchSize)),
      async prepare(tx, { candidate, payments }) {
        const [currency] = await tx.execute<{ currency: string }>(sql`
          select coalesce((select m->>'railCurrency' from payment_connections c, jsonb_array_elements(c.currency_mapping) m
                           where c.id = ${candidate.connectionId} and m->>'assetId' = ${candidate.assetId} limit 1), a.code) as currency
          from assets a where a.id = ${candidate.assetId}`);
        const total = payments.reduce((sum, p) => sum + toStroops(p.amount), 0n);
        // pain.001 MsgId: at most 35 characters, unique per connection.
        const batchReference = `B${Date.now().toString(36).toUpperCase()}${crypto.randomUUID().replace(/-/g, "").slice(0, 16).toUpperCase()}`;
        const [batch] = await tx
          .insert(railBatches)
          .values({
            orgId: candidate.orgId,
            disbursementId: candidate.disbursementId,
            connectionId: candidate.connectionId,
            railType: candidate.railType,
            reference: batchReference,
            paymentCount: payments.length,
            amount: formatStroops(total),
            currency: currency?.currency ?? "",
          })
          .returning({ id: railBatches.id });
        if (!batch) throw new Error("rail batch insert returned nothing");
        const rail = ctx.railFor(candidate.railType);
        return {
          kind: "take",
          payments: payments.map((p) => ({ id: p.id, reference: rail.paymentReference ? rail.paymentReference(p.id) : batchReference })),
          message: CLAIM_MESSAGES[candidate.railType] ?? "claimed for shipment",
          batch: batch.id,
          railBatchId: batch.id,
          details: CLAIMED,
        };
      },
    },
  });
  if (claim.kind !== "claimed") return null;
  const batchId = claim.batch as string;
  ctx.log.info({ batchId, payments: claim.paymentIds.length, connectionId: claim.candidate.connectionId }, "rail batch claimed");
  return batchId;
}
