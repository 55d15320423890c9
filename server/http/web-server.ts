import http, { type IncomingMessage, type ServerResponse } from "node:http";
import { clientAddress } from "./client-address";

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
  server.on(
    "request",
    withClientAddress((req, res) => handle(req, res), options.hops),
  );
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
