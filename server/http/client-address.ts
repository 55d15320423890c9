import { isIP } from "node:net";

/**
 * The address of the client a request came from, for sign-in throttling and the sessions list
 * (docs/security.md, "Client address").
 *
 * `<X-Forwarded-For entries>, <socket address>` is read right to left: each trusted proxy appends
 * the address it received the request from, so with `hops` trusted proxies in front of the app
 * the client is the `hops`-th entry from the right (0 = the socket itself). Everything further
 * left was written by the client and is never used. With fewer entries than `hops` (a request that
 * skipped a proxy) the left-most entry is the best there is.
 */
export function clientAddress(socketAddress: string | null | undefined, xffHeader: string | string[] | null | undefined, hops: number): string {
  const socket = normalizeAddress(socketAddress ?? "") ?? "unknown";
  const trusted = Number.isInteger(hops) && hops > 0 ? hops : 0;
  if (trusted === 0) return socket;
  const header = Array.isArray(xffHeader) ? xffHeader.join(",") : (xffHeader ?? "");
  const entries = header
    .split(",")
    .map((e) => e.trim())
    .filter((e) => e.length > 0);
  entries.push(socket);
  const picked = entries[Math.max(0, entries.length - 1 - trusted)]!;
  // A trusted proxy writes addresses; anything else means a misconfigured chain: use the socket.
  return normalizeAddress(picked) ?? socket;
}

/**
 * An IP address in one canonical spelling ("::ffff:10.0.0.1" → "10.0.0.1", "[::1]:80" → "::1",
 * "10.0.0.1:5000" → "10.0.0.1"), or null when the text is not an address.
 */
export function normalizeAddress(text: string): string | null {
  let value = text.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(value);
  if (bracketed) value = bracketed[1]!;
  else if (/^\d{1,3}(\.\d{1,3}){3}:\d+$/.test(value)) value = value.slice(0, value.lastIndexOf(":"));
  const zone = value.indexOf("%");
  if (zone > 0) value = value.slice(0, zone);
  const kind = isIP(value);
  if (kind === 0) return null;
  if (kind === 4) return value;
  const lower = value.toLowerCase();
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(lower);
  return mapped ? mapped[1]! : lower;
}
