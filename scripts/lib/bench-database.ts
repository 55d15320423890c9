import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort, startEmbeddedPostgres } from "./embedded-postgres";
import { config } from "../../server/config";

/**
 * The database a benchmark runs against: BENCH_DATABASE_URL, else a throw-away embedded cluster
 * (fsync on, like a real server) in a temporary folder. `stop()` removes what it started.
 */
export async function benchDatabase(prefix: string): Promise<{ url: string; external: boolean; stop: () => Promise<void> }> {
  const given = config().BENCH_DATABASE_URL;
  if (given) return { url: given, external: true, stop: async () => {} };
  const tempDir = mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  if (process.getuid?.() === 0) chmodSync(tempDir, 0o755);
  console.log("starting embedded PostgreSQL ...");
  const embedded = await startEmbeddedPostgres({ dir: tempDir, port: await freePort(), database: "bench", fast: false });
  return {
    url: embedded.url,
    external: false,
    stop: async () => {
      await embedded.stop();
      rmSync(tempDir, { recursive: true, force: true });
    },
  };
}
