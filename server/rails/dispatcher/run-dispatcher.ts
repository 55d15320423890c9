import { createStopSignal } from "@/server/stop-signal";
import type { RailLanes, RailLanesContext } from "../payment-rail";
import { claimRailBatch } from "./claim-rail-batch";
import type { DispatcherContext } from "./context";
import { advanceRailBatch, leaseNextBatch } from "./ship-rail-batch";

export type DispatcherHandle = { stop(): Promise<void>; stats: { claimed: number; advanced: number; errors: number } };

export type DispatcherOptions = {
  idleMs?: number;
  idleMaxMs?: number;
  /** Settings of the claim lanes of rails that run their own (PaymentRail.startLanes: Stellar), from WORKER_*. */
  lanes?: RailLanesContext["lanes"];
};

/**
 * The one dispatcher of a worker (docs/rails.md "Dispatcher"): it pays every rail in `ctx.railTypes`.
 * A rail that must do its own work inside the claim's transaction (`startLanes`: Stellar's channel
 * accounts and signed envelopes) gets its claim lanes started here with the shared ports; every other
 * rail is driven by this loop: claim READY payments routed to its connections into stored batches,
 * then move open batches (funds, shipment, recovery). Any number of workers share one database:
 * claims skip locked disbursements and payments, batches and transactions are leased.
 */
export function startDispatcher(ctx: DispatcherContext, options: DispatcherOptions = {}): DispatcherHandle {
  const stop = createStopSignal();
  const stats = { claimed: 0, advanced: 0, errors: 0 };
  const idleMs = options.idleMs ?? 200;
  const idleMaxMs = Math.max(idleMs, options.idleMaxMs ?? 2_000);
  const laneRails = ctx.railTypes.filter((type) => ctx.railFor(type).startLanes);
  const batchRails = ctx.railTypes.filter((type) => !ctx.railFor(type).startLanes);
  const lanes: RailLanes[] = laneRails.map((type) =>
    ctx.railFor(type).startLanes!({
      db: ctx.db,
      log: ctx.log,
      orgIds: ctx.orgIds ?? null,
      completeDisbursementIfDone: ctx.completeDisbursementIfDone,
      lanes: options.lanes ?? {},
    }),
  );
  const batchCtx: DispatcherContext = { ...ctx, railTypes: batchRails };
  const loop = (async () => {
    if (batchRails.length === 0) return;
    let pause = idleMs;
    while (!stop.stopped) {
      let worked = false;
      try {
        const claimed = await claimRailBatch(batchCtx);
        if (claimed) {
          stats.claimed++;
          worked = true;
        }
        const batch = await leaseNextBatch(batchCtx);
        if (batch) {
          await advanceRailBatch(batchCtx, batch);
          stats.advanced++;
          worked = true;
        }
      } catch (error) {
        stats.errors++;
        ctx.log.error({ err: error instanceof Error ? error.message : String(error) }, "dispatcher step failed");
      }
      pause = worked ? idleMs : Math.min(pause * 2, idleMaxMs);
      if (!worked) await stop.sleep(pause);
    }
  })();
  return {
    stats,
    async stop() {
      stop.stop();
      await Promise.all([loop, ...lanes.map((l) => l.stop())]);
    },
  };
}
