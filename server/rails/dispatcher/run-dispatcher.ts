import { createStopSignal } from "@/server/stop-signal";
import { claimRailBatch } from "./claim-rail-batch";
import type { DispatcherContext } from "./context";
import { advanceRailBatch, leaseNextBatch } from "./ship-rail-batch";

export type DispatcherHandle = { stop(): Promise<void>; stats: { claimed: number; advanced: number; errors: number } };

/**
 * The dispatcher loop for rails that settle later (docs/rails.md "Dispatcher"): claim READY payments
 * into stored batches, then move open batches (funds, shipment, recovery). Any number of workers share
 * one database: claims skip locked disbursements and batches are leased.
 */
export function startDispatcher(ctx: DispatcherContext, options: { idleMs?: number; idleMaxMs?: number } = {}): DispatcherHandle {
  const stop = createStopSignal();
  const stats = { claimed: 0, advanced: 0, errors: 0 };
  const idleMs = options.idleMs ?? 200;
  const idleMaxMs = Math.max(idleMs, options.idleMaxMs ?? 2_000);
  const loop = (async () => {
    let pause = idleMs;
    while (!stop.stopped) {
      let worked = false;
      try {
        const claimed = await claimRailBatch(ctx);
        if (claimed) {
          stats.claimed++;
          worked = true;
        }
        const batch = await leaseNextBatch(ctx);
        if (batch) {
          await advanceRailBatch(ctx, batch);
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
      await loop;
    },
  };
}
