/**
 * Server-Sent Events as Horizon streams collections (its render/sse package, stellar/go before
 * Horizon moved out): status 200 with `text/event-stream`, a first `open` event (`retry: 1000`, data
 * `"hello"`), then one `message` event per record with `id` = its paging token, oldest first from the
 * cursor, re-queried after every ledger close. After `limit` records (default 10) a `close` event
 * (`retry: 10`, data `"byebye"`) ends the response: the SDK's `stream()` then reconnects from the last
 * paging token it saw, as it does with Horizon.
 */
import type http from "node:http";
import type { LocalLedger } from "./ledger";
import type { Paging } from "./paging";

export interface StreamItem {
  token: string;
  json: () => Record<string, unknown>;
}

export function streamCollection(req: http.IncomingMessage, res: http.ServerResponse, ledger: LocalLedger, p: Paging, fetch: (p: Paging) => StreamItem[]): void {
  res.writeHead(200, {
    "Content-Type": "text/event-stream; charset=utf-8",
    "Cache-Control": "no-cache",
    Connection: "keep-alive",
    "Access-Control-Allow-Origin": "*",
  });
  res.write('retry: 1000\nevent: open\ndata: "hello"\n\n');
  // Streams run forward in time, whatever `order` says (a descending stream would only repeat itself).
  let cursor = p.cursor;
  let remaining = p.limit;
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    unsubscribe();
  };
  const pump = () => {
    if (done || res.destroyed) return finish();
    const items = fetch({ order: "asc", limit: remaining, cursor });
    for (const it of items) {
      res.write(`id: ${it.token}\ndata: ${JSON.stringify(it.json())}\n\n`);
      cursor = it.token;
      remaining--;
    }
    if (remaining <= 0) {
      res.end('retry: 10\nevent: close\ndata: "byebye"\n\n');
      finish();
    }
  };
  const unsubscribe = ledger.onClose(pump);
  req.on("close", finish);
  res.on("close", finish);
  pump();
}
