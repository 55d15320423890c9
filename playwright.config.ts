import { existsSync } from "node:fs";
import path from "node:path";
import { chromium, defineConfig, devices } from "@playwright/test";

/**
 * End-to-end tests in real Chromium against a production build started by the same launcher
 * users run (`scripts/start.ts`), on its own embedded PostgreSQL under .test-data/ (or
 * E2E_DATABASE_URL). `npm test` sets the ports; the defaults work for `npx playwright test`.
 */
const port = Number(process.env.E2E_PORT || 3100);
const baseURL = `http://127.0.0.1:${port}`;

/** Playwright's own Chromium when installed, else a system one (CHROMIUM_PATH or Debian's). */
function systemChromium(): string | undefined {
  const named = process.env.CHROMIUM_PATH || process.env.PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH;
  if (named) return named;
  try {
    if (existsSync(chromium.executablePath())) return undefined;
  } catch {
    // no Playwright browser installed
  }
  return ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => existsSync(p));
}

const executablePath = systemChromium();

export default defineConfig({
  testDir: "e2e",
  fullyParallel: false,
  workers: 1,
  forbidOnly: !!process.env.CI,
  retries: 0,
  // Generous for a loaded 2-core machine (several times slower than an idle one): a deadline only
  // decides how long a broken test takes to fail. Specs that need longer call test.setTimeout.
  timeout: 180_000,
  expect: { timeout: 30_000 },
  reporter: [["list"], ["json", { outputFile: "test-results/e2e-results.json" }]],
  use: {
    baseURL,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    actionTimeout: 60_000,
    navigationTimeout: 120_000,
    launchOptions: executablePath
      ? {
          executablePath,
          // As root a system Chromium needs --no-sandbox; with no internet these keep it quiet.
          args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        }
      : undefined,
  },
  projects: [{ name: "chromium", use: { ...devices["Desktop Chrome"] } }],
  webServer: {
    command: `${JSON.stringify(process.execPath)} ${JSON.stringify(path.join("node_modules", "tsx", "dist", "cli.mjs"))} scripts/start.ts`,
    url: `${baseURL}/api/health`,
    timeout: 900_000,
    reuseExistingServer: false,
    stdout: "pipe",
    stderr: "pipe",
    env: {
      PORT: String(port),
      APP_URL: baseURL,
      NEXTAUTH_URL: baseURL,
      NEXT_DIST_DIR: process.env.E2E_DIST_DIR || ".next-test",
      NEXT_TELEMETRY_DISABLED: "1",
      DATA_DIR: process.env.E2E_DATA_DIR || ".test-data/e2e",
      EMBEDDED_PG_PORT: process.env.E2E_PG_PORT || "54339",
      // The local Stellar ledger scripts/start.ts runs beside the app (e2e/payments.spec.ts talks to it too).
      LEDGER_PORT: process.env.E2E_LEDGER_PORT || "8100",
      // The example bank scripts/start.ts runs for the demo organization (e2e/bank-payments.spec.ts pays through it).
      EXAMPLE_BANK_PORT: process.env.E2E_BANK_PORT || "8500",
      ...(process.env.E2E_DATABASE_URL ? { DATABASE_URL: process.env.E2E_DATABASE_URL } : { DATABASE_URL: "" }),
      LOG_LEVEL: "warn",
      // e2e/g2p.spec.ts registers a G2P sender on 127.0.0.1 (random port): the outbound guard refuses
      // loopback callbacks unless the host is listed.
      OUTBOUND_ALLOW_HOSTS: "127.0.0.1",
    },
  },
});
