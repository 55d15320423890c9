import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { ALL_PERMISSIONS, PERMISSIONS } from "@/server/domain/permissions";
import { ROLES } from "@/server/domain/roles";
import { DISBURSEMENT_TRANSITIONS, PAYMENT_TRANSITIONS, RECEIVER_WALLET_TRANSITIONS } from "@/server/domain/state-machines";

/**
 * The project explains itself (docs/architecture.md, docs/domain.md): code cites only files inside
 * the repository, every docs/… page (and #section) it cites exists, and the tables of docs/domain.md
 * say what the code does.
 */
const ROOT = path.resolve(import.meta.dirname, "../..");
const SOURCE_DIRS = ["server", "app", "components", "db", "scripts", "tests", "e2e", "lib", "types"];
const ROOT_FILES = ["proxy.ts", "instrumentation.ts", "instrumentation-client.ts", "next.config.ts", "playwright.config.ts", "vitest.config.ts", "drizzle.config.ts"];
const SOURCE_EXT = /\.(ts|tsx|mts|cts|js|mjs|cjs)$/;
const THIS_FILE = path.relative(ROOT, import.meta.filename);

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name.startsWith(".")) continue;
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) walk(full, out);
    else if (SOURCE_EXT.test(name)) out.push(full);
  }
  return out;
}

const files = [
  ...SOURCE_DIRS.filter((d) => existsSync(path.join(ROOT, d))).flatMap((d) => walk(path.join(ROOT, d))),
  ...ROOT_FILES.map((f) => path.join(ROOT, f)).filter((f) => existsSync(f)),
].filter((f) => path.relative(ROOT, f) !== THIS_FILE);

/** Markdown files under docs/, relative to the root. */
function walkDocs(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return walkDocs(full);
    return name.endsWith(".md") ? [path.relative(ROOT, full)] : [];
  });
}

type Comment = { file: string; line: number; text: string };

/** Every comment of a source file (JSX `{/* … *\/}` included), with the line it starts on. */
function commentsOf(file: string): Comment[] {
  const text = readFileSync(file, "utf8");
  const kind = file.endsWith(".tsx") ? ts.ScriptKind.TSX : file.endsWith(".ts") ? ts.ScriptKind.TS : ts.ScriptKind.JS;
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, kind);
  const seen = new Set<number>();
  const comments: Comment[] = [];
  const take = (ranges: ts.CommentRange[] | undefined) => {
    for (const r of ranges ?? []) {
      if (seen.has(r.pos)) continue;
      seen.add(r.pos);
      comments.push({ file: path.relative(ROOT, file), line: source.getLineAndCharacterOfPosition(r.pos).line + 1, text: text.slice(r.pos, r.end) });
    }
  };
  const visit = (node: ts.Node) => {
    take(ts.getLeadingCommentRanges(text, node.pos));
    take(ts.getTrailingCommentRanges(text, node.end));
    for (const child of node.getChildren(source)) visit(child);
  };
  visit(source);
  return comments;
}

const comments = files.flatMap(commentsOf);
const sources = files.map((f) => ({ file: path.relative(ROOT, f), text: readFileSync(f, "utf8") }));
const where = (c: { file: string; line: number }) => `${c.file}:${c.line}`;
const lineOf = (text: string, index: number) => text.slice(0, index).split("\n").length;

// Built from parts so this file does not cite what it forbids.
const OUTSIDE_GUIDE = new RegExp(["GUIDE", "\\.md"].join(""), "i");
/** Paths that only exist outside this repository (the guide's seed files, a sibling shared folder, a machine's home). */
const OUTSIDE_PATHS = [/(^|[\s(`'"])seeds\/\d/, /\.\.\/shared\b/, /(^|[\s(`'"])\/(work|home|Users|root|tmp)\/[\w.-]+/];

describe("comments cite only files inside the repository", () => {
  it("scans the source folders", () => {
    // A broken walk would make every check below pass vacuously.
    expect(files.length).toBeGreaterThan(100);
    expect(comments.length).toBeGreaterThan(500);
  });

  it("no code or doc cites the outside guide", () => {
    const docs = ["README.md", ...walkDocs(path.join(ROOT, "docs"))].map((f) => ({ file: f, text: readFileSync(path.join(ROOT, f), "utf8") }));
    const hits = [...sources, ...docs].flatMap((s) => {
      const m = OUTSIDE_GUIDE.exec(s.text);
      return m ? [`${s.file}:${lineOf(s.text, m.index)}`] : [];
    });
    expect(hits).toEqual([]);
  });

  it("no comment names a path outside the repository", () => {
    const hits = comments.flatMap((c) => (OUTSIDE_PATHS.some((p) => p.test(c.text)) ? [`${where(c)}: ${c.text.slice(0, 120)}`] : []));
    expect(hits).toEqual([]);
  });

  it("every relative path in a comment stays inside the repository", () => {
    const hits = comments.flatMap((c) =>
      [...c.text.matchAll(/(?:\.\.\/)+[\w@.-][\w@./-]*/g)].flatMap((m) => {
        const resolved = path.resolve(ROOT, path.dirname(c.file), m[0]);
        return resolved === ROOT || resolved.startsWith(ROOT + path.sep) ? [] : [`${where(c)}: ${m[0]}`];
      }),
    );
    expect(hits).toEqual([]);
  });
});

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  for (const m of markdown.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    anchors.add(
      (m[1] ?? "")
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, "")
        .replace(/\s/g, "-"),
    );
  }
  return anchors;
}

describe("cited docs exist", () => {
  const cited = sources.flatMap((s) =>
    [...s.text.matchAll(/\bdocs\/[\w./-]*?\.md(?:#[\w-]+)?/g)].map((m) => ({ file: s.file, line: lineOf(s.text, m.index), ref: m[0] })),
  );

  it("finds citations of docs/domain.md and docs/security.md", () => {
    expect(cited.some((c) => c.ref.startsWith("docs/domain.md"))).toBe(true);
    expect(cited.some((c) => c.ref.startsWith("docs/security.md"))).toBe(true);
  });

  it("every cited docs/….md page and #section exists", () => {
    const missing = cited.flatMap((c) => {
      const [page = "", anchor] = c.ref.split("#");
      const full = path.join(ROOT, page);
      if (!existsSync(full)) return [`${where(c)}: ${page} does not exist`];
      if (anchor && !anchorsOf(readFileSync(full, "utf8")).has(anchor)) return [`${where(c)}: ${page} has no section #${anchor}`];
      return [];
    });
    expect(missing).toEqual([]);
  });
});

describe("docs/architecture.md and docs/domain.md match the code", () => {
  const domain = readFileSync(path.join(ROOT, "docs/domain.md"), "utf8");

  /** The table rows (cells trimmed) of the section under `heading`, header and divider dropped. */
  function tableRows(heading: string): string[][] {
    const start = domain.indexOf(`\n${heading}\n`);
    expect(start, `docs/domain.md has the heading "${heading}"`).toBeGreaterThanOrEqual(0);
    const rest = domain.slice(start + heading.length + 2);
    const end = rest.search(/\n#{1,6} /);
    const rows = (end < 0 ? rest : rest.slice(0, end))
      .split("\n")
      .filter((l) => l.startsWith("|"))
      .map((l) =>
        l
          .slice(1, l.lastIndexOf("|"))
          .split("|")
          .map((c) => c.trim()),
      );
    return rows.slice(2);
  }

  it.each(["docs/architecture.md", "docs/domain.md"])("every file %s names exists", (doc) => {
    const text = readFileSync(path.join(ROOT, doc), "utf8");
    // Markdown links relative to the page, and `code` spans that look like repository paths.
    const links = [...text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)]
      .map((m) => m[1] ?? "")
      .filter((l) => !/^[a-z]+:/.test(l))
      .map((l) => path.relative(ROOT, path.resolve(ROOT, path.dirname(doc), l)));
    const spans = [...text.matchAll(/`((?:server|app|components|db|scripts|tests|e2e|lib|docs)\/[^`\s*<>…]+|proxy\.ts)`/g)]
      .map((m) => (m[1] ?? "").replace(/\/$/, ""))
      .filter((p) => !p.includes("**"));
    expect(spans.length).toBeGreaterThan(10);
    const missing = [...new Set([...links, ...spans])].filter((p) => !existsSync(path.join(ROOT, p)));
    expect(missing).toEqual([]);
  });

  it("the permission table is PERMISSIONS, roles in ROLES order", () => {
    const section = domain.slice(domain.indexOf("## Roles and permissions"));
    const header = section.split("\n").find((l) => l.startsWith("| action |")) ?? "";
    expect(ROLES.every((r) => header.includes(`\`${r}\``))).toBe(true);
    const table = Object.fromEntries(
      tableRows("## Roles and permissions").map(([, permission = "", ...marks]) => [permission.replaceAll("`", ""), ROLES.filter((_, i) => marks[i] === "✓")]),
    );
    expect(Object.keys(table).sort()).toEqual([...ALL_PERMISSIONS].sort());
    for (const p of ALL_PERMISSIONS) expect(table[p], p).toEqual([...PERMISSIONS[p]]);
  });

  it.each([
    ["### Disbursement", DISBURSEMENT_TRANSITIONS],
    ["### Payment", PAYMENT_TRANSITIONS],
    ["### Receiver wallet", RECEIVER_WALLET_TRANSITIONS],
  ] as const)("the %s transitions are the code's", (heading, transitions: Record<string, readonly string[]>) => {
    const split = (cell: string) =>
      cell
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s !== "" && s !== "—");
    const documented = new Set<string>();
    const listed = new Set<string>();
    for (const [from = "", to = ""] of tableRows(heading)) {
      for (const f of split(from)) {
        listed.add(f);
        for (const t of split(to)) documented.add(`${f} → ${t}`);
      }
    }
    const actual = Object.entries(transitions).flatMap(([from, tos]) => tos.map((to) => `${from} → ${to}`));
    expect([...documented].sort()).toEqual(actual.sort());
    expect([...listed].sort()).toEqual(Object.keys(transitions).sort());
  });
});
