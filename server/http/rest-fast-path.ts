import { randomUUID } from "node:crypto";
import { readdirSync, statSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";
import { config } from "@/server/config";
import { writeLogLine } from "@/server/log";
import { redactPath } from "./log-redaction";
import { securityHeaders } from "./security-headers";

type Handler = (req: IncomingMessage, res: ServerResponse) => unknown;
type RouteHandler = (request: Request, context: { params: Promise<Record<string, string>> }) => Promise<Response>;
type Route = { pattern: RegExp; names: string[]; file: string; module?: Promise<{ GET?: RouteHandler }> };

/**
 * The REST API's `GET` routes (app/api/v1/**\/route.ts), matched like Next.js matches them: static
 * segments before dynamic ones (`[id]`), one segment per parameter.
 */
export function restRoutes(appDir: string): Route[] {
  const base = path.join(appDir, "api", "v1");
  const routes: { route: Route; rank: string }[] = [];
  const visit = (dir: string, segments: string[]) => {
    for (const entry of readdirSync(dir)) {
      const full = path.join(dir, entry);
      if (statSync(full).isDirectory()) visit(full, [...segments, entry]);
      else if (entry === "route.ts" || entry === "route.js") {
        const names: string[] = [];
        const source = segments
          .map((s) => {
            // `[...name]`: the catch-all (app/api/v1/[...path], the JSON 404), one or more segments.
            const catchAll = /^\[\.\.\.([A-Za-z0-9_]+)\]$/.exec(s);
            if (catchAll) {
              names.push(catchAll[1]!);
              return "(.+)";
            }
            const dynamic = /^\[([A-Za-z0-9_]+)\]$/.exec(s);
            if (!dynamic) return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
            names.push(dynamic[1]!);
            return "([^/]+)";
          })
          .join("/");
        // Static segments sort before dynamic ones, segment by segment, and a catch-all after all.
        const rank = segments.map((s) => (s.startsWith("[...") ? "2" : s.startsWith("[") ? "1" : "0")).join("");
        routes.push({ route: { pattern: new RegExp(`^/api/v1${source ? `/${source}` : ""}$`), names, file: full }, rank });
      }
    }
  };
  visit(base, []);
  return routes.sort((a, b) => a.rank.localeCompare(b.rank)).map((r) => r.route);
}

/**
 * `GET /api/v1/…` answered by the web server, before Next.js (docs/performance/pages.md, "REST
 * reads"). The same route handler runs (app/api/v1/**\/route.ts: API-key authentication, scopes,
 * the service call, SDP's error shapes), with what proxy.ts does for an API request around it: an
 * `x-request-id` (the client's, else a new one) on the request and the answer, the security headers
 * of an API answer, and the one request log line. Next.js's routing, proxy and route-module layers
 * cost several times the handler itself per request (about 3–4 ms of CPU under load), which is what
 * kept the REST reads far from their target.
 *
 * Only `GET`: writes (bodies, upload limits, Origin checks) keep going through Next.js, and so does
 * any path that matches no route file or a route without `GET` (Next.js answers those, e.g. 404/405).
 * A route whose module cannot be loaded falls back to Next.js too.
 */
export function withRestFastPath(handler: Handler, options: { appDir: string; dev: boolean }): Handler {
  const routes = restRoutes(options.appDir);
  return (req, res) => {
    if (req.method !== "GET" || !req.url?.startsWith("/api/v1/")) return handler(req, res);
    const [pathname = "", search = ""] = req.url.split(/\?(.*)/s, 2);
    let route: Route | undefined;
    let match: RegExpExecArray | null = null;
    for (const r of routes) {
      match = r.pattern.exec(pathname);
      if (match) {
        route = r;
        break;
      }
    }
    if (!route || !match) return handler(req, res);
    const params: Record<string, string> = {};
    route.names.forEach((name, i) => {
      try {
        params[name] = decodeURIComponent(match[i + 1]!);
      } catch {
        params[name] = match[i + 1]!;
      }
    });
    route.module ??= import(route.file) as Promise<{ GET?: RouteHandler }>;
    const found = route;
    return route.module.then(
      (mod) => {
        const get = mod.GET;
        return get
          ? answerBeforeNext((request) => get(request, { params: Promise.resolve(params) }), req, res, { pathname, search, dev: options.dev })
          : handler(req, res);
      },
      (error: unknown) => {
        found.module = undefined;
        process.stderr.write(`[web] could not load ${found.file} for the REST fast path: ${error instanceof Error ? error.message : String(error)}\n`);
        return handler(req, res);
      },
    );
  };
}

/**
 * Answers a request the web server serves itself (the REST reads here, the tRPC reads in
 * server/http/trpc-fast-path.ts) with what proxy.ts does around it: an `x-request-id` (the
 * client's, else a new one) on the request and the answer, the request log line, and the security
 * headers of an API answer. `answer` gets a fetch Request carrying the incoming headers.
 */
export async function answerBeforeNext(
  answer: (request: Request) => Promise<Response>,
  req: IncomingMessage,
  res: ServerResponse,
  { pathname, search, dev }: { pathname: string; search: string; dev: boolean },
) {
  const incoming = req.headers["x-request-id"];
  const requestId = (typeof incoming === "string" && incoming) || randomUUID();
  const { APP_URL, LOG_LEVEL } = config();
  // The line proxy.ts writes for every request (pino's shape; the path redacted, never the query).
  if (LOG_LEVEL !== "silent" && LOG_LEVEL !== "warn" && LOG_LEVEL !== "error") {
    writeLogLine(
      `${JSON.stringify({ level: 30, time: new Date().toISOString(), service: "web", reqId: requestId, method: req.method ?? "GET", path: redactPath(pathname), msg: "request" })}\n`,
    );
  }
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else headers.set(name, value);
  }
  headers.set("x-request-id", requestId);
  const host = typeof req.headers.host === "string" && req.headers.host ? req.headers.host : "localhost";
  const request = new Request(`http://${host}${pathname}${search ? `?${search}` : ""}`, { method: "GET", headers });
  let response: Response;
  try {
    response = await answer(request);
  } catch (error) {
    process.stderr.write(`[web] ${pathname}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    response = Response.json({ error: "Internal server error" }, { status: 500 });
  }
  const body = Buffer.from(await response.arrayBuffer());
  const out: Record<string, string | string[] | number> = {};
  response.headers.forEach((value, name) => {
    if (name !== "set-cookie") out[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length) out["set-cookie"] = cookies;
  Object.assign(out, securityHeaders({ pathname, appUrl: APP_URL, dev }));
  out["x-request-id"] = requestId;
  out["content-length"] = body.byteLength;
  res.writeHead(response.status, out);
  res.end(body);
}
