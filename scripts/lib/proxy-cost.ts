/**
 * What proxy.ts costs per request, measured in-process (`npx tsx scripts/lib/proxy-cost.ts`,
 * and printed by `npm run bench:pages`): the proxy function alone on an API path, a signed-out
 * page (redirect to /login) and a signed-in page (session JWT decoded), with its request log line
 * on (LOG_LEVEL info, written to a discarded stream here) and off. Prints microseconds per call.
 */
import { Writable } from "node:stream";

process.env.AUTH_SECRET ||= "proxy-cost-measurement-secret-0123456789abcdef";
process.env.APP_URL ||= "http://127.0.0.1:3000";

export type ProxyCost = { case: string; usPerCall: number }[];

export async function measureProxyCost(iterations = 2_000): Promise<ProxyCost> {
  const { NextRequest } = await import("next/server");
  const { encode } = await import("next-auth/jwt");
  const { proxy } = await import("../../proxy");
  const token = await encode({ token: { sub: "00000000-0000-4000-8000-000000000001", sid: "00000000-0000-4000-8000-000000000002" }, secret: process.env.AUTH_SECRET! });
  const sink = new Writable({ write: (_chunk, _enc, done) => done() });
  const realLog = console.log;
  const logLevel = process.env.LOG_LEVEL;
  console.log = (...args: unknown[]) => void sink.write(args.join(" ") + "\n");
  const cases: { case: string; url: string; cookie?: string; log: string }[] = [
    { case: "GET /api/health, request log on", url: "http://127.0.0.1:3000/api/health", log: "info" },
    { case: "GET /api/health, request log off", url: "http://127.0.0.1:3000/api/health", log: "warn" },
    { case: "page, signed out (redirect)", url: "http://127.0.0.1:3000/payments", log: "info" },
    { case: "page, signed in (JWT decoded)", url: "http://127.0.0.1:3000/payments", cookie: `next-auth.session-token=${token}`, log: "info" },
  ];
  const out: ProxyCost = [];
  try {
    for (const c of cases) {
      process.env.LOG_LEVEL = c.log;
      const make = () => new NextRequest(c.url, { headers: c.cookie ? { cookie: c.cookie } : {} });
      for (let i = 0; i < 200; i++) await proxy(make()); // warm
      const started = process.hrtime.bigint();
      for (let i = 0; i < iterations; i++) await proxy(make());
      out.push({ case: c.case, usPerCall: Number(process.hrtime.bigint() - started) / 1000 / iterations });
    }
  } finally {
    console.log = realLog;
    process.env.LOG_LEVEL = logLevel;
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  void measureProxyCost().then((rows) => {
    for (const r of rows) process.stdout.write(`${r.case.padEnd(36)} ${r.usPerCall.toFixed(0).padStart(6)} µs per call\n`);
  });
}
