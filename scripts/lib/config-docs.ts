import { CONFIG_GROUPS, CONFIG_NAMES, CONFIG_VARIABLES, shownDefault } from "../../server/config/schema";

/** docs/configuration.md, rendered from the declaration in server/config/schema.ts. */
export function renderConfigDocs(): string {
  const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");
  const lines = [
    "# Configuration",
    "",
    "<!-- Generated from server/config/schema.ts by `npm run docs:config`; edit the declaration, not this file. -->",
    "",
    `Every environment variable the web server, the worker, the launcher (\`npm start\`), the CLI, the local ledger and the benchmarks read: ${CONFIG_NAMES.length} in all, declared once in \`server/config/schema.ts\` and read through \`config()\` (\`server/config/index.ts\`).`,
    "",
    "- A wrong value stops start-up with one message that names every wrong variable and its rule, for example `CSV_MAX_ROWS must be a positive whole number`: the launcher, the worker and the CLI check the environment before anything else, and the web server again when it starts.",
    "- An empty value counts as unset and takes the default.",
    "- `npm start` needs nothing set: without DATABASE_URL it runs an embedded PostgreSQL, and it generates AUTH_SECRET and ENCRYPTION_KEY once under DATA_DIR. Keep that folder (or set both secrets): losing ENCRYPTION_KEY loses the encrypted Stellar secrets.",
    "- Next.js' own variables (NODE_ENV as Next.js sets it, NEXT_RUNTIME) and the variables only test files read (E2E_*, STELLAR_ENGINE_*) are not part of this list.",
    "",
  ];
  for (const group of CONFIG_GROUPS) {
    const names = CONFIG_NAMES.filter((name) => CONFIG_VARIABLES[name].group === group);
    if (!names.length) continue;
    lines.push(`## ${group}`, "", "| Variable | Default | Meaning |", "| --- | --- | --- |");
    for (const name of names) {
      lines.push(`| \`${name}\` | ${cell(shownDefault(name) ?? "unset")} | ${cell(CONFIG_VARIABLES[name].meaning)} |`);
    }
    lines.push("");
  }
  return lines.join("\n");
}
