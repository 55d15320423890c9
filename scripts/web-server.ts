/**
 * The web server process the launcher (scripts/start.ts) runs: Next.js behind a small Node HTTP
 * server that sets X-Forwarded-For to the real client address (server/http/web-server.ts).
 * `--dev` serves the development build. Stops on SIGTERM / SIGINT after in-flight requests end.
 * Environment: PORT (3000), TRUSTED_PROXY_HOPS (0), and what the app itself reads.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { config } from "../server/config";
import { startWebServer, type WebServer } from "../server/http/web-server";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dev = process.argv.includes("--dev");
const { PORT: port, TRUSTED_PROXY_HOPS: hops } = config();

let web: WebServer | null = null;
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await Promise.race([web?.close(), new Promise((r) => setTimeout(r, 8_000))]);
  process.exit(0);
};
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());

startWebServer({ dev, dir: ROOT, port, hops })
  .then((w) => {
    web = w;
    if (stopping) void w.close().then(() => process.exit(0));
    process.stdout.write(`[web] listening on port ${port}${dev ? " (development)" : ""}\n`);
  })
  .catch((error: unknown) => {
    process.stderr.write(`[web] ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
