/**
 * The load generator of `npm run bench:pages` (scripts/bench-pages.ts), run as its own process so
 * the client's CPU is not the server's: autocannon with N connections for D seconds against one
 * URL. Every response time is kept, so p50/p95/p99 are exact (autocannon's own summary has no
 * p95); any answer outside 2xx, a socket error or a timeout counts as an error, and requests still
 * unanswered when the run ends are counted apart (`unfinished`).
 *
 * Input: one JSON argument `{ url, connections, seconds, headers }`. Output: one JSON line on stdout.
 */
import autocannon from "autocannon";

export type LoadResult = {
  requests: number;
  seconds: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  errors: number;
  non2xx: number;
  /** Sent but not answered when the run ended: at most one per connection (all of them when the endpoint is slower than the run). */
  unfinished: number;
  statusCodes: Record<string, number>;
};

type Input = { url: string; connections: number; seconds: number; headers?: Record<string, string> };

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

async function main() {
  const input = JSON.parse(process.argv[2] ?? "{}") as Input;
  const times: number[] = [];
  const statusCodes: Record<string, number> = {};
  let non2xx = 0;
  const started = performance.now();
  let instance: autocannon.Instance | undefined;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    instance = autocannon({ url: input.url, connections: input.connections, duration: input.seconds, headers: input.headers ?? {}, timeout: 30 }, (error, r) =>
      error ? reject(error) : resolve(r),
    );
    instance.on("response", (_client, statusCode, _bytes, responseTime) => {
      times.push(responseTime);
      statusCodes[statusCode] = (statusCodes[statusCode] ?? 0) + 1;
      if (statusCode < 200 || statusCode >= 300) non2xx++;
    });
  });
  const seconds = (performance.now() - started) / 1000;
  times.sort((a, b) => a - b);
  const out: LoadResult = {
    requests: times.length,
    seconds,
    rps: times.length / seconds,
    p50: percentile(times, 50),
    p95: percentile(times, 95),
    p99: percentile(times, 99),
    max: times.at(-1) ?? NaN,
    errors: non2xx + result.errors, // autocannon counts timeouts among its errors
    non2xx,
    unfinished: Math.max(0, ((result.requests as { sent?: number }).sent ?? 0) - times.length - result.errors),
    statusCodes,
  };
  process.stdout.write(JSON.stringify(out) + "\n");
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
