import { isIPv6 } from "node:net";

/**
 * The syntax of OUTBOUND_ALLOW_HOSTS, apart from the address rules (server/net/address-policy.ts) so
 * the configuration declaration (server/config/schema.ts) can check it at start-up without a cycle.
 */

export type AllowEntry = { hostname: string; port: number | null };
export type AllowList = readonly AllowEntry[];

export class AllowListError extends Error {}

/**
 * OUTBOUND_ALLOW_HOSTS: comma-separated `host` (any port) or `host:port`; IPv6 as `[::1]` or
 * `[::1]:8080` (a bare `::1` is read as a host). Hosts are compared after the URL parser's
 * normalisation, so `127.0.0.1` also covers `http://0x7f000001/`.
 */
export function parseAllowHosts(raw: string | undefined): AllowList {
  if (!raw) return [];
  const entries: AllowEntry[] = [];
  for (const part of raw.split(",")) {
    const item = part.trim();
    if (!item) continue;
    const text = isIPv6(item) ? `[${item}]` : item;
    let url: URL;
    try {
      url = new URL(`http://${text}`);
    } catch {
      throw new AllowListError(`OUTBOUND_ALLOW_HOSTS: "${item}" is not a host or host:port`);
    }
    if (url.username || url.password || url.pathname !== "/" || url.search || url.hash || text.includes("/")) {
      throw new AllowListError(`OUTBOUND_ALLOW_HOSTS: "${item}" is not a host or host:port (no scheme or path)`);
    }
    const explicitPort = /:\d+$/.test(text) && !/^\[[^\]]*\]$/.test(text);
    entries.push({ hostname: url.hostname.replace(/\.$/, ""), port: explicitPort ? Number(text.slice(text.lastIndexOf(":") + 1)) : null });
  }
  return entries;
}
