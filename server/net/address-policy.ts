import { isIP, isIPv4, isIPv6 } from "node:net";
import { configFrom, type ConfigSource } from "@/server/config";
import { parseAllowHosts, type AllowList } from "./allow-hosts";

/**
 * Which destinations the server may call when a user chose the URL (G2P callbacks today): pure
 * rules without I/O, used by the guarded client (server/net/guarded-fetch.ts) on the resolved
 * addresses and by registration forms on literal hosts. The ranges are the IANA special-purpose
 * registries (IPv4 and IPv6); docs/security.md lists them.
 */

export type AddressKind =
  "loopback" | "unspecified" | "private" | "link-local" | "shared" | "multicast" | "broadcast" | "reserved" | "benchmarking" | "documentation" | "metadata" | "invalid";

export type AddressClass = { forbidden: false } | { forbidden: true; kind: AddressKind; description: string };

const LABELS: Record<AddressKind, string> = {
  loopback: "a loopback address",
  unspecified: "an unspecified address",
  private: "a private address",
  "link-local": "a link-local address",
  shared: "a shared (carrier-grade NAT) address",
  multicast: "a multicast address",
  broadcast: "the broadcast address",
  reserved: "a reserved address",
  benchmarking: "a benchmarking address",
  documentation: "a documentation address",
  metadata: "a cloud metadata address",
  invalid: "not an IP address",
};

type Range = { bytes: number[]; bits: number; kind: AddressKind };

function cidr(text: string, kind: AddressKind): Range {
  const [addr, bits] = text.split("/") as [string, string];
  const bytes = isIPv4(addr) ? parseIPv4(addr)! : parseIPv6(addr)!;
  return { bytes, bits: Number(bits), kind };
}

function inRange(bytes: number[], range: Range): boolean {
  let left = range.bits;
  for (let i = 0; left > 0; i++, left -= 8) {
    const mask = left >= 8 ? 0xff : (0xff << (8 - left)) & 0xff;
    if ((bytes[i]! & mask) !== (range.bytes[i]! & mask)) return false;
  }
  return true;
}

// First match wins: the single addresses before the blocks that hold them.
const IPV4_RANGES: Range[] = [
  cidr("169.254.169.254/32", "metadata"),
  cidr("255.255.255.255/32", "broadcast"),
  cidr("0.0.0.0/8", "unspecified"),
  cidr("10.0.0.0/8", "private"),
  cidr("100.64.0.0/10", "shared"),
  cidr("127.0.0.0/8", "loopback"),
  cidr("169.254.0.0/16", "link-local"),
  cidr("172.16.0.0/12", "private"),
  cidr("192.0.0.0/24", "reserved"),
  cidr("192.0.2.0/24", "documentation"),
  cidr("192.88.99.0/24", "reserved"),
  cidr("192.168.0.0/16", "private"),
  cidr("198.18.0.0/15", "benchmarking"),
  cidr("198.51.100.0/24", "documentation"),
  cidr("203.0.113.0/24", "documentation"),
  cidr("224.0.0.0/4", "multicast"),
  cidr("240.0.0.0/4", "reserved"),
];

// Forms that carry an IPv4 address: judged by the address they carry (bytes `at`..`at+3`).
const IPV6_EMBEDDING: { range: Range; at: number; form: string }[] = [
  { range: cidr("::ffff:0:0/96", "reserved"), at: 12, form: "an IPv4-mapped IPv6 address" },
  { range: cidr("64:ff9b::/96", "reserved"), at: 12, form: "a NAT64 address" },
  { range: cidr("2002::/16", "reserved"), at: 2, form: "a 6to4 address" },
];

const IPV6_RANGES: Range[] = [
  cidr("fd00:ec2::254/128", "metadata"),
  cidr("::/128", "unspecified"),
  cidr("::1/128", "loopback"),
  cidr("64:ff9b:1::/48", "private"),
  // IPv4-compatible (::a.b.c.d, deprecated) and the rest of ::/8 (after NAT64, which lies inside).
  cidr("::/8", "reserved"),
  cidr("100::/64", "reserved"),
  // Teredo: tunnels to an IPv4 address hidden in the bits.
  cidr("2001::/32", "reserved"),
  cidr("2001:2::/48", "benchmarking"),
  cidr("2001:db8::/32", "documentation"),
  cidr("2001:10::/28", "reserved"),
  cidr("2001:20::/28", "reserved"),
  cidr("3fff::/20", "documentation"),
  cidr("fc00::/7", "private"),
  cidr("fe80::/10", "link-local"),
  cidr("fec0::/10", "private"),
  cidr("ff00::/8", "multicast"),
];

const GLOBAL_UNICAST_V6 = cidr("2000::/3", "reserved");

/** Dotted-quad IPv4 (as DNS and the URL parser give it) to 4 bytes; null otherwise. */
export function parseIPv4(text: string): number[] | null {
  if (!isIPv4(text)) return null;
  return text.split(".").map(Number);
}

/** IPv6 text (with or without brackets, a zone or a dotted IPv4 tail) to 16 bytes; null otherwise. */
export function parseIPv6(text: string): number[] | null {
  let s = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
  const zone = s.indexOf("%");
  if (zone >= 0) s = s.slice(0, zone);
  if (!isIPv6(s)) return null;
  const lastColon = s.lastIndexOf(":");
  const tail = s.slice(lastColon + 1);
  if (tail.includes(".")) {
    const v4 = parseIPv4(tail);
    if (!v4) return null;
    s = `${s.slice(0, lastColon + 1)}${((v4[0]! << 8) | v4[1]!).toString(16)}:${((v4[2]! << 8) | v4[3]!).toString(16)}`;
  }
  const [head, rest] = s.split("::") as [string, string | undefined];
  const headGroups = head ? head.split(":") : [];
  const restGroups = rest ? rest.split(":") : [];
  const zeros = rest === undefined ? 0 : 8 - headGroups.length - restGroups.length;
  const groups = [...headGroups, ...Array.from({ length: zeros }, () => "0"), ...restGroups];
  if (groups.length !== 8) return null;
  return groups.flatMap((g) => {
    const n = parseInt(g, 16);
    return [n >> 8, n & 0xff];
  });
}

function forbidden(kind: AddressKind, description = LABELS[kind]): AddressClass {
  return { forbidden: true, kind, description };
}

/**
 * Whether the server may connect to this IP address (as DNS or a URL gives it). A refused one
 * comes with its kind and a phrase such as "a loopback address" or "an IPv4-mapped IPv6 address
 * of 127.0.0.1, a loopback address".
 */
export function classifyAddress(address: string): AddressClass {
  const v4 = parseIPv4(address);
  if (v4) {
    const hit = IPV4_RANGES.find((r) => inRange(v4, r));
    return hit ? forbidden(hit.kind) : { forbidden: false };
  }
  const v6 = parseIPv6(address);
  if (!v6) return forbidden("invalid");
  for (const e of IPV6_EMBEDDING) {
    if (!inRange(v6, e.range)) continue;
    const inner = v6.slice(e.at, e.at + 4).join(".");
    const verdict = classifyAddress(inner);
    return verdict.forbidden ? forbidden(verdict.kind, `${e.form} of ${inner}, ${verdict.description}`) : { forbidden: false };
  }
  const hit = IPV6_RANGES.find((r) => inRange(v6, r));
  if (hit) return forbidden(hit.kind);
  // Outside 2000::/3 nothing is assigned for global unicast.
  return inRange(v6, GLOBAL_UNICAST_V6) ? { forbidden: false } : forbidden("reserved");
}

/** Names refused before any DNS query: loopback by definition (RFC 6761) and metadata services. */
export function classifyHostName(hostname: string): AddressClass {
  const name = hostname.toLowerCase().replace(/\.$/, "");
  if (name === "localhost" || name.endsWith(".localhost")) return forbidden("loopback", "a loopback name");
  if (name === "metadata.google.internal" || name === "metadata.goog" || name === "metadata") return forbidden("metadata", "a cloud metadata name");
  return { forbidden: false };
}

/** A URL host without IPv6 brackets (what DNS and sockets take). */
export function bareHost(hostname: string): string {
  return hostname.startsWith("[") && hostname.endsWith("]") ? hostname.slice(1, -1) : hostname;
}

export function effectivePort(url: URL): number {
  if (url.port) return Number(url.port);
  return url.protocol === "https:" ? 443 : 80;
}

// ---------------------------------------------------------------------------------------------
// OUTBOUND_ALLOW_HOSTS

export { AllowListError, parseAllowHosts, type AllowEntry, type AllowList } from "./allow-hosts";

let cachedRaw: string | undefined;
let cachedList: AllowList = [];

/** The allow-list from the configuration, read at each call (cheap; tests may change it). */
export function outboundAllowList(env?: ConfigSource): AllowList {
  const raw = configFrom(env).OUTBOUND_ALLOW_HOSTS;
  if (raw !== cachedRaw) {
    cachedList = parseAllowHosts(raw);
    cachedRaw = raw;
  }
  return cachedList;
}

export function isAllowListed(url: URL, allow: AllowList): boolean {
  const hostname = url.hostname.toLowerCase().replace(/\.$/, "");
  const port = effectivePort(url);
  return allow.some((e) => e.hostname === hostname && (e.port === null || e.port === port));
}

/**
 * What is wrong with the URL's host when it can be told without DNS (an IP literal, in any numeric
 * form the URL parser accepts, or a refused name), or null. Not allow-listed hosts only.
 */
export function literalHostProblem(url: URL, allow: AllowList): string | null {
  if (isAllowListed(url, allow)) return null;
  const host = bareHost(url.hostname);
  const verdict = isIP(host) ? classifyAddress(host) : classifyHostName(host);
  return verdict.forbidden ? `${host} is ${verdict.description}` : null;
}

// ---------------------------------------------------------------------------------------------
// What staff see of an answer

/** Bytes of a remote answer kept where staff read it (error messages of callbacks). */
export const STAFF_SNIPPET_BYTES = 300;

/**
 * A remote answer as stored for staff: control and bidirectional-override characters removed,
 * whitespace collapsed, cut to `maxBytes` of UTF-8 (with "…" when cut).
 */
export function staffSnippet(text: string, maxBytes = STAFF_SNIPPET_BYTES): string {
  const clean = text
    .replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]+/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  if (Buffer.byteLength(clean, "utf8") <= maxBytes) return clean;
  const budget = maxBytes - 3; // "…" is 3 bytes
  let used = 0;
  let out = "";
  for (const ch of clean) {
    const size = Buffer.byteLength(ch, "utf8");
    if (used + size > budget) break;
    out += ch;
    used += size;
  }
  return `${out}…`;
}
