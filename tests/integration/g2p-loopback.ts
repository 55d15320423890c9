import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createPublicKey } from "node:crypto";
import { blake512, platformSigningKey, verifyG2pSignature } from "@/server/services/g2p/signature";

/**
 * A loopback G2P sender for tests: an HTTP server on 127.0.0.1 (random port) that receives our
 * callbacks, checks each one's signature with the platform public key, and answers as told
 * (ACK by default). Every request is recorded in arrival order.
 */

export type ReceivedCallback = {
  path: string;
  method: string;
  contentType: string | undefined;
  /** The parsed body (undefined when it was not JSON). */
  body: any;
  /** The signature verified with the platform key and header.sender_id. */
  verified: boolean;
  verifyReason: string | null;
  /**
   * The HTTP `Signature` header verified over the exact body bytes (and the `Digest` header is
   * BLAKE-512 of those bytes); null when there was no such header.
   */
  headerVerified: boolean | null;
  at: number;
};

/** What to answer: a status and JSON (or raw text), or `hang` (never answer). */
export type LoopbackAnswer = { status: number; json?: unknown; text?: string; headers?: Record<string, string>; delayMs?: number } | "hang";

export type Loopback = {
  url: string;
  port: number;
  received: ReceivedCallback[];
  /** Decide the answer per request (default: ACK). */
  respond: (callback: ReceivedCallback) => LoopbackAnswer;
  close(): Promise<void>;
};

export function ackAnswer(correlationId = "loopback"): LoopbackAnswer {
  return { status: 200, json: { message: { ack_status: "ACK", timestamp: new Date().toISOString(), correlation_id: correlationId } } };
}

export async function startLoopback(options: { expectedSenderId?: string } = {}): Promise<Loopback> {
  const publicKey = createPublicKey(platformSigningKey().privateKey);
  const hanging = new Set<ServerResponse>();
  const loopback: Loopback = {
    url: "",
    port: 0,
    received: [],
    respond: () => ackAnswer(),
    close: async () => {},
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      let body: any;
      try {
        body = JSON.parse(raw);
      } catch {
        body = undefined;
      }
      let verified = false;
      let verifyReason: string | null = "no body";
      if (body && typeof body.signature === "string" && body.header) {
        const senderOk = !options.expectedSenderId || body.header.sender_id === options.expectedSenderId;
        const result = verifyG2pSignature(body.signature, body.header, body.message, publicKey);
        verified = result.ok && senderOk;
        verifyReason = result.ok ? (senderOk ? null : `sender_id ${body.header.sender_id}`) : result.reason;
      }
      let headerVerified: boolean | null = null;
      const headerSignature = req.headers.signature;
      if (typeof headerSignature === "string" && body?.header) {
        // Only the raw-body digest: what a generic HTTP-signature verifier checks.
        const digestOk = req.headers.digest === `BLAKE-512=${blake512(raw)}`;
        const result = verifyG2pSignature(headerSignature, body.header, { not: "the message" }, publicKey, { rawBody: raw });
        headerVerified = digestOk && result.ok;
      }
      const callback: ReceivedCallback = {
        headerVerified,
        path: req.url ?? "",
        method: req.method ?? "",
        contentType: req.headers["content-type"],
        body,
        verified,
        verifyReason,
        at: Date.now(),
      };
      loopback.received.push(callback);
      const answer = loopback.respond(callback);
      if (answer === "hang") {
        hanging.add(res);
        res.on("close", () => hanging.delete(res));
        return;
      }
      const send = () => {
        const payload = answer.text ?? (answer.json === undefined ? "" : JSON.stringify(answer.json));
        res.writeHead(answer.status, { "content-type": "application/json", ...answer.headers });
        res.end(payload);
      };
      if (answer.delayMs) setTimeout(send, answer.delayMs);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  loopback.port = port;
  loopback.url = `http://127.0.0.1:${port}`;
  loopback.close = async () => {
    for (const res of hanging) res.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return loopback;
}

/** A port on 127.0.0.1 with nothing listening (taken, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
