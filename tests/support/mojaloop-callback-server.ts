import http from "node:http";
import type { AddressInfo } from "node:net";

/**
 * The switch's callbacks on loopback, for tests and the benchmark that run the Mojaloop rail against
 * the Testing Toolkit (tests/support/ttk.ts): an HTTP server standing in for the app's route
 * `app/api/mojaloop/[connectionId]/[...path]/route.ts`. It splits `/api/mojaloop/<connectionId>/<path…>`
 * as the route does and hands the raw request to `deliver` (the tests pass the route's own entry point,
 * server/rails/mojaloop/receive-callback.ts), answers what it returns, and records when each callback
 * arrived — the benchmark's callback latency is measured here, where the callback is received.
 */

export type MojaloopCallbackInput = {
  connectionId: string;
  method: string;
  pathSegments: string[];
  headers: Headers;
  rawBody: Buffer;
  sourceAddress: string | null;
};

/** As server/rails/mojaloop/receive-callback.ts answers: `processed` settles once the callback was applied. */
export type MojaloopCallbackAnswer = { status: number; body?: unknown; processed?: Promise<{ applied: boolean; reason?: string }> };

export type ReceivedCallback = {
  /** Date.now() when the whole request had arrived. */
  at: number;
  connectionId: string;
  method: string;
  /** The path after the connection's prefix, e.g. `/bulkTransfers/<id>/error`. */
  path: string;
  status: number;
};

export type MojaloopCallbackServer = {
  /** http://127.0.0.1:<port>/api/mojaloop — the toolkit's CALLBACK_ENDPOINT is this plus `/<connectionId>`. */
  baseUrl: string;
  callbackUrl(connectionId: string): string;
  received: ReceivedCallback[];
  /** Callbacks whose delivery threw (the answer was then 500), with the error. */
  failures: { path: string; error: string }[];
  /** What the processing after each 200 said, in the order it finished (`applied: false` with its reason: ignored or failed). */
  outcomes: { path: string; applied: boolean; reason?: string }[];
  /** Resolves once every callback received so far has been processed. */
  idle(): Promise<void>;
  close(): Promise<void>;
};

const PREFIX = "/api/mojaloop/";

export async function startMojaloopCallbackServer(deliver: (input: MojaloopCallbackInput) => Promise<MojaloopCallbackAnswer>): Promise<MojaloopCallbackServer> {
  const received: ReceivedCallback[] = [];
  const failures: { path: string; error: string }[] = [];
  const outcomes: { path: string; applied: boolean; reason?: string }[] = [];
  const pending = new Set<Promise<unknown>>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const at = Date.now();
      const url = new URL(req.url ?? "/", "http://callback.local");
      if (!url.pathname.startsWith(PREFIX)) {
        res.writeHead(404).end();
        return;
      }
      const [connectionId = "", ...rest] = url.pathname.slice(PREFIX.length).split("/").map(decodeURIComponent);
      const path = `/${rest.join("/")}`;
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) {
        if (typeof value === "string") headers.set(name, value);
        else if (Array.isArray(value)) for (const v of value) headers.append(name, v);
      }
      const method = req.method ?? "GET";
      deliver({ connectionId, method, pathSegments: rest, headers, rawBody: Buffer.concat(chunks), sourceAddress: req.socket.remoteAddress ?? null })
        .then((answer) => {
          received.push({ at, connectionId, method, path, status: answer.status });
          if (answer.processed) {
            const done = answer.processed.then((o) => void outcomes.push({ path, ...o })).finally(() => pending.delete(done));
            pending.add(done);
          }
          const body = answer.body === undefined ? "" : JSON.stringify(answer.body);
          res.writeHead(answer.status, body ? { "content-type": "application/json" } : {}).end(body);
        })
        .catch((error: unknown) => {
          failures.push({ path, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
          received.push({ at, connectionId, method, path, status: 500 });
          if (!res.headersSent) res.writeHead(500).end();
        });
    });
  });
  // The toolkit keeps connections open between callbacks; many arrive at once in a benchmark.
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/mojaloop`;
  return {
    baseUrl,
    callbackUrl: (connectionId) => `${baseUrl}/${connectionId}`,
    received,
    failures,
    outcomes,
    async idle() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
