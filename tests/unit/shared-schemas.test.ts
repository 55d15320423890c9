import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { headerProblems, templateHeader } from "@/components/disbursements/csv";
import { envelopeDraftErrors } from "@/components/disbursements/envelope";
import { REGISTRATION_CONTACT_TYPES } from "@/server/domain/disbursement-types";
import { APPROVAL_REQUIRED_MESSAGE, disbursementActions } from "@/server/domain/disbursement-actions";
import { COLUMN_RULES, CSV_COLUMNS } from "@/server/domain/csv-instructions";
import { createDisbursementInput, MAX_DECLARED_COUNT } from "@/server/schemas/disbursements.schema";

/**
 * Shared input schemas (docs/architecture.md, "Where new work goes"): the files under server/schemas
 * are imported by the browser forms, so they (and everything they import, followed through the
 * repository) must not reach the database, the services or Node-only modules; and the browser reads
 * its rules from them instead of keeping copies.
 */

const ROOT = resolve(__dirname, "../..");
const SCHEMA_DIR = join(ROOT, "server/schemas");

/** Module specifiers a browser bundle must never pull in. */
const FORBIDDEN = [/^@\/db(\/|$)/, /^drizzle-orm(\/|$)/, /^postgres$/, /^@\/server\/services(\/|$)/, /^node:/, /^@\/server\/config(\/|$)/, /^server-only$/];

function filesUnder(dir: string, match: (name: string) => boolean): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return filesUnder(path, match);
    return match(name) ? [path] : [];
  });
}

/** Every `import … from "x"` / `export … from "x"` / `import("x")` specifier of a source text. */
function specifiers(source: string): string[] {
  const out: string[] = [];
  const patterns = [/^\s*(?:import|export)\b[^'"]*?\bfrom\s*["']([^"']+)["']/gm, /^\s*import\s*["']([^"']+)["']/gm, /\bimport\(\s*["']([^"']+)["']\s*\)/g];
  for (const re of patterns) for (const m of source.matchAll(re)) out.push(m[1]!);
  return out;
}

/** The repository file an `@/…` or relative specifier names; null for a package. */
function resolveLocal(spec: string, from: string): string | null {
  const base = spec.startsWith("@/") ? join(ROOT, spec.slice(2)) : spec.startsWith(".") ? resolve(dirname(from), spec) : null;
  if (base === null) return null;
  for (const candidate of [base, `${base}.ts`, `${base}.tsx`, join(base, "index.ts")]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  throw new Error(`${relative(ROOT, from)} imports ${spec}, which does not resolve to a file`);
}

/** Forbidden specifiers reachable from a file, each with the chain of files that leads to it. */
function forbiddenReach(entry: string): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  const walk = (file: string, chain: string[]) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const spec of specifiers(readFileSync(file, "utf8"))) {
      const via = [...chain, relative(ROOT, file)];
      if (FORBIDDEN.some((re) => re.test(spec))) problems.push(`${via.join(" → ")} → ${spec}`);
      const local = resolveLocal(spec, file);
      if (local) walk(local, via);
    }
  };
  walk(entry, []);
  return problems;
}

describe("server/schemas: files the browser may import", () => {
  const schemaFiles = filesUnder(SCHEMA_DIR, (n) => n.endsWith(".schema.ts"));

  it("holds a schema file for each shared area", () => {
    const names = schemaFiles.map((f) => relative(SCHEMA_DIR, f)).sort();
    for (const area of [
      "api-keys",
      "auth",
      "catalog",
      "csv",
      "disbursements",
      "integrations",
      "messages",
      "organization",
      "pagination",
      "payments",
      "receivers",
      "team",
    ]) {
      expect(names).toContain(`${area}.schema.ts`);
    }
  });

  it("has only *.schema.ts files, so the convention is the folder's whole content", () => {
    expect(
      filesUnder(SCHEMA_DIR, () => true)
        .filter((f) => !f.endsWith(".schema.ts"))
        .map((f) => relative(ROOT, f)),
    ).toEqual([]);
  });

  it.each(schemaFiles.map((f) => [relative(ROOT, f), f] as const))(
    "%s imports no database, service, config or node: module (directly or through what it imports)",
    (_name, file) => {
      expect(forbiddenReach(file)).toEqual([]);
    },
  );

  it("the checker sees a forbidden import (so the test above cannot pass vacuously)", () => {
    expect(specifiers('import { eq } from "drizzle-orm";\nimport type { X } from "@/server/services/a";\nexport { y } from "node:fs";')).toEqual([
      "drizzle-orm",
      "@/server/services/a",
      "node:fs",
    ]);
    // A service file reaches the database.
    expect(forbiddenReach(join(ROOT, "server/services/team/change-role.ts")).length).toBeGreaterThan(0);
  });
});

describe("components/ and the services take input schemas from server/schemas", () => {
  const componentFiles = filesUnder(join(ROOT, "components"), (n) => /\.(ts|tsx)$/.test(n));

  it("imports no …Input from @/server/services", () => {
    const offenders: string[] = [];
    for (const file of componentFiles) {
      const source = readFileSync(file, "utf8");
      for (const m of source.matchAll(/import\s+(?:type\s+)?\{([^}]*)\}\s*from\s*["'](@\/server\/services\/[^"']+)["']/g)) {
        const names = m[1]!.split(",").map((n) =>
          n
            .replace(/^\s*type\s+/, "")
            .split(/\s+as\s+/)[0]!
            .trim(),
        );
        for (const n of names.filter((x) => /Input$/.test(x))) offenders.push(`${relative(ROOT, file)}: ${n} from ${m[2]}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it("services declare no input schema of their own: they import (or extend) the shared one", () => {
    // The sender registration's URL and key checks need the address policy and Ed25519 parsing (server only).
    const allowed = new Set(["server/services/integrations/sender-input.ts"]);
    const offenders = filesUnder(join(ROOT, "server/services"), (n) => n.endsWith(".ts"))
      .filter((f) => !allowed.has(relative(ROOT, f)))
      .flatMap((f) => [...readFileSync(f, "utf8").matchAll(/^export const (\w+(?:Input|Query)) = z\./gm)].map((m) => `${relative(ROOT, f)}: ${m[1]}`));
    expect(offenders).toEqual([]);
  });

  it("declares no zod object of its own", () => {
    const offenders = componentFiles.filter((f) => /\bz\.object\(/.test(readFileSync(f, "utf8"))).map((f) => relative(ROOT, f));
    expect(offenders).toEqual([]);
  });
});

describe("the browser's rules are the server's", () => {
  it("the CSV template and header check follow the server's columns for every contact type", () => {
    for (const type of REGISTRATION_CONTACT_TYPES) {
      const header = templateHeader(type);
      const rules = COLUMN_RULES[type];
      expect(header.slice(0, rules.required.length)).toEqual([...rules.required]);
      expect(header.filter((c) => (rules.notAllowed as readonly string[]).includes(c))).toEqual([]);
      // Every known column is either in the template or refused for this type.
      expect([...header, ...rules.notAllowed].sort()).toEqual([...CSV_COLUMNS].sort());
      expect(headerProblems(type, header)).toEqual([]);
      for (const refused of rules.notAllowed) expect(headerProblems(type, [...header, refused]).join(" ")).toContain(refused);
      for (const required of rules.required) {
        expect(
          headerProblems(
            type,
            header.filter((c) => c !== required),
          ),
        ).toEqual([`Missing column: ${required}.`]);
      }
    }
    // Case-insensitive, as the server matches names.
    expect(headerProblems("PHONE_NUMBER", ["PHONE", "Id", "AMOUNT", "verification"])).toEqual([]);
  });

  it("the envelope form refuses exactly the counts the server refuses", () => {
    const base = { name: "n", wallet_id: crypto.randomUUID(), asset_id: crypto.randomUUID(), registration_contact_type: "EMAIL", verification_field: "PIN" } as const;
    const draft = (count: number) => envelopeDraftErrors({ count: String(count), total: "", scheduledLocal: "" }, "UTC").declared_count;
    expect(draft(MAX_DECLARED_COUNT)).toBeUndefined();
    expect(createDisbursementInput.safeParse({ ...base, declared_count: MAX_DECLARED_COUNT }).success).toBe(true);
    expect(draft(MAX_DECLARED_COUNT + 1)).toBeDefined();
    expect(createDisbursementInput.safeParse({ ...base, declared_count: MAX_DECLARED_COUNT + 1 }).success).toBe(false);
  });

  it("the two-person rule has one wording, used by the actions (and so the UI) and the service", () => {
    const { startBlockedReason } = disbursementActions({
      status: "READY",
      statusHistory: [{ user_id: "u1", status: "DRAFT", timestamp: new Date().toISOString() }],
      role: "owner",
      userId: "u1",
      approvalRequired: true,
    });
    expect(startBlockedReason).toBe(APPROVAL_REQUIRED_MESSAGE);
    for (const file of ["server/services/disbursements/change-disbursement-status.ts", "components/disbursements/disbursement-detail.tsx"]) {
      const source = readFileSync(join(ROOT, file), "utf8");
      expect(source, file).toContain("APPROVAL_REQUIRED_MESSAGE");
      expect(source, file).not.toMatch(/["'`]Approval is required/);
    }
  });
});
