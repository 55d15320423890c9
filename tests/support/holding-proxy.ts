/**
 * A small HTTP proxy in front of the example bank for the crash tests (tests/integration/bank-crash.test.ts):
 * it makes the bank answer slowly (a delay before the request reaches the bank and one before the
 * answer goes back), lets a test act while it holds a request or an answer (SIGKILL the workers
 * while the bank has done the work but the caller has not heard of it yet), and records what went
 * through. A request is always delivered to the bank, even when its caller died meanwhile: the bank
 * received it, which is the case recovery must handle.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

export type HeldExchange = {
  /** Arrival order at the proxy. */
  seq: number;
  method: string;
  path: string;
  /** The parsed JSON request body (undefined when not JSON). */
  request: unknown;
  /** The parsed JSON answer (set once the bank answered). */
  response?: unknown;
  status?: number;
  arrivedAt: number;
  answeredByBankAt?: number;
};

export type HoldingProxyOptions = {
  target: string;
  /** Milliseconds to hold a request before the bank sees it, and the answer before the caller does. */
  delays?: (exchange: HeldExchange) => { beforeMs: number; afterMs: number };
  /** Awaited while the request is held, before it is forwarded. */
  beforeForward?: (exchange: HeldExchange) => Promise<void> | void;
  /** Awaited once the bank has answered, before the caller gets the answer. */
  afterBank?: (exchange: HeldExchange) => Promise<void> | void;
};

export type HoldingProxy = { url: string; exchanges: HeldExchange[]; close(): Promise<void> };

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export async function startHoldingProxy(options: HoldingProxyOptions): Promise<HoldingProxy> {
  const exchanges: HeldExchange[] = [];
  let seq = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void (async () => {
        const body = Buffer.concat(chunks);
        const exchange: HeldExchange = {
          seq: ++seq,
          method: req.method ?? "GET",
          path: new URL(req.url ?? "/", "http://proxy.local").pathname,
          request: parseJson(body.toString("utf8")),
          arrivedAt: Date.now(),
        };
        exchanges.push(exchange);
        const { beforeMs, afterMs } = options.delays?.(exchange) ?? { beforeMs: 0, afterMs: 0 };
        if (beforeMs > 0) await sleep(beforeMs);
        await options.beforeForward?.(exchange);
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) {
          if (typeof v === "string" && !["host", "connection", "content-length", "transfer-encoding"].includes(k)) headers[k] = v;
        }
        const answer = await fetch(`${options.target}${req.url ?? "/"}`, {
          method: exchange.method,
          headers,
          body: exchange.method === "GET" || exchange.method === "HEAD" ? undefined : body,
        });
        const text = await answer.text();
        exchange.status = answer.status;
        exchange.response = parseJson(text);
        exchange.answeredByBankAt = Date.now();
        await options.afterBank?.(exchange);
        if (afterMs > 0) await sleep(afterMs);
        if (res.destroyed || res.writableEnded) return;
        res.writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "application/json" });
        res.end(text);
      })().catch((error: unknown) => {
        if (!res.headersSent && !res.destroyed) {
          res.writeHead(502, { "content-type": "application/json" });
          res.end(JSON.stringify({ status: "failed", error_message: `proxy: ${error instanceof Error ? error.message : String(error)}` }));
        }
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    exchanges,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
