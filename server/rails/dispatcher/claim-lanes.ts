import type { Db } from "@/db/client";
import type { RailType } from "@/server/domain/rails";
import { createStopSignal } from "@/server/stop-signal";
import type { RailClaimStep } from "../payment-rail";
import { claimPayments, type ClaimLane } from "./claim-payments";

/** How often the lanes look for STARTED disbursements with nothing left to pay (a crash between a settlement and its completion). */
const COMPLETION_SWEEP_MS = 2_000;

/**
 * Claims per worker at once. Claims never wait for each other (SKIP LOCKED), but a rail's prepare
 * may be CPU work (Stellar: build and sign): two at a time overlap one claim's database round trips
 * with another's work without flooding PostgreSQL with open transactions.
 */
export const DEFAULT_CLAIMERS = 2;

export type ClaimLanesOptions = {
  /** Claim lanes (each: claim → send → settle); default the rail's `defaultConcurrency`. */
  concurrency?: number;
  /** First pause of a lane when there is nothing to do (default 50 ms); doubles while idle up to `idleMaxMs`. */
  idleMs?: number;
  /** Longest pause of an idle lane (default 1 s): bounds how late work that appears is claimed. */
  idleMaxMs?: number;
  /** Claims one worker runs at once (default 2). */
  claimers?: number;
};

/** `built`: claims that took payments; `claimMs`: their time, lock waits included; `reconciled`: open batches the rail's `recover` looked at. */
export type ClaimLaneStats = { built: number; reconciled: number; errors: number; idlePolls: number; claimMs: number; claimMoveMs: number };

export type ClaimLanesHandle = {
  stats: ClaimLaneStats;
  /** The rail's own counters (RailClaimStep.stats). */
  railStats(): Record<string, number>;
  stop(): Promise<void>;
};

type Log = { info: (obj: object, msg?: string) => void; warn: (obj: object, msg?: string) => void };

/**
 * The dispatcher's claim lanes of one rail with a claim step (docs/rails/dispatcher.md): `concurrency`
 * lanes, each claiming a batch (claim-payments.ts), handing it to the rail's `send` and claiming again;
 * one recovery loop running the rail's `recover` and the completion sweep; and the rail's chores.
 * Idle lanes back off; a lane that finds work after a quiet spell wakes the others, and so does
 * recovery that resolved something. Any number of workers share one database.
 */
export function startClaimLanes(
  ctx: { db: Db; log: Log; railType: RailType; orgIds: readonly string[] | null; step: RailClaimStep; sweep(): Promise<unknown> },
  options: ClaimLanesOptions = {},
): ClaimLanesHandle {
  const { step, log } = ctx;
  const concurrency = Math.max(1, options.concurrency ?? step.defaultConcurrency);
  const idleMs = options.idleMs ?? 50;
  const idleMaxMs = Math.max(idleMs, options.idleMaxMs ?? 1_000);
  const event = (what: string) => `${ctx.railType.toLowerCase()}.worker.${what}`;
  const stats: ClaimLaneStats = { built: 0, reconciled: 0, errors: 0, idlePolls: 0, claimMs: 0, claimMoveMs: 0 };
  const lane: ClaimLane = { db: ctx.db, railTypes: [ctx.railType], orgIds: ctx.orgIds, step, nothingPayableUntil: new Map(), counters: stats };
  const signal = createStopSignal();
  const sleep = (ms: number) => signal.sleep(ms);
  const wakers = new Set<() => void>();
  const idleSleep = async (ms: number) => {
    let wake = () => {};
    const woken = new Promise<void>((resolve) => (wake = resolve));
    wakers.add(wake);
    await Promise.race([sleep(ms), woken]);
    wakers.delete(wake);
  };
  const wakeLanes = () => {
    for (const wake of [...wakers]) wake();
    wakers.clear();
  };
  const backoff = (idleRounds: number) => Math.min(idleMs * 2 ** idleRounds, idleMaxMs);
  const claimers = Math.max(1, options.claimers ?? DEFAULT_CLAIMERS);
  let claimsRunning = 0;
  const claimQueue: (() => void)[] = [];
  const claimOne = async () => {
    if (claimsRunning >= claimers) await new Promise<void>((resolve) => claimQueue.push(resolve));
    else claimsRunning++;
    try {
      const t0 = performance.now();
      const claim = await claimPayments(lane);
      if (claim.kind === "claimed") stats.claimMs += performance.now() - t0;
      return claim;
    } finally {
      const next = claimQueue.shift();
      if (next) next();
      else claimsRunning--;
    }
  };
  const failed = async (where: string, error: unknown, failures: number) => {
    stats.errors++;
    log.warn({ event: event("error"), where, error: (error as Error)?.message ?? String(error) }, "worker step failed");
    await sleep(Math.min(idleMs * 2 ** failures, 5_000));
  };

  const claimLane = async () => {
    let failures = 0;
    let idleRounds = 0;
    let busyRounds = 0;
    while (!signal.stopped) {
      try {
        const claim = await claimOne();
        failures = 0;
        if (claim.kind === "claimed") {
          stats.built++;
          // New work after a quiet spell: the sibling lanes idling on "nothing to do" look at once.
          if (idleRounds > 0) wakeLanes();
          idleRounds = 0;
          busyRounds = 0;
          await step.send(claim.batch);
          continue;
        }
        stats.idlePolls++;
        if (claim.kind === "busy") {
          // Work exists but the rail cannot take it now (every channel out): wait for it without waking anyone.
          idleRounds = 0;
          await sleep(backoff(busyRounds++));
        } else {
          busyRounds = 0;
          await idleSleep(backoff(idleRounds++));
        }
      } catch (error) {
        await failed("lane", error, ++failures);
      }
    }
  };

  const recovery = async () => {
    let failures = 0;
    let idleRounds = 0;
    let sweptAt = 0;
    while (!signal.stopped) {
      try {
        if (Date.now() - sweptAt >= COMPLETION_SWEEP_MS) {
          sweptAt = Date.now();
          await ctx.sweep();
        }
        const n = step.recover ? await step.recover() : 0;
        stats.reconciled += n;
        failures = 0;
        // Capped at half a second: a crashed worker's batches are looked at soon after its lease ends.
        if (n === 0) await sleep(Math.min(idleMs * 2 ** idleRounds++, 500));
        else {
          // Resolving frees the rail's resources and requeues payments: backed-off lanes look again at once.
          idleRounds = 0;
          wakeLanes();
        }
      } catch (error) {
        await failed("recovery", error, ++failures);
      }
    }
  };

  const chore = async (c: NonNullable<RailClaimStep["chores"]>[number]) => {
    await c.after?.catch(() => {});
    while (!signal.stopped) {
      try {
        await c.run();
      } catch (error) {
        stats.errors++;
        log.warn({ event: event("chore_failed"), chore: c.name, error: (error as Error)?.message }, "rail chore failed");
      }
      await sleep(c.everyMs);
    }
  };

  const loops = [...Array.from({ length: concurrency }, () => claimLane()), recovery(), ...(step.chores ?? []).map(chore)];
  log.info({ event: event("start"), rail: ctx.railType, concurrency, max_ops: step.maxPayments }, "claim lanes started");

  let stopped: Promise<void> | null = null;
  return {
    stats,
    railStats: () => step.stats?.() ?? {},
    stop() {
      stopped ??= (async () => {
        signal.stop();
        await Promise.allSettled(loops);
        log.info(
          {
            event: event("stop"),
            ...stats,
            claimMs: Math.round(stats.claimMs),
            claimMoveMs: Math.round(stats.claimMoveMs),
            ...(step.stats?.() ?? {}),
          },
          "worker stopped",
        );
      })();
      return stopped;
    },
  };
}
