/**
 * The local ledger's HTTP face: the part of Horizon's API that `@stellar/stellar-sdk`'s Horizon.Server
 * calls, on 127.0.0.1 by default (README.md lists it all).
 *
 *   GET  /, /health, /fee_stats
 *   GET  /accounts/{id} (+ /data/{key}), /accounts?signer=|asset=|sponsor=
 *   GET  /ledgers, /transactions, /operations, /payments, /effects        pages or streams (SSE)
 *   GET  /accounts/{id}/transactions|operations|payments|effects          pages or streams
 *   GET  /ledgers/{seq}/transactions|operations|payments|effects          pages or streams
 *   GET  /transactions/{hash}(/operations|payments|effects), /operations/{id}(/effects)
 *   GET  /assets; empty pages: /claimable_balances, /offers, /trades, /accounts/{id}/offers|trades
 *   GET  /order_book, /paths/*, /liquidity_pools, /trade_aggregations     Horizon's 404 problem (not modelled)
 *   POST /transactions                    form `tx=<base64>`: waits for the ledger that includes it
 *   POST /transactions_async              form `tx=<base64>`: PENDING / DUPLICATE / TRY_AGAIN_LATER / ERROR
 *   GET  /friendbot?addr=G...             creates the account with 10,000 XLM from the root account
 *   GET|POST /_faults                     fault injection settings (loopback clients only)
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { StrKey, type Keypair } from "@stellar/stellar-sdk";
import { FaultInjector, type FaultConfig } from "./faults";
import { effectKey, effectPagingToken, opKey, txKey, type EffectEntry, type OpEntry, type TxEntry } from "./history";
import {
  accountJson,
  assetPagingToken,
  assetStatJson,
  effectJson,
  feeStatsJson,
  healthJson,
  invalidField,
  ledgerJson,
  notAcceptable,
  notFound,
  notModelled,
  operationJson,
  problem,
  rootJson,
  submissionTimeout,
  transactionFailed,
  transactionJson,
  transactionMalformed,
} from "./horizon-json";
import { LocalLedger, type Settlement } from "./ledger";
import type { TxRecord } from "./persistence";
import { EFFECT_SPAN, PagingError, numericCursor, pageJson, pageOf, pageOfStrings, pagingParams, type Paging } from "./paging";
import { resultCodes } from "./results";
import { streamCollection, type StreamItem } from "./sse";

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
  /**
   * The network passphrase (default `Networks.STANDALONE`): transactions must be signed for it, and
   * the root and friendbot accounts derive from it. The launcher passes STELLAR_NETWORK_PASSPHRASE
   * (server/stellar/network.ts), so the app and its ledger always agree.
   */
  networkPassphrase?: string;
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

export async function startLocalLedger(opts: StartLocalLedgerOptions): Promise<LocalLedgerHandle> {
  const host = opts.host ?? "127.0.0.1";
  const submitTimeoutMs = opts.submitTimeoutMs ?? 30_000;
  const ledger = LocalLedger.open({
    dataDir: opts.dataDir,
    closeIntervalMs: opts.closeIntervalMs,
    maxOpsPerLedger: opts.maxOpsPerLedger,
    networkPassphrase: opts.networkPassphrase,
  });
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
    try {
      return routeGet(req, res, url, parts);
    } catch (e) {
      if (e instanceof PagingError) return send(res, 400, invalidField(e.field, e.message));
      throw e;
    }
  };

  // ---------------------------------------------------------------- history collections

  const history = ledger.history;
  type Item = StreamItem;
  const boolParam = (url: URL, name: string): boolean => {
    const v = url.searchParams.get(name);
    if (v === null || v === "" || v === "false") return false;
    if (v === "true") return true;
    throw new PagingError(name, `${name} must be true or false`);
  };
  const txItems = (list: readonly TxEntry[], p: Paging, includeFailed: boolean, from?: bigint, to?: bigint): Item[] =>
    pageOf({ items: list, key: txKey, p, from, to, keep: includeFailed ? undefined : (t) => t.rec.successful }).map((t) => ({
      token: t.rec.pagingToken,
      json: () => transactionJson(base, t.rec),
    }));
  const opItems = (list: readonly OpEntry[], p: Paging, includeFailed: boolean, join: boolean, from?: bigint, to?: bigint): Item[] =>
    pageOf({ items: list, key: opKey, p, from, to, keep: includeFailed ? undefined : (o) => o.tx.rec.successful }).map((o) => ({
      token: o.id.toString(),
      json: () => operationJson(base, o.tx.rec, history.envelope(o.tx.rec), o.i, join),
    }));
  const effectItems = (list: readonly EffectEntry[], p: Paging, from?: bigint, to?: bigint): Item[] =>
    pageOf({
      items: list,
      key: effectKey,
      p,
      from: from !== undefined ? from * EFFECT_SPAN : undefined,
      to: to !== undefined ? to * EFFECT_SPAN : undefined,
      effects: true,
    }).map((e) => ({
      token: effectPagingToken(e),
      json: () => effectJson(base, e, history.envelope(e.op.tx.rec)),
    }));
  const ledgerItems = (p: Paging): Item[] =>
    pageOf({ items: ledger.headers, key: (h) => BigInt(h.sequence) << 32n, p }).map((h) => ({
      token: (BigInt(h.sequence) << 32n).toString(),
      json: () => ledgerJson(base, h),
    }));

  /** A page, or with `Accept: text/event-stream` a stream, of a history collection. */
  const collection = (req: http.IncomingMessage, res: http.ServerResponse, url: URL, fetch: (p: Paging) => Item[], opts: { effects?: boolean } = {}) => {
    const stream = (req.headers.accept ?? "").includes("text/event-stream");
    const lastEventId = stream ? req.headers["last-event-id"] : undefined;
    const p = pagingParams(url, ledger.ledgerSeq, typeof lastEventId === "string" ? lastEventId : null);
    if (p.cursor !== null) numericCursor(p.cursor, opts.effects);
    if (stream) return streamCollection(req, res, ledger, p, fetch);
    const items = fetch(p);
    return send(
      res,
      200,
      pageJson(
        base,
        url,
        p,
        items.map((i) => i.json()),
        items.map((i) => i.token),
      ),
    );
  };
  /** A page that is always empty here (offers, trades, claimable balances: not modelled). */
  const emptyPage = (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => {
    if ((req.headers.accept ?? "").includes("text/event-stream")) return send(res, 406, notAcceptable());
    return send(res, 200, pageJson(base, url, pagingParams(url, ledger.ledgerSeq), [], []));
  };
  const plainOnly = (req: http.IncomingMessage): boolean => !(req.headers.accept ?? "").includes("text/event-stream");

  /** Operations, payments or effects of some scope (`from`/`to`: TOID bounds). */
  const scoped = (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
    kind: string,
    lists: { ops: readonly OpEntry[]; payments: readonly OpEntry[]; effects: readonly EffectEntry[]; txs?: readonly TxEntry[] },
    bounds: { from?: bigint; to?: bigint; allFailed?: boolean } = {},
  ) => {
    const includeFailed = bounds.allFailed || boolParam(url, "include_failed");
    const joinParam = url.searchParams.get("join");
    if (joinParam !== null && joinParam !== "" && joinParam !== "transactions") throw new PagingError("join", "join accepts only transactions");
    const join = joinParam === "transactions";
    switch (kind) {
      case "transactions":
        if (!lists.txs) return send(res, 404, notFound());
        return collection(req, res, url, (p) => txItems(lists.txs!, p, includeFailed, bounds.from, bounds.to));
      case "operations":
        return collection(req, res, url, (p) => opItems(lists.ops, p, includeFailed, join, bounds.from, bounds.to));
      case "payments":
        return collection(req, res, url, (p) => opItems(lists.payments, p, includeFailed, join, bounds.from, bounds.to));
      case "effects":
        return collection(req, res, url, (p) => effectItems(lists.effects, p, bounds.from, bounds.to), { effects: true });
      default:
        return send(res, 404, notFound());
    }
  };

  const accountsList = (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => {
    if (!plainOnly(req)) return send(res, 406, notAcceptable());
    const filters = (["signer", "asset", "sponsor", "liquidity_pool"] as const).filter((f) => url.searchParams.get(f));
    if (filters.length !== 1) {
      return send(res, 400, invalidField("signer", "exactly one of signer, sponsor, asset or liquidity_pool is required"));
    }
    const filter = filters[0]!;
    const value = url.searchParams.get(filter)!;
    const p = pagingParams(url, ledger.ledgerSeq);
    let ids: Iterable<string> = [];
    if (filter === "signer" || filter === "sponsor") {
      if (!StrKey.isValidEd25519PublicKey(value) && filter === "sponsor") return send(res, 400, invalidField(filter, "not a G... account id"));
      ids = ledger.accounts.index.accountsWith(filter, value);
    } else if (filter === "asset") {
      const m = /^([A-Za-z0-9]{1,12}):(G[A-Z2-7]{55})$/.exec(value);
      if (!m) return send(res, 400, invalidField("asset", "expected CODE:ISSUER"));
      ids = ledger.accounts.index.accountsWith("asset", `${m[1]}:${m[2]}`);
    }
    const page = pageOfStrings(ids, (id) => id, p);
    const records = page.map((id) => accountJson(base, ledger.getAccount(id)!));
    return send(res, 200, pageJson(base, url, p, records, page));
  };

  const assetsList = (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => {
    if (!plainOnly(req)) return send(res, 406, notAcceptable());
    const p = pagingParams(url, ledger.ledgerSeq);
    const code = url.searchParams.get("asset_code");
    const issuer = url.searchParams.get("asset_issuer");
    if (issuer && !StrKey.isValidEd25519PublicKey(issuer)) return send(res, 400, invalidField("asset_issuer", "not a G... account id"));
    const all = [...ledger.accounts.index.assets.values()].filter((s) => (!code || s.code === code) && (!issuer || s.issuer === issuer));
    const page = pageOfStrings(all, assetPagingToken, p);
    return send(
      res,
      200,
      pageJson(
        base,
        url,
        p,
        page.map((s) => assetStatJson(s, ledger.getAccount(s.issuer))),
        page.map(assetPagingToken),
      ),
    );
  };

  const routeGet = (req: http.IncomingMessage, res: http.ServerResponse, url: URL, parts: string[]) => {
    const [head, id, sub, key] = parts;
    switch (head) {
      case "health":
        return send(res, 200, healthJson());
      case "accounts": {
        if (!id) return accountsList(req, res, url);
        if (!StrKey.isValidEd25519PublicKey(id)) {
          return send(res, 400, invalidField("account_id", "invalid address"));
        }
        // Horizon answers 404 for the history of an account it has never seen (nor holds).
        const unknown = !history.txsByAccount.has(id) && !ledger.getAccount(id);
        if (unknown && (sub === "transactions" || sub === "operations" || sub === "payments" || sub === "effects" || sub === "trades")) {
          return send(res, 404, notFound());
        }
        if (sub === "transactions") {
          return collection(req, res, url, (p) => txItems(history.txsByAccount.get(id) ?? [], p, boolParam(url, "include_failed")));
        }
        if (sub === "operations" || sub === "payments" || sub === "effects") {
          return scoped(req, res, url, sub, {
            ops: history.opsByAccount.get(id) ?? [],
            payments: history.paymentsByAccount.get(id) ?? [],
            effects: history.effectsByAccount.get(id) ?? [],
          });
        }
        if ((sub === "offers" || sub === "trades") && !key) return emptyPage(req, res, url);
        const account = ledger.getAccount(id);
        if (!account) return send(res, 404, notFound());
        if (!sub) return plainOnly(req) ? send(res, 200, accountJson(base, account)) : send(res, 406, notAcceptable());
        if (sub === "data" && key) {
          const entry = account.data.get(decodeURIComponent(key));
          return entry ? send(res, 200, { value: entry.value, ...(entry.sponsor ? { sponsor: entry.sponsor } : {}) }) : send(res, 404, notFound());
        }
        return send(res, 404, notFound());
      }
      case "fee_stats":
        return send(res, 200, feeStatsJson(ledger));
      case "ledgers": {
        if (!id) return collection(req, res, url, ledgerItems);
        if (!/^\d{1,10}$/.test(id)) return send(res, 400, invalidField("sequence", "must be a ledger number"));
        const seq = Number(id);
        if (!sub) {
          const h = ledger.headers.find((x) => x.sequence === seq);
          if (!plainOnly(req)) return send(res, 406, notAcceptable());
          return h ? send(res, 200, ledgerJson(base, h)) : send(res, 404, notFound());
        }
        if (key) return send(res, 404, notFound());
        const from = BigInt(seq) << 32n;
        const to = BigInt(seq + 1) << 32n;
        return scoped(req, res, url, sub, { txs: history.txs, ops: history.ops, payments: history.payments, effects: history.effects }, { from, to });
      }
      case "transactions": {
        if (!id) return collection(req, res, url, (p) => txItems(history.txs, p, boolParam(url, "include_failed")));
        const record = ledger.getTransaction(id);
        if (!record) return send(res, 404, notFound());
        if (!sub) return plainOnly(req) ? send(res, 200, transactionJson(base, record)) : send(res, 406, notAcceptable());
        if (key || sub === "transactions") return send(res, 404, notFound());
        const from = BigInt(record.pagingToken);
        // Everything of one transaction, failed or not (Horizon, too, lists a failed transaction's operations).
        return scoped(req, res, url, sub, { ops: history.ops, payments: history.payments, effects: history.effects }, { from, to: from + 4096n, allFailed: true });
      }
      case "operations": {
        if (!id) return scoped(req, res, url, "operations", { ops: history.ops, payments: history.payments, effects: history.effects });
        if (!/^\d{1,20}$/.test(id)) return send(res, 400, invalidField("id", "must be an operation id"));
        const op = history.opById(BigInt(id));
        if (!op) return send(res, 404, notFound());
        if (!sub) {
          if (!plainOnly(req)) return send(res, 406, notAcceptable());
          return send(res, 200, operationJson(base, op.tx.rec, history.envelope(op.tx.rec), op.i, url.searchParams.get("join") === "transactions"));
        }
        if (sub !== "effects" || key) return send(res, 404, notFound());
        return scoped(req, res, url, "effects", { ops: [], payments: [], effects: history.effects }, { from: op.id, to: op.id + 1n });
      }
      case "payments":
        if (id) return send(res, 404, notFound());
        return scoped(req, res, url, "payments", { ops: history.ops, payments: history.payments, effects: history.effects });
      case "effects":
        if (id) return send(res, 404, notFound());
        return scoped(req, res, url, "effects", { ops: history.ops, payments: history.payments, effects: history.effects });
      case "assets":
        if (id) return send(res, 404, notFound());
        return assetsList(req, res, url);
      case "claimable_balances":
        if (id) return send(res, 404, notModelled("claimable balances"));
        return emptyPage(req, res, url);
      case "offers":
      case "trades":
        if (id) return send(res, 404, notModelled("offers or trades (there is no DEX)"));
        return emptyPage(req, res, url);
      case "order_book":
        return send(res, 404, notModelled("order books (there is no DEX)"));
      case "paths":
        return send(res, 404, notModelled("path finding (there is no DEX)"));
      case "trade_aggregations":
        return send(res, 404, notModelled("trade aggregations (there is no DEX)"));
      case "liquidity_pools":
        return send(res, 404, notModelled("liquidity pools"));
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
