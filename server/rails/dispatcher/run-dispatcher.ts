import { createStopSignal } from "@/server/stop-signal";
import type { RailClaimContext } from "../payment-rail";
import { startClaimLanes, type ClaimLanesHandle, type ClaimLanesOptions } from "./claim-lanes";
import { claimRailBatch } from "./claim-rail-batch";
import { completeFinishedDisbursements } from "./complete-disbursements";
import type { DispatcherContext } from "./context";
import { advanceRailBatch, leaseNextBatch } from "./ship-rail-batch";

export type DispatcherHandle = {
  stop(): Promise<void>;
  /** Stored batches: claimed and moved; `lanes`: the claim lanes of each rail with a claim step. */
  stats: { claimed: number; advanced: number; errors: number };
  lanes: ClaimLanesHandle[];
};

export type DispatcherOptions = {
  /** The stored-batch loop's first and longest idle pause. */
  idleMs?: number;
  idleMaxMs?: number;
  /** Claim lanes of rails with a claim step (PaymentRail.claimStep: Stellar), from WORKER_*. */
  lanes?: ClaimLanesOptions & RailClaimContext["settings"];
};

/**
 * The one dispatcher of a worker (docs/rails/dispatcher.md): it pays every rail in `ctx.railTypes`,
 * and it is the one code that claims READY payments (claim-payments.ts). A rail with a claim step
 * (Stellar: a channel account and a signed envelope inside the claim) gets claim lanes here
 * (claim-lanes.ts: claim → the rail's send → settle, plus its recovery and chores); every other rail
 * is claimed into stored batches by this loop (claim-rail-batch.ts), which then moves open batches
 * (funds, shipment, recovery: ship-rail-batch.ts). Any number of workers share one database: claims
 * skip locked payments, batches and transactions are leased.
 */
export function startDispatcher(ctx: DispatcherContext, options: DispatcherOptions = {}): DispatcherHandle {
  const stop = createStopSignal();
  const stats = { claimed: 0, advanced: 0, errors: 0 };
  const idleMs = options.idleMs ?? 200;
  const idleMaxMs = Math.max(idleMs, options.idleMaxMs ?? 2_000);
  const completion = { db: ctx.db, orgIds: ctx.orgIds ?? null, completeDisbursementIfDone: ctx.completeDisbursementIfDone };
  const settings = options.lanes ?? {};
  const railLog = {
    // Called as methods of the given logger (pino's need their `this`).
    info: (obj: object, msg?: string) => ctx.log.info(obj, msg),
    warn: (obj: object, msg?: string) => ctx.log.warn(obj, msg),
    error: (obj: object, msg?: string) => ctx.log.error(obj, msg),
    debug: (obj: object, msg?: string) => ctx.log.debug?.(obj, msg),
  };
  const stepRails = ctx.railTypes.filter((type) => ctx.railFor(type).claimStep);
  const batchRails = ctx.railTypes.filter((type) => !ctx.railFor(type).claimStep);
  const lanes = stepRails.map((type) => {
    const step = ctx.railFor(type).claimStep!({
      db: ctx.db,
      log: railLog,
      orgIds: ctx.orgIds ?? null,
      completeFinished: (orgId, disbursementIds) => completeFinishedDisbursements(completion, orgId, disbursementIds),
      settings: {
        concurrency: settings.concurrency,
        maxBatchSize: settings.maxBatchSize,
        leaseMs: settings.leaseMs,
        autoSetup: settings.autoSetup,
        setupAfter: settings.setupAfter,
      },
    });
    return startClaimLanes(
      { db: ctx.db, log: railLog, railType: type, orgIds: ctx.orgIds ?? null, step, sweep: () => completeFinishedDisbursements(completion, null, null) },
      { concurrency: settings.concurrency, idleMs: settings.idleMs, idleMaxMs: settings.idleMaxMs, claimers: settings.claimers },
    );
  });
  const batchCtx: DispatcherContext = { ...ctx, railTypes: batchRails };
  const batchLane = { nothingPayableUntil: new Map<string, number>() };
  const loop = (async () => {
    if (batchRails.length === 0) return;
    let pause = idleMs;
    while (!stop.stopped) {
      let worked = false;
      try {
        const claimed = await claimRailBatch(batchCtx, batchLane);
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
    lanes,
    async stop() {
      stop.stop();
      await Promise.all([loop, ...lanes.map((l) => l.stop())]);
    },
  };
}
