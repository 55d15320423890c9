import { describe, expect, it } from "vitest";
import { clientAddress, normalizeAddress } from "@/server/http/client-address";

describe("clientAddress", () => {
  it("with no trusted proxy (hops 0) ignores any client-sent X-Forwarded-For and uses the socket", () => {
    expect(clientAddress("203.0.113.5", "1.2.3.4", 0)).toBe("203.0.113.5");
    expect(clientAddress("203.0.113.5", "1.2.3.4, 5.6.7.8", 0)).toBe("203.0.113.5");
    expect(clientAddress("203.0.113.5", ["9.9.9.9", "8.8.8.8"], 0)).toBe("203.0.113.5");
    expect(clientAddress("203.0.113.5", undefined, 0)).toBe("203.0.113.5");
  });

  it("with N trusted proxies takes the Nth entry from the right of `<XFF>, <socket>`", () => {
    // One proxy (socket 10.0.0.2) appended the client 198.51.100.7; the client claimed 1.2.3.4.
    expect(clientAddress("10.0.0.2", "1.2.3.4, 198.51.100.7", 1)).toBe("198.51.100.7");
    // Two proxies: CDN appended the client, the load balancer appended the CDN edge.
    expect(clientAddress("10.0.0.2", "1.2.3.4, 198.51.100.7, 192.0.2.40", 2)).toBe("198.51.100.7");
    // Several X-Forwarded-For headers read as one list.
    expect(clientAddress("10.0.0.2", ["1.2.3.4", "198.51.100.7"], 1)).toBe("198.51.100.7");
  });

  it("with fewer entries than hops uses the left-most one (a request that skipped a proxy)", () => {
    expect(clientAddress("10.0.0.2", "198.51.100.7", 3)).toBe("198.51.100.7");
    expect(clientAddress("10.0.0.2", "", 1)).toBe("10.0.0.2");
    expect(clientAddress("10.0.0.2", undefined, 2)).toBe("10.0.0.2");
  });

  it("normalises IPv4-mapped, bracketed and ported forms; garbage from the chain falls back to the socket", () => {
    expect(clientAddress("::ffff:127.0.0.1", "6.6.6.6", 0)).toBe("127.0.0.1");
    expect(clientAddress("10.0.0.2", "[2001:DB8::1]:443", 1)).toBe("2001:db8::1");
    expect(clientAddress("10.0.0.2", "198.51.100.7:51234", 1)).toBe("198.51.100.7");
    expect(clientAddress("10.0.0.2", "not-an-address", 1)).toBe("10.0.0.2");
    expect(clientAddress(undefined, "1.2.3.4", 0)).toBe("unknown");
  });

  it("treats a bad hop count as 0", () => {
    expect(clientAddress("203.0.113.5", "1.2.3.4", -1)).toBe("203.0.113.5");
    expect(clientAddress("203.0.113.5", "1.2.3.4", 1.5)).toBe("203.0.113.5");
  });

  it("normalizeAddress", () => {
    expect(normalizeAddress(" ::1 ")).toBe("::1");
    expect(normalizeAddress("fe80::1%eth0")).toBe("fe80::1");
    expect(normalizeAddress("1.2.3")).toBeNull();
  });
});
