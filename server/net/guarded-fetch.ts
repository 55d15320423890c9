import { lookup as dnsLookup } from "node:dns/promises";
import http, { type IncomingHttpHeaders } from "node:http";
import https from "node:https";
import { isIP, type LookupFunction } from "node:net";
import { bareHost, classifyAddress, classifyHostName, effectivePort, isAllowListed, outboundAllowList, staffSnippet, type AllowList } from "./address-policy";

export { STAFF_SNIPPET_BYTES, classifyAddress, outboundAllowList, parseAllowHosts, staffSnippet } from "./address-policy";

/**
 * The one HTTP client for URLs that users configure (G2P callbacks today). Before connecting it
 * resolves the host and refuses loopback, private, link-local, shared, multicast, reserved and
 * metadata addresses (server/net/address-policy.ts) unless the host is in OUTBOUND_ALLOW_HOSTS;
 * then it connects to exactly the address it checked (the socket's lookup answers with it, so a
 * second DNS answer cannot swap in another), never follows redirects, gives up after a timeout and
 * reads at most a capped number of bytes. See docs/security.md.
 */

export type OutboundErrorCode = "url_invalid" | "destination_refused" | "dns_failed" | "timeout" | "network_error";

export class OutboundError extends Error {
  constructor(
    readonly code: OutboundErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "OutboundError";
  }
}

export type ResolveAll = (hostname: string) => Promise<{ address: string; family: number }[]>;

export type GuardOptions = {
  /** Hosts allowed although their addresses are not public (default: OUTBOUND_ALLOW_HOSTS). */
  allowHosts?: AllowList;
  /** Refuse plain http to hosts not allow-listed (default: NODE_ENV is production). */
  httpsOnly?: boolean;
  /** DNS (default: node:dns lookup of every address); tests give their own. */
  resolve?: ResolveAll;
};

export type GuardedRequestOptions = GuardOptions & {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** For the whole exchange: DNS, connect, answer and body (default 10 s). */
  timeoutMs?: number;
  /** Bytes of the answer read at most; the rest is dropped (default 64 KiB). */
  maxResponseBytes?: number;
};

export type GuardedResponse = {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The answer was longer than maxResponseBytes. */
  truncated: boolean;
  /** The address connected to. */
  address: string;
};

export type VettedDestination = { url: URL; host: string; port: number; address: string; family: 4 | 6; allowListed: boolean };

const defaultResolve: ResolveAll = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

function refused(what: string): OutboundError {
  return new OutboundError("destination_refused", `destination address not allowed: ${what}`);
}

/**
 * Parse the URL (WHATWG: `0x7f000001`, `2130706433`, `0177.0.0.1` and `127.1` all become
 * 127.0.0.1), resolve its host and check every address. Throws OutboundError; opens no connection.
 */
export async function vetDestination(input: string | URL, options: GuardOptions = {}): Promise<VettedDestination> {
  let url: URL;
  try {
    url = new URL(String(input));
  } catch {
    throw new OutboundError("url_invalid", "the URL is not an absolute http(s) URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new OutboundError("url_invalid", `the URL scheme ${url.protocol} is not allowed (only http and https)`);
  if (url.username || url.password) throw new OutboundError("url_invalid", "the URL must not contain a user name or password");
  const allowListed = isAllowListed(url, options.allowHosts ?? outboundAllowList());
  const host = bareHost(url.hostname);
  // NODE_ENV stays a process.env read: Next.js sets it and inlines it at build time.
  const httpsOnly = options.httpsOnly ?? process.env.NODE_ENV === "production";
  if (httpsOnly && url.protocol === "http:" && !allowListed) {
    throw refused(`plain http to ${host} (use https, or list the host in OUTBOUND_ALLOW_HOSTS)`);
  }

  let addresses: { address: string; family: number }[];
  if (isIP(host)) {
    addresses = [{ address: host, family: isIP(host) }];
  } else {
    const name = classifyHostName(host);
    if (name.forbidden && !allowListed) throw refused(`${host} is ${name.description}`);
    try {
      addresses = await (options.resolve ?? defaultResolve)(host);
    } catch (error) {
      const code = (error as { code?: string }).code;
      throw new OutboundError("dns_failed", `could not resolve ${host}${code ? ` (${code})` : ""}`);
    }
    if (addresses.length === 0) throw new OutboundError("dns_failed", `could not resolve ${host}`);
  }
  if (!allowListed) {
    // Every address must pass: a name that also resolves to a private address is refused whole.
    for (const a of addresses) {
      const verdict = classifyAddress(a.address);
      if (verdict.forbidden) throw refused(a.address === host ? `${host} is ${verdict.description}` : `${host} resolves to ${a.address}, ${verdict.description}`);
    }
  }
  const first = addresses[0]!;
  return { url, host, port: effectivePort(url), address: first.address, family: first.family === 6 ? 6 : 4, allowListed };
}

/** A socket lookup that answers only with the vetted address, whatever name it is asked for. */
function pinnedLookup(address: string, family: 4 | 6): LookupFunction {
  return ((_hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options?.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  }) as unknown as LookupFunction;
}

/**
 * One request to a user-configured URL. Resolves with any HTTP status (a 3xx is returned, never
 * followed: callers treat it as a failure); throws OutboundError when refused, unresolvable,
 * unreachable or too slow. A refused destination fails before any connection, so its message is
 * the same whether something listens there or not.
 */
export async function guardedRequest(input: string | URL, options: GuardedRequestOptions = {}): Promise<GuardedResponse> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxBytes = options.maxResponseBytes ?? 64 * 1024;
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  const timeout = new Promise<never>((_, reject) =>
    controller.signal.addEventListener("abort", () => reject(new OutboundError("timeout", `no answer within ${timeoutMs} ms`)), { once: true }),
  );
  timeout.catch(() => {});
  try {
    const target = await Promise.race([vetDestination(input, options), timeout]);
    return await Promise.race([send(target, options, maxBytes, controller.signal), timeout]);
  } catch (error) {
    if (error instanceof OutboundError) throw error;
    if (timedOut) throw new OutboundError("timeout", `no answer within ${timeoutMs} ms`);
    const e = error as Error & { code?: string; cause?: { code?: string } };
    const code = e.code ?? e.cause?.code;
    throw new OutboundError("network_error", code ? `connection failed (${code})` : staffSnippet(`connection failed: ${e.message ?? String(error)}`, 200));
  } finally {
    clearTimeout(timer);
  }
}

function send(target: VettedDestination, options: GuardedRequestOptions, maxBytes: number, signal: AbortSignal): Promise<GuardedResponse> {
  const { url, host, port, address, family } = target;
  const body = options.body === undefined ? undefined : Buffer.isBuffer(options.body) ? options.body : Buffer.from(options.body, "utf8");
  const headers: Record<string, string> = { ...options.headers };
  if (body) headers["content-length"] = String(body.length);
  const client = url.protocol === "https:" ? https : http;
  return new Promise<GuardedResponse>((resolve, reject) => {
    const req = client.request(
      {
        protocol: url.protocol,
        host,
        port,
        path: `${url.pathname}${url.search}`,
        method: options.method ?? "GET",
        headers,
        // A fresh connection to the address just checked: no pooled socket from an earlier answer.
        agent: false,
        lookup: pinnedLookup(address, family),
        // SNI and certificate checks name the host, not the address.
        ...(url.protocol === "https:" && !isIP(host) ? { servername: host } : {}),
        signal,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        let truncated = false;
        const finish = () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), truncated, address });
        res.on("data", (chunk: Buffer) => {
          if (truncated) return;
          const room = maxBytes - size;
          if (chunk.length > room) {
            chunks.push(chunk.subarray(0, room));
            size = maxBytes;
            truncated = true;
            finish();
            res.destroy();
            return;
          }
          chunks.push(chunk);
          size += chunk.length;
        });
        res.on("end", finish);
        res.on("error", (error) => (truncated ? undefined : reject(error)));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}
