/**
 * The HTTP server `npm run bench:g2p` sends its requests to, run as a child process of the bench
 * (so the client's signing and the server's work never share an event loop). Every POST endpoint
 * under /api/g2p is served by `g2pPostHandler`, the same function the Next.js route files export
 * (app/api/g2p/**\/route.ts), over a plain node:http server: real TCP and HTTP, without Next.js
 * routing and proxy.ts in front (those add the same few milliseconds to any request).
 *
 * Each answer carries `server-timing`: `read` (the body arriving from the socket), `handler` (the
 * route handler: JSON, API key, signature, schema, the accepting transaction with its callback
 * stored in the outbox, the answer serialized) and `cpu` (this process's CPU time during both).
 * Environment: DATABASE_URL and what the app reads. Tells the parent its port over IPC.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { G2P_POST_ENDPOINTS, g2pPostHandler, type G2pPostEndpointKey } from "../../server/adapters/g2p/receive-g2p-request";

const routes = new Map<string, (request: Request) => Promise<Response>>(
  (Object.keys(G2P_POST_ENDPOINTS) as G2pPostEndpointKey[]).map((key) => [`/api/g2p${G2P_POST_ENDPOINTS[key].path}`, g2pPostHandler(key)] as const),
);

const server = createServer(async (req, res) => {
  try {
    const started = performance.now();
    const cpuStart = process.cpuUsage();
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const read = performance.now();
    const handler = routes.get(req.url ?? "");
    if (req.method !== "POST" || !handler) {
      res.writeHead(404).end();
      return;
    }
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string") headers.set(name, value);
    const response = await handler(new Request(`http://${req.headers.host ?? "bench"}${req.url}`, { method: "POST", headers, body }));
    const answer = Buffer.from(await response.arrayBuffer());
    const done = performance.now();
    const cpu = process.cpuUsage(cpuStart);
    res.writeHead(response.status, {
      "content-type": response.headers.get("content-type") ?? "application/json",
      "server-timing": `read;dur=${(read - started).toFixed(1)}, handler;dur=${(done - read).toFixed(1)}, cpu;dur=${((cpu.user + cpu.system) / 1000).toFixed(1)}`,
    });
    res.end(answer);
  } catch (error) {
    res.writeHead(500, { "content-type": "text/plain" }).end(String((error as Error)?.stack ?? error));
  }
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => process.send?.({ port: (server.address() as AddressInfo).port }));
process.on("disconnect", () => server.close(() => process.exit(0)));
