import { randomUUID } from "node:crypto";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import path from "node:path";
import { getDb, type Db } from "@/db/client";
import { config, keepConfigForProcess } from "@/server/config";
import { databaseLiveness } from "@/server/services/health/database-liveness";
import { clientAddress } from "./client-address";
import { withRestFastPath } from "./rest-fast-path";
import { withTrpcFastPath } from "./trpc-fast-path";
import { securityHeaders } from "./security-headers";

type Handler = (req: IncomingMessage, res: ServerResponse) => unknown;

/**
 * Wraps a Node request handler so that, before the app sees a request, X-Forwarded-For holds
 * exactly one address: the client's, computed from the socket and the incoming header with
 * TRUSTED_PROXY_HOPS (server/http/client-address.ts). A client-sent X-Forwarded-For or X-Real-IP
 * therefore never reaches sign-in throttling, API-key address checks or the sessions list
 * (`next start` alone would keep a client-sent header as it is).
 */
export function withClientAddress(handler: Handler, hops: number): Handler {
  return (req, res) => {
    req.headers["x-forwarded-for"] = clientAddress(req.socket.remoteAddress, req.headers["x-forwarded-for"], hops);
    delete req.headers["x-real-ip"];
    return handler(req, res);
  };
}

/**
 * `GET /api/health` answered here, before Next.js: the same answer and headers as
 * app/api/health/route.ts (the shared database probe of server/services/health/database-liveness.ts,
 * the security headers proxy.ts sets on API answers, an x-request-id), without Next.js's routing,
 * proxy and route-handler work per request, which capped it at a few hundred requests a second
 * (docs/performance.md, "Health"). A load balancer polling it costs almost nothing. Not logged.
 */
export function withHealthFastPath(handler: Handler, options: { dev: boolean; db?: () => Db }): Handler {
  const db = options.db ?? getDb;
  return (req, res) => {
    const path = req.url?.split("?", 1)[0];
    if (path !== "/api/health" || (req.method !== "GET" && req.method !== "HEAD")) return handler(req, res);
    return databaseLiveness(db()).then(
      (database) => {
        const body = JSON.stringify({ status: database.reachable ? "ok" : "error", database });
        const headers: Record<string, string | number> = {
          ...securityHeaders({ pathname: "/api/health", appUrl: config().APP_URL, dev: options.dev }),
          "x-request-id": (typeof req.headers["x-request-id"] === "string" && req.headers["x-request-id"]) || randomUUID(),
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
          "cache-control": "no-store",
        };
        res.writeHead(database.reachable ? 200 : 503, headers);
        res.end(req.method === "HEAD" ? undefined : body);
      },
      () => handler(req, res),
    );
  };
}

export type WebServer = { server: http.Server; close: () => Promise<void> };

/**
 * The web server `npm start` / `npm run dev` run (scripts/web-server.ts): Next.js's request handler
 * behind `withClientAddress`, listening on every interface like `next start -p <port>`.
 */
export async function startWebServer(options: { dev: boolean; dir: string; port: number; hops: number }): Promise<WebServer> {
  const { default: next } = await import("next");
  const server = http.createServer();
  const app = next({ dev: options.dev, dir: options.dir, port: options.port, hostname: "localhost", httpServer: server });
  await app.prepare();
  const handle = app.getRequestHandler();
  // Production: the process's environment is settled (the launcher set it before starting us), so
  // the fast paths' config() calls keep this parse instead of re-checking every variable per call.
  if (!options.dev) keepConfigForProcess();
  const toNext: Handler = (req, res) => handle(req, res);
  // Production only: `next dev` keeps serving the REST and tRPC reads itself, so edits show up at once.
  const served = options.dev ? toNext : withTrpcFastPath(withRestFastPath(toNext, { appDir: path.join(options.dir, "app"), dev: options.dev }), { dev: options.dev });
  server.on("request", withClientAddress(withHealthFastPath(served, { dev: options.dev }), options.hops));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, () => resolve());
  });
  return {
    server,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        // Long-lived connections (dev HMR sockets, slow clients) get a moment, then are cut.
        setTimeout(() => server.closeAllConnections(), 5_000).unref();
      });
      await app.close();
    },
  };
}
