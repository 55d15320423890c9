/**
 * CPU profiles of the web server under load, for `npm run bench:pages -- --profile`
 * (docs/performance/pages.md, "Where a request's CPU goes"). The web server process is found among
 * the app launcher's descendants, its inspector is opened with SIGUSR1 on the port the launcher gave
 * it (`--inspect-port` in NODE_OPTIONS; opening it is all SIGUSR1 does), and V8's sampling profiler
 * runs over one endpoint's measured load. The summary maps every sample through the build's source
 * maps to the original file (app code, or the npm package it belongs to), so "self time per request"
 * can be read per function and per package even though the production build is minified.
 */
import { readdirSync, readFileSync, existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { originalPositionFor, TraceMap } from "@jridgewell/trace-mapping";

/** The pid of the first descendant of `rootPid` whose command line contains `needle`, or null. */
export function findDescendant(rootPid: number, needle: string): number | null {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // the process ended meanwhile
    }
  }
  const queue = [...(children.get(rootPid) ?? [])];
  while (queue.length) {
    const pid = queue.shift()!;
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(needle)) return pid;
    } catch {
      continue;
    }
    queue.push(...(children.get(pid) ?? []));
  }
  return null;
}

/** CPU time the process has used so far (user + system, every thread), in ms, from /proc. */
export function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // utime and stime are fields 14 and 15 of /proc/<pid>/stat, in clock ticks (100 per second on Linux).
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

type CdpProfile = {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }; children?: number[] }[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
};

export type Profiler = { start: () => Promise<void>; stop: () => Promise<CdpProfile>; close: () => void };

/** Opens the inspector of `pid` (SIGUSR1) on `port` and returns a sampling profiler session. */
export async function attachProfiler(pid: number, port: number, samplingMicros = 500): Promise<Profiler> {
  process.kill(pid, "SIGUSR1");
  let wsUrl: string | undefined;
  for (let i = 0; i < 100 && !wsUrl; i++) {
    wsUrl = await fetch(`http://127.0.0.1:${port}/json/list`)
      .then((r) => r.json() as Promise<{ webSocketDebuggerUrl: string }[]>)
      .then((list) => list[0]?.webSocketDebuggerUrl)
      .catch(() => undefined);
    if (!wsUrl) await new Promise((r) => setTimeout(r, 100));
  }
  if (!wsUrl) throw new Error(`the inspector of process ${pid} did not open on port ${port}`);
  const ws = new WebSocket(wsUrl);
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onerror = () => reject(new Error(`could not connect to ${wsUrl}`));
  });
  let nextId = 1;
  const pending = new Map<number, (result: unknown) => void>();
  ws.onmessage = (event) => {
    const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown };
    if (message.id !== undefined) pending.get(message.id)?.(message.result);
  };
  const send = <T>(method: string, params: object = {}) =>
    new Promise<T>((resolve) => {
      const id = nextId++;
      pending.set(id, resolve as (r: unknown) => void);
      ws.send(JSON.stringify({ id, method, params }));
    });
  await send("Profiler.enable");
  await send("Profiler.setSamplingInterval", { interval: samplingMicros });
  return {
    start: async () => void (await send("Profiler.start")),
    stop: async () => (await send<{ profile: CdpProfile }>("Profiler.stop")).profile,
    close: () => ws.close(),
  };
}

const maps = new Map<string, TraceMap | null>();

function traceMap(file: string): TraceMap | null {
  if (!maps.has(file)) {
    let map: TraceMap | null = null;
    try {
      if (existsSync(`${file}.map`)) map = new TraceMap(readFileSync(`${file}.map`, "utf8"), file);
    } catch {
      map = null;
    }
    maps.set(file, map);
  }
  return maps.get(file)!;
}

/** "react-dom", "next", "@trpc/server", "app: server/auth/session.ts", "node: internal/…", "(garbage collector)". */
function ownerOf(source: string): string {
  const clean = decodeURIComponent(source)
    .replace(/^.*\[project\]\//, "")
    .replace(/^webpack:\/\/\/?/, "")
    .replace(/^file:\/\//, "");
  const nm = clean.lastIndexOf("node_modules/");
  if (nm >= 0) {
    const rest = clean.slice(nm + "node_modules/".length).split("/");
    const pkg = rest[0]!.startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]!;
    // Packages whose own maps point at their TypeScript sources lose their name (drizzle-orm mostly).
    if (pkg === "src") return "node_modules/src (drizzle-orm; a few next)";
    // Next.js's prebuilt runtimes carry React and friends inside; their maps name them.
    if (pkg === "next" && /compiled\/(react[^/]*|scheduler)\//.test(clean)) return clean.match(/compiled\/([^/]+)\//)![1]!;
    return pkg;
  }
  if (clean.startsWith("node:") || clean.startsWith("internal/") || !clean.includes("/")) return `node: ${clean || "(native)"}`;
  if (clean.includes("/src/compiled/")) return clean.match(/src\/compiled\/([^/]+)\//)?.[1] ?? "next";
  if (clean.includes("/next/src/") || clean.startsWith("src/") || clean.includes("next/dist/")) return "next";
  return `app: ${clean}`;
}

export type ProfileSummary = {
  /** CPU time the JS thread was busy (not idle), ms. */
  busyMs: number;
  totalMs: number;
  byOwner: { owner: string; ms: number }[];
  byFunction: { name: string; owner: string; ms: number }[];
};

/** Self time per original source and function, through the build's source maps. */
export function summariseProfile(profile: CdpProfile): ProfileSummary {
  const self = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const node = profile.samples[i]!;
    self.set(node, (self.get(node) ?? 0) + (profile.timeDeltas[i + 1] ?? 0) / 1000);
  }
  const byOwner = new Map<string, number>();
  const byFunction = new Map<string, { name: string; owner: string; ms: number }>();
  let busy = 0;
  let total = 0;
  for (const node of profile.nodes) {
    const ms = self.get(node.id) ?? 0;
    if (ms === 0) continue;
    total += ms;
    const { functionName, url, lineNumber, columnNumber } = node.callFrame;
    if (functionName === "(idle)") continue;
    busy += ms;
    let owner: string;
    let name = functionName || "(anonymous)";
    if (!url) owner = functionName.startsWith("(") ? functionName : "node: (native)";
    else {
      const file = url.startsWith("file://") ? fileURLToPath(url) : url;
      const map = file.startsWith("/") ? traceMap(file) : null;
      const pos = map ? originalPositionFor(map, { line: lineNumber + 1, column: Math.max(0, columnNumber) }) : null;
      if (pos?.source) {
        owner = ownerOf(pos.source);
        name = `${pos.name ?? name} (${path.basename(pos.source)}:${pos.line})`;
      } else {
        owner = ownerOf(file);
        name = `${name} (${path.basename(file)}:${lineNumber + 1})`;
      }
    }
    byOwner.set(owner, (byOwner.get(owner) ?? 0) + ms);
    const key = `${owner}|${name}`;
    const f = byFunction.get(key) ?? { name, owner, ms: 0 };
    f.ms += ms;
    byFunction.set(key, f);
  }
  return {
    busyMs: busy,
    totalMs: total,
    byOwner: [...byOwner].map(([owner, ms]) => ({ owner, ms })).sort((a, b) => b.ms - a.ms),
    byFunction: [...byFunction.values()].sort((a, b) => b.ms - a.ms),
  };
}

/**
 * Lines for the console: the process's CPU time per request, then the top owners and functions.
 * On a shared machine the sampled time includes moments the process waited for a core, so each
 * function's share of the samples is applied to the CPU time the process really used (/proc).
 */
export function formatSummary(summary: ProfileSummary, requests: number, cpuMs: number | null = null, top = 15): string[] {
  const scale = cpuMs !== null && summary.busyMs > 0 ? cpuMs / summary.busyMs : 1;
  const per = (ms: number) => `${(((ms * scale) / Math.max(1, requests)) * 1000).toFixed(0).padStart(6)} µs`;
  const lines = [
    cpuMs !== null
      ? `web server CPU ${cpuMs.toFixed(0)} ms for ${requests} requests: ${((cpuMs / Math.max(1, requests)) * 1000).toFixed(0)} µs per request (samples: ${summary.busyMs.toFixed(0)} ms busy of ${summary.totalMs.toFixed(0)} ms)`
      : `CPU busy ${summary.busyMs.toFixed(0)} ms of ${summary.totalMs.toFixed(0)} ms sampled, ${requests} requests: ${per(summary.busyMs).trim()} per request`,
  ];
  lines.push("  by package / file (self time per request):");
  for (const o of summary.byOwner.slice(0, top)) lines.push(`    ${per(o.ms)}  ${o.owner}`);
  lines.push("  by function (self time per request):");
  for (const f of summary.byFunction.slice(0, top)) lines.push(`    ${per(f.ms)}  ${f.name}  [${f.owner}]`);
  return lines;
}
