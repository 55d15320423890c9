/**
 * `npm run docs:config`: write docs/configuration.md from server/config/schema.ts.
 * `npm run docs:config -- --check`: exit 1 when the committed file differs (tests/unit/config.test.ts
 * runs the same comparison inside `npm test`).
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { renderConfigDocs } from "./lib/config-docs";

const file = path.resolve(import.meta.dirname, "..", "docs", "configuration.md");
const wanted = renderConfigDocs();

if (process.argv.includes("--check")) {
  let current = "";
  try {
    current = readFileSync(file, "utf8");
  } catch {
    // missing: reported below
  }
  if (current !== wanted) {
    process.stderr.write("docs/configuration.md is out of date: run `npm run docs:config` and commit the result.\n");
    process.exit(1);
  }
  process.stdout.write("docs/configuration.md is current.\n");
} else {
  writeFileSync(file, wanted);
  process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`);
}
