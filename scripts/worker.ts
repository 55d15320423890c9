/**
 * `npm run worker`: one payment submission worker (server/stellar/engine). Any number may run
 * against one database. Without DATABASE_URL it joins the embedded PostgreSQL of `npm start`.
 * SIGTERM / Ctrl-C: stop claiming, let in-flight steps finish (bounded), exit. Whatever is left
 * open is resolved by its stored hash by the next worker.
 *
 * Environment: STELLAR_NETWORK, HORIZON_URL, CHANNEL_ACCOUNTS, WORKER_CONCURRENCY,
 * WORKER_MAX_OPS (ops per transaction, ≤ 100), WORKER_LEASE_MS, WORKER_IDLE_MS,
 * WORKER_ORG_IDS (comma-separated; default all), WORKER_SETUP=0 to skip account set-up.
 * Invitations: the worker also sends due receiver invitations every INVITATION_SCHEDULER_SECONDS
 * (default 10; 0 turns it off) over the transports chosen by MESSAGE_TRANSPORT / SMTP_URL / SMS_API_URL.
 * G2P Connect: the worker delivers signed callbacks, reports item status changes and starts due
 * envelopes (server/services/g2p/g2p-loops.ts); G2P_CALLBACKS=off, G2P_STATUS_REPORTS=off and
 * G2P_ENVELOPE_SCHEDULER=off turn each off; G2P_CALLBACK_TIMEOUT_MS, G2P_CALLBACK_MAX_ATTEMPTS,
 * G2P_CALLBACK_BACKOFF_MS tune delivery.
 */
import { createDb } from "../db/client";

process.env.LOG_SERVICE ||= "worker";

// Signals that arrive while the worker is still loading are honoured once it has loaded.
let pendingSignal: string | null = null;
let onSignal: (signal: string) => void = (signal) => {
  pendingSignal = signal;
};
process.on("SIGTERM", () => onSignal("SIGTERM"));
process.on("SIGINT", () => onSignal("SIGINT"));

function intFromEnv(name: string): number | undefined {
  const raw = process.env[name];
  if (!raw) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive whole number`);
  return n;
}

async function main() {
  const { logger } = await import("../server/log");
  const { stellarConfig } = await import("../server/stellar/network");
  const { setupAllOrganizations } = await import("../server/stellar/accounts");
  const { installLedgerBalanceProvider } = await import("../server/stellar/balance-provider");
  const { startWorker } = await import("../server/stellar/engine/run-worker");

  // The embedded-PostgreSQL helpers are loaded only when needed: that package installs its own
  // SIGTERM handler, which would cut the graceful stop short.
  let url = process.env.DATABASE_URL ?? "";
  if (!url || !process.env.ENCRYPTION_KEY) {
    const { ensureDatabase, ensureEncryptionKey } = await import("./lib/runtime-defaults");
    process.env.ENCRYPTION_KEY ||= ensureEncryptionKey();
    url ||= (await ensureDatabase(() => {})).url;
  }
  const config = stellarConfig();
  const { db, sql } = createDb(url, { max: Math.max(4, (intFromEnv("WORKER_CONCURRENCY") ?? config.channelAccounts) + 6) });
  installLedgerBalanceProvider(db, config);
  const orgIds = process.env.WORKER_ORG_IDS ? process.env.WORKER_ORG_IDS.split(",").map((s) => s.trim()).filter(Boolean) : null;

  let worker: ReturnType<typeof startWorker> | null = null;
  // Receiver invitations (server/services/messaging): transports from the environment, own loop.
  const { configureMessageTransportsFromEnv } = await import("../server/services/messaging/configure-transports");
  const { startInvitationScheduler } = await import("../server/services/messaging/invitation-scheduler");
  configureMessageTransportsFromEnv();
  let invitations: ReturnType<typeof startInvitationScheduler> | null = null;
  const { startG2pLoops, g2pLoopsOptionsFromEnv } = await import("../server/services/g2p/g2p-loops");
  let g2p: ReturnType<typeof startG2pLoops> | null = null;
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ event: "stellar.worker.signal", signal }, "stopping the worker");
    const grace = new Promise((r) => setTimeout(r, Number(process.env.WORKER_STOP_GRACE_MS || 10_000)).unref());
    await Promise.race([Promise.all([worker?.stop(), invitations?.stop(), g2p?.stop()]), grace]);
    await sql.end({ timeout: 5 }).catch(() => {});
    process.exit(0);
  };
  onSignal = (signal) => void shutdown(signal);
  if (pendingSignal) onSignal(pendingSignal);
  // G2P callbacks, status reports and envelope starts need no Stellar set-up: start them first.
  if (!stopping) g2p = startG2pLoops({ db, orgIds, ...g2pLoopsOptionsFromEnv() });

  if (process.env.WORKER_SETUP !== "0") {
    const reports = await setupAllOrganizations(db, config, logger);
    for (const r of reports.filter((r) => !r.funded)) {
      logger.warn({ event: "stellar.setup.fund_me", org_id: r.orgId, distribution: r.distribution }, `fund the distribution account ${r.distribution}`);
    }
  }
  if (stopping) return;
  worker = startWorker({
    db,
    config,
    log: logger,
    concurrency: intFromEnv("WORKER_CONCURRENCY"),
    maxOpsPerTx: intFromEnv("WORKER_MAX_OPS"),
    leaseMs: intFromEnv("WORKER_LEASE_MS"),
    idleMs: intFromEnv("WORKER_IDLE_MS"),
    orgIds,
    autoSetup: process.env.WORKER_SETUP !== "0",
  });
  if (process.env.INVITATION_SCHEDULER_SECONDS !== "0") {
    invitations = startInvitationScheduler({ db, everySeconds: intFromEnv("INVITATION_SCHEDULER_SECONDS"), orgIds });
  }
}

main().catch((error) => {
  process.stderr.write(`[worker] ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
