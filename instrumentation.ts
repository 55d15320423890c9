/** Runs once when a server process starts: refuse to run with an invalid environment. */
export async function register() {
  // NEXT_RUNTIME is Next.js' own variable (which runtime loads this file), not the app's configuration.
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { env } = await import("./server/env");
  const { logger } = await import("./server/log");
  try {
    const e = env();
    logger.info({ event: "server.start", network: e.STELLAR_NETWORK, appUrl: e.APP_URL }, "web server starting");
    // Stellar: start checks the distribution balance on the ledger once the engine is configured.
    const { engineConfigured, installLedgerBalanceProvider } = await import("./server/stellar/balance-provider");
    if (engineConfigured()) installLedgerBalanceProvider((await import("./db/client")).getDb);
    // Messages (OTP codes, staff resends) leave over the transports the environment chooses.
    (await import("./server/services/messaging/configure-transports")).configureMessageTransportsFromEnv();
  } catch (error) {
    logger.fatal({ event: "server.bad_env" }, (error as Error).message);
    throw error;
  }
}
