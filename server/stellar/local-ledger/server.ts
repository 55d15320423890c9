/**
 * The local ledger's HTTP face: enough of Horizon's API for `@stellar/stellar-sdk`'s Horizon.Server,
 * on 127.0.0.1 by default.
 *
 *   GET  /                                root (network_passphrase, latest ledgers, versions)
 *   GET  /accounts/{id}                   account (404 problem when missing)
 *   GET  /accounts/{id}/transactions      transactions touching the account (cursor, limit, order)
 *   GET  /accounts/{id}/data/{key}        a data entry
 *   GET  /fee_stats                       fee statistics of recent ledgers
 *   GET  /ledgers, /ledgers/{seq}         recent ledgers (cursor, limit, order)
 *   GET  /transactions                    applied transactions (cursor, limit, order)
 *   GET  /transactions/{hash}             an applied transaction (404 while pending or unknown)
 *   GET  /transactions/{hash}/operations  its operations
 *   POST /transactions                    form `tx=<base64>`: waits for the ledger that includes it
 *   POST /transactions_async              form `tx=<base64>`: PENDING / DUPLICATE / TRY_AGAIN_LATER / ERROR
 *   GET  /friendbot?addr=G...             creates the account with 10,000 XLM from the root account
 *   GET|POST /_faults                     fault injection settings (loopback clients only)
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { StrKey, type Keypair } from "@stellar/stellar-sdk";
import { parseEnvelope } from "./envelope";
import { FaultInjector, type FaultConfig } from "./faults";
import {
  accountJson,
  feeStatsJson,
  ledgerJson,
  notFound,
  operationsJson,
  page,
  problem,
  rootJson,
  submissionTimeout,
  transactionFailed,
  transactionJson,
  transactionMalformed,
} from "./horizon-json";
import { LocalLedger, type Settlement } from "./ledger";
import type { TxRecord } from "./persistence";
import { resultCodes } from "./results";

export interface StartLocalLedgerOptions {
  /** 0 (default): a free port. */
  port?: number;
  host?: string;
  dataDir: string;
  /** Milliseconds between ledger closes (default 1000). */
  closeIntervalMs?: number;
  /** Operations per ledger (default 1000); 0 = uncapped. */
  maxOpsPerLedger?: number;
  /** How long POST /transactions waits for the ledger before answering 504 (default 30 s). */
  submitTimeoutMs?: number;
  faults?: Partial<FaultConfig>;
}

export interface LocalLedgerHandle {
  /** Base URL, e.g. http://127.0.0.1:8000 */
  url: string;
  ledger: LocalLedger;
  /** The network's root account, holding the 100 billion XLM. */
  rootKeypair: Keypair;
  networkPassphrase: string;
  setFaults(f: Partial<FaultConfig>): FaultConfig;
  faults: FaultInjector;
  close(): Promise<void>;
}

type Json = Record<string, unknown>;
const MAX_BODY = 5 * 1024 * 1024;
const LOOPBACK = new Set(["127.0.0.1", "::1", "::ffff:127.0.0.1"]);

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function send(res: http.ServerResponse, status: number, body: Json): void {
  if (res.destroyed || res.headersSent) return;
  const text = JSON.stringify(body);
  const type =
    status >= 400 && typeof body.type === "string" && body.type.startsWith("https://stellar.org/horizon-errors/") ? "application/problem+json" : "application/hal+json";
  res.writeHead(status, { "Content-Type": `${type}; charset=utf-8`, "Content-Length": Buffer.byteLength(text), "Access-Control-Allow-Origin": "*" });
  res.end(text);
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error("body too large"));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/** The `tx` parameter of a form (or JSON) body. */
function txParam(body: string, contentType: string | undefined): string | null {
  if (contentType?.includes("application/json")) {
    try {
      const j = JSON.parse(body) as { tx?: unknown };
      return typeof j.tx === "string" ? j.tx : null;
    } catch {
      return null;
    }
  }
  return new URLSearchParams(body).get("tx");
}

function pagingParams(url: URL): { order: "asc" | "desc"; limit: number; cursor: string | null } {
  const order = url.searchParams.get("order") === "desc" ? "desc" : "asc";
  const limit = Math.min(200, Math.max(1, Number(url.searchParams.get("limit") ?? 10) || 10));
  const cursor = url.searchParams.get("cursor");
  return { order, limit, cursor: cursor && cursor !== "now" ? cursor : null };
}

/** One page of items sorted ascending by `token`. */
function pageOf<T>(items: T[], token: (t: T) => bigint, p: ReturnType<typeof pagingParams>): T[] {
  const cursor = p.cursor !== null && /^\d+$/.test(p.cursor) ? BigInt(p.cursor) : null;
  const out: T[] = [];
  if (p.order === "asc") {
    for (const it of items) {
      if (cursor !== null && token(it) <= cursor) continue;
      out.push(it);
      if (out.length >= p.limit) break;
    }
  } else {
    for (let i = items.length - 1; i >= 0; i--) {
      const it = items[i]!;
      if (cursor !== null && token(it) >= cursor) continue;
      out.push(it);
      if (out.length >= p.limit) break;
    }
  }
  return out;
}

function pageLinks(base: string, path: string, p: ReturnType<typeof pagingParams>, tokens: string[]): [string, string, string] {
  const q = (order: string, cursor: string | undefined) => `${base}${path}?order=${order}&limit=${p.limit}${cursor ? `&cursor=${cursor}` : ""}`;
  const self = q(p.order, p.cursor ?? undefined);
  const next = q(p.order, tokens[tokens.length - 1] ?? p.cursor ?? undefined);
  const prev = q(p.order === "asc" ? "desc" : "asc", tokens[0] ?? p.cursor ?? undefined);
  return [self, next, prev];
}

export async function startLocalLedger(opts: StartLocalLedgerOptions): Promise<LocalLedgerHandle> {
  const host = opts.host ?? "127.0.0.1";
  const submitTimeoutMs = opts.submitTimeoutMs ?? 30_000;
  const ledger = LocalLedger.open({ dataDir: opts.dataDir, closeIntervalMs: opts.closeIntervalMs, maxOpsPerLedger: opts.maxOpsPerLedger });
  const faults = new FaultInjector(opts.faults);
  let base = "";

  /** The submission's answer once we know what happened to it. */
  const answerSettlement = (res: http.ServerResponse, s: Settlement, envelopeXdr: string) => {
    switch (s.kind) {
      case "applied":
        return answerRecord(res, s.record);
      case "dropped":
        return send(res, 400, transactionFailed({ envelopeXdr: s.envelopeXdr, resultXdr: s.resultXdr, resultCodes: resultCodes(s.outcome), hash: s.hash }));
      default:
        return send(res, 504, submissionTimeout(s.hash, envelopeXdr));
    }
  };
  const answerRecord = (res: http.ServerResponse, r: TxRecord) => {
    if (r.successful) return send(res, 200, transactionJson(base, r));
    return send(res, 400, transactionFailed({ envelopeXdr: r.envelopeXdr, resultXdr: r.resultXdr, resultCodes: r.resultCodes, hash: r.hash }));
  };

  const submitSync = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const before = faults.before();
    if (before === "drop") return void req.socket.destroy();
    if (before === "429")
      return send(res, 429, problem(429, "rate_limit_exceeded", "Rate Limit Exceeded", "The rate limit for the requesting IP address is over its alloted limit."));
    if (before === "500")
      return send(res, 500, problem(500, "server_error", "Internal Server Error", "An error occurred while processing this request (injected fault)."));
    const tx = txParam(await readBody(req), req.headers["content-type"]);
    if (!tx) return send(res, 400, problem(400, "transaction_malformed", "Transaction Malformed", "Missing the `tx` parameter.", { envelope_xdr: "" }));
    const r = ledger.submit(tx);
    switch (r.status) {
      case "malformed":
        return send(res, 400, transactionMalformed(tx, r.message));
      case "applied":
        return answerRecord(res, r.record);
      case "rejected":
      case "source_busy":
        return send(res, 400, transactionFailed({ envelopeXdr: r.envelopeXdr, resultXdr: r.resultXdr, resultCodes: resultCodes(r.outcome), hash: r.hash }));
      default: {
        const after = faults.after(true);
        if (after === "timeout") return send(res, 504, submissionTimeout(r.hash, tx));
        if (after === "drop") return void req.socket.destroy();
        const s = await ledger.waitFor(r.hash, submitTimeoutMs);
        return answerSettlement(res, s, tx);
      }
    }
  };

  const submitAsync = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const before = faults.before();
    if (before === "drop") return void req.socket.destroy();
    if (before === "429")
      return send(res, 429, problem(429, "rate_limit_exceeded", "Rate Limit Exceeded", "The rate limit for the requesting IP address is over its alloted limit."));
    if (before === "500")
      return send(res, 500, problem(500, "server_error", "Internal Server Error", "An error occurred while processing this request (injected fault)."));
    const tx = txParam(await readBody(req), req.headers["content-type"]);
    if (!tx) return send(res, 400, problem(400, "transaction_malformed", "Transaction Malformed", "Missing the `tx` parameter.", { envelope_xdr: "" }));
    const r = ledger.submit(tx);
    switch (r.status) {
      case "malformed":
        return send(res, 400, transactionMalformed(tx, r.message));
      case "applied":
      case "duplicate":
        return send(res, 409, { tx_status: "DUPLICATE", hash: r.hash });
      case "rejected":
        return send(res, 400, { tx_status: "ERROR", hash: r.hash, error_result_xdr: r.resultXdr });
      case "source_busy":
        return send(res, 503, { tx_status: "TRY_AGAIN_LATER", hash: r.hash });
      default: {
        if (faults.after(false) === "drop") return void req.socket.destroy();
        return send(res, 201, { tx_status: "PENDING", hash: r.hash });
      }
    }
  };

  const friendbot = async (url: URL, res: http.ServerResponse) => {
    const addr = url.searchParams.get("addr") ?? "";
    if (!StrKey.isValidEd25519PublicKey(addr)) {
      return send(
        res,
        400,
        problem(400, "bad_request", "Bad Request", "The request you sent was invalid in some way.", { invalid_field: "addr", reason: "not a G... account id" }),
      );
    }
    const s = await ledger.friendbot(addr, submitTimeoutMs);
    return answerSettlement(res, s, "");
  };

  const faultsEndpoint = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (!LOOPBACK.has(req.socket.remoteAddress ?? "")) return send(res, 403, problem(403, "forbidden", "Forbidden", "Fault injection is only reachable from loopback."));
    if (req.method === "POST") {
      let patch: Partial<FaultConfig>;
      try {
        patch = JSON.parse((await readBody(req)) || "{}") as Partial<FaultConfig>;
      } catch {
        return send(res, 400, problem(400, "bad_request", "Bad Request", "The body must be JSON."));
      }
      faults.set(patch);
    }
    return send(res, 200, { ...faults.get(), injected: faults.counts });
  };

  const route = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url ?? "/", base);
    const parts = url.pathname.split("/").filter(Boolean);
    const method = req.method ?? "GET";

    if (parts[0] === "_faults") return faultsEndpoint(req, res);
    if (faults.latencyMs > 0) await sleep(faults.latencyMs);

    if (method === "POST") {
      if (parts.length === 1 && parts[0] === "transactions") return submitSync(req, res);
      if (parts.length === 1 && parts[0] === "transactions_async") return submitAsync(req, res);
      return send(res, 404, notFound());
    }
    if (method !== "GET" && method !== "HEAD") return send(res, 405, problem(405, "method_not_allowed", "Method Not Allowed", `${method} is not supported here.`));

    if (parts.length === 0) return send(res, 200, rootJson(base, ledger));
    const [head, id, sub, key] = parts;
    switch (head) {
      case "accounts": {
        if (!id) return send(res, 404, notFound());
        if (!StrKey.isValidEd25519PublicKey(id)) {
          return send(
            res,
            400,
            problem(400, "bad_request", "Bad Request", "The request you sent was invalid in some way.", { invalid_field: "account_id", reason: "invalid address" }),
          );
        }
        const account = ledger.getAccount(id);
        if (!account) return send(res, 404, notFound());
        if (!sub) return send(res, 200, accountJson(base, account));
        if (sub === "data" && key) {
          const entry = account.data.get(decodeURIComponent(key));
          return entry ? send(res, 200, { value: entry.value, ...(entry.sponsor ? { sponsor: entry.sponsor } : {}) }) : send(res, 404, notFound());
        }
        if (sub === "transactions") {
          const p = pagingParams(url);
          const items = pageOf(ledger.transactions(id), (t) => BigInt(t.pagingToken), p);
          const [self, next, prev] = pageLinks(
            base,
            url.pathname,
            p,
            items.map((t) => t.pagingToken),
          );
          return send(
            res,
            200,
            page(
              self,
              items.map((t) => transactionJson(base, t)),
              next,
              prev,
            ),
          );
        }
        return send(res, 404, notFound());
      }
      case "fee_stats":
        return send(res, 200, feeStatsJson(ledger));
      case "ledgers": {
        if (id) {
          const seq = Number(id);
          const h = ledger.headers.find((x) => x.sequence === seq);
          return h ? send(res, 200, ledgerJson(base, h)) : send(res, 404, notFound());
        }
        const p = pagingParams(url);
        const items = pageOf(ledger.headers, (h) => BigInt(h.sequence) << 32n, p);
        const [self, next, prev] = pageLinks(
          base,
          url.pathname,
          p,
          items.map((h) => (BigInt(h.sequence) << 32n).toString()),
        );
        return send(
          res,
          200,
          page(
            self,
            items.map((h) => ledgerJson(base, h)),
            next,
            prev,
          ),
        );
      }
      case "transactions": {
        if (!id) {
          const p = pagingParams(url);
          const items = pageOf(ledger.transactions(), (t) => BigInt(t.pagingToken), p);
          const [self, next, prev] = pageLinks(
            base,
            url.pathname,
            p,
            items.map((t) => t.pagingToken),
          );
          return send(
            res,
            200,
            page(
              self,
              items.map((t) => transactionJson(base, t)),
              next,
              prev,
            ),
          );
        }
        const record = ledger.getTransaction(id);
        if (!record) return send(res, 404, notFound());
        if (!sub) return send(res, 200, transactionJson(base, record));
        if (sub === "operations") {
          const ops = operationsJson(base, record, parseEnvelope(record.envelopeXdr, ledger.networkId));
          return send(res, 200, page(`${base}${url.pathname}`, ops, `${base}${url.pathname}`, `${base}${url.pathname}`));
        }
        return send(res, 404, notFound());
      }
      case "friendbot":
        return friendbot(url, res);
      default:
        return send(res, 404, notFound());
    }
  };

  const server = http.createServer((req, res) => {
    route(req, res).catch((e: unknown) => {
      console.error("local ledger: request failed", e);
      send(res, 500, problem(500, "server_error", "Internal Server Error", (e as Error).message ?? String(e)));
    });
  });
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const hostForUrl = address.family === "IPv6" ? `[${address.address}]` : address.address;
  base = `http://${hostForUrl}:${address.port}`;

  let closed = false;
  return {
    url: base,
    ledger,
    rootKeypair: ledger.rootKeypair,
    networkPassphrase: ledger.networkPassphrase,
    faults,
    setFaults: (f) => faults.set(f),
    close: async () => {
      if (closed) return;
      closed = true;
      ledger.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
