import type { Db } from "@/db/client";
import { logger } from "@/server/log";
import { outboundAllowList } from "@/server/net/address-policy";
import { callbackDeliveryConfig, deliverDueCallbacks } from "./deliver-callbacks";
import { startDueEnvelopes } from "./envelope-scheduler";
import { reportItemChanges } from "./report-item-changes";
import { createStopSignal } from "@/server/stop-signal";
import { configFrom, type ConfigSource } from "@/server/config";

/**
 * The worker's G2P loops: deliver due callbacks (every `callbackIdleMs` when idle, at once again
 * after a full batch), report item status changes (every `reportEveryMs`) and start due envelopes
 * (every `envelopeEveryMs`). Each can be turned off. Any number of workers may run them.
 */
export type G2pLoopsOptions = {
  db: Db;
  orgIds?: string[] | null;
  callbacks?: boolean;
  reports?: boolean;
  envelopes?: boolean;
  callbackIdleMs?: number;
  callbackBatch?: number;
  reportEveryMs?: number;
  envelopeEveryMs?: number;
  log?: Pick<typeof logger, "info" | "warn">;
};

export type G2pLoopsHandle = { stop(): Promise<void> };

/**
 * Options from the environment: G2P_CALLBACKS, G2P_STATUS_REPORTS, G2P_ENVELOPE_SCHEDULER (`off`
 * turns one off); G2P_CALLBACK_IDLE_MS (500), G2P_CALLBACK_BATCH (50), G2P_REPORT_EVERY_MS (1000),
 * G2P_ENVELOPE_EVERY_MS (5000).
 */
export function g2pLoopsOptionsFromEnv(env?: ConfigSource): Omit<G2pLoopsOptions, "db"> {
  const c = configFrom(env);
  return {
    callbacks: c.G2P_CALLBACKS,
    reports: c.G2P_STATUS_REPORTS,
    envelopes: c.G2P_ENVELOPE_SCHEDULER,
    callbackIdleMs: c.G2P_CALLBACK_IDLE_MS,
    callbackBatch: c.G2P_CALLBACK_BATCH,
    reportEveryMs: c.G2P_REPORT_EVERY_MS,
    envelopeEveryMs: c.G2P_ENVELOPE_EVERY_MS,
  };
}

export function startG2pLoops(options: G2pLoopsOptions): G2pLoopsHandle {
  const log = options.log ?? logger;
  const signal = createStopSignal();
  const sleep = (ms: number) => signal.sleep(ms);

  /** Run `step` until stopped; it returns true when more work is waiting (run again at once). */
  const loop = async (name: string, everyMs: number, step: () => Promise<boolean>) => {
    let failures = 0;
    while (!signal.stopped) {
      try {
        const more = await step();
        failures = 0;
        if (!more) await sleep(everyMs);
      } catch (error) {
        failures++;
        log.warn({ event: "g2p.loop.error", loop: name, error: (error as Error)?.message ?? String(error) }, "G2P loop step failed");
        await sleep(Math.min(everyMs * 2 ** failures, 30_000));
      }
    }
  };

  // A bad G2P_CALLBACK_* or OUTBOUND_ALLOW_HOSTS setting stops the worker at start rather than
  // failing every tick.
  if (options.callbacks !== false) {
    callbackDeliveryConfig();
    outboundAllowList();
  }
  const batch = options.callbackBatch ?? 50;
  const loops: Promise<void>[] = [];
  const running: string[] = [];
  if (options.callbacks !== false) {
    running.push("callbacks");
    loops.push(
      loop(
        "callbacks",
        options.callbackIdleMs ?? 500,
        async () => (await deliverDueCallbacks(options.db, { limit: batch, orgIds: options.orgIds, log })).claimed >= batch,
      ),
    );
  }
  if (options.reports !== false) {
    running.push("reports");
    loops.push(
      loop("reports", options.reportEveryMs ?? 1_000, async () => {
        const limit = 10_000;
        return (await reportItemChanges(options.db, { orgIds: options.orgIds, limit, log })).items >= limit;
      }),
    );
  }
  if (options.envelopes !== false) {
    running.push("envelopes");
    loops.push(
      loop("envelopes", options.envelopeEveryMs ?? 5_000, async () => {
        await startDueEnvelopes(options.db, { orgIds: options.orgIds, log });
        return false;
      }),
    );
  }
  log.info({ event: "g2p.loops.start", loops: running }, "G2P loops started");

  let stopped: Promise<void> | null = null;
  return {
    stop() {
      stopped ??= (async () => {
        signal.stop();
        await Promise.allSettled(loops);
        log.info({ event: "g2p.loops.stop" }, "G2P loops stopped");
      })();
      return stopped;
    },
  };
}
