/**
 * The outbound address policy (server/net/address-policy.ts) and the guard's checks before any
 * connection (server/net/guarded-fetch.ts vetDestination, with a fake resolver): every forbidden
 * IPv4 and IPv6 range, embedded and mapped forms, numeric tricks in URL hosts, metadata names, the
 * allow-list, and the staff snippet. Nothing here opens a socket.
 */
import { describe, expect, it } from "vitest";
import { classifyAddress, classifyHostName, isAllowListed, literalHostProblem, parseAllowHosts, parseIPv6, staffSnippet } from "@/server/net/address-policy";
import { OutboundError, vetDestination, type ResolveAll } from "@/server/net/guarded-fetch";

const kind = (address: string) => {
  const c = classifyAddress(address);
  return c.forbidden ? c.kind : "public";
};

describe("classifyAddress: IPv4", () => {
  const cases: [string, string][] = [
    ["127.0.0.1", "loopback"],
    ["127.255.255.254", "loopback"],
    ["0.0.0.0", "unspecified"],
    ["0.1.2.3", "unspecified"],
    ["10.0.0.1", "private"],
    ["10.255.255.255", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["192.168.1.1", "private"],
    ["169.254.0.1", "link-local"],
    ["169.254.169.254", "metadata"],
    ["100.64.0.1", "shared"],
    ["100.127.255.255", "shared"],
    ["224.0.0.1", "multicast"],
    ["239.255.255.250", "multicast"],
    ["255.255.255.255", "broadcast"],
    ["240.0.0.1", "reserved"],
    ["192.0.0.8", "reserved"],
    ["198.18.0.1", "benchmarking"],
    ["198.19.255.255", "benchmarking"],
    ["192.0.2.1", "documentation"],
    ["198.51.100.7", "documentation"],
    ["203.0.113.9", "documentation"],
    // Public neighbours of the blocks above stay allowed.
    ["8.8.8.8", "public"],
    ["1.1.1.1", "public"],
    ["172.15.255.255", "public"],
    ["172.32.0.1", "public"],
    ["100.63.255.255", "public"],
    ["100.128.0.1", "public"],
    ["198.17.255.255", "public"],
    ["198.20.0.1", "public"],
    ["169.253.255.255", "public"],
    ["11.0.0.1", "public"],
    ["223.255.255.255", "public"],
  ];
  it.each(cases)("%s is %s", (address, expected) => {
    expect(kind(address)).toBe(expected);
  });

  it("describes a refusal in words", () => {
    expect(classifyAddress("127.0.0.1")).toEqual({ forbidden: true, kind: "loopback", description: "a loopback address" });
    expect(classifyAddress("169.254.169.254")).toMatchObject({ description: "a cloud metadata address" });
  });
});

describe("classifyAddress: IPv6", () => {
  const cases: [string, string][] = [
    ["::1", "loopback"],
    ["0:0:0:0:0:0:0:1", "loopback"],
    ["::", "unspecified"],
    ["fc00::1", "private"],
    ["fd12:3456:789a::1", "private"],
    ["fe80::1", "link-local"],
    ["fe80::1%eth0", "link-local"],
    ["febf::1", "link-local"],
    ["fec0::1", "private"],
    ["ff02::1", "multicast"],
    ["ff05::2", "multicast"],
    ["fd00:ec2::254", "metadata"],
    ["2001:db8::1", "documentation"],
    ["3fff::1", "documentation"],
    ["2001:2::1", "benchmarking"],
    ["100::1", "reserved"],
    ["2001::1", "reserved"],
    ["64:ff9b:1::1", "private"],
    // IPv4-mapped, in both spellings: judged by the IPv4 address they carry.
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:7f00:1", "loopback"],
    ["::ffff:10.0.0.1", "private"],
    ["::ffff:a9fe:a9fe", "metadata"],
    ["::ffff:0.0.0.0", "unspecified"],
    ["::ffff:8.8.8.8", "public"],
    // IPv4-compatible (deprecated): refused whatever it carries.
    ["::127.0.0.1", "reserved"],
    ["::7f00:1", "reserved"],
    ["::8.8.8.8", "reserved"],
    // NAT64 and 6to4 carrying a private IPv4 address.
    ["64:ff9b::127.0.0.1", "loopback"],
    ["64:ff9b::a00:1", "private"],
    ["64:ff9b::808:808", "public"],
    ["2002:7f00:1::", "loopback"],
    ["2002:c0a8:101::1", "private"],
    ["2002:a9fe:a9fe::", "metadata"],
    ["2002:808:808::1", "public"],
    // Outside global unicast.
    ["4000::1", "reserved"],
    ["5f00::1", "reserved"],
    // Global unicast.
    ["2606:4700:4700::1111", "public"],
    ["2a00:1450:4001:81b::200e", "public"],
  ];
  it.each(cases)("%s is %s", (address, expected) => {
    expect(kind(address)).toBe(expected);
  });

  it("names the IPv4 address inside a mapped, NAT64 or 6to4 form", () => {
    expect(classifyAddress("::ffff:7f00:1")).toMatchObject({ description: "an IPv4-mapped IPv6 address of 127.0.0.1, a loopback address" });
    expect(classifyAddress("64:ff9b::a00:1")).toMatchObject({ description: "a NAT64 address of 10.0.0.1, a private address" });
    expect(classifyAddress("2002:c0a8:101::")).toMatchObject({ description: "a 6to4 address of 192.168.1.1, a private address" });
  });

  it("parses compressed, full and dotted forms to the same bytes", () => {
    expect(parseIPv6("::ffff:127.0.0.1")).toEqual(parseIPv6("0:0:0:0:0:ffff:7f00:1"));
    expect(parseIPv6("[::1]")).toEqual([...Array(15).fill(0), 1]);
    expect(parseIPv6("1::")).toEqual([0, 1, ...Array(14).fill(0)]);
    expect(parseIPv6("not-an-address")).toBeNull();
    expect(classifyAddress("example.org")).toMatchObject({ forbidden: true, kind: "invalid" });
  });
});

describe("host names refused without DNS", () => {
  it("localhost and metadata names", () => {
    expect(classifyHostName("localhost")).toMatchObject({ forbidden: true, kind: "loopback" });
    expect(classifyHostName("LOCALHOST.")).toMatchObject({ forbidden: true, kind: "loopback" });
    expect(classifyHostName("app.localhost")).toMatchObject({ forbidden: true, kind: "loopback" });
    expect(classifyHostName("metadata.google.internal")).toMatchObject({ forbidden: true, kind: "metadata" });
    expect(classifyHostName("sender.example.org")).toEqual({ forbidden: false });
  });
});

describe("URL hosts after WHATWG normalisation", () => {
  const none = parseAllowHosts("");
  const problem = (url: string) => literalHostProblem(new URL(url), none);
  it.each([
    ["http://2130706433/", "127.0.0.1 is a loopback address"],
    ["http://0x7f000001/", "127.0.0.1 is a loopback address"],
    ["http://0177.0.0.1/", "127.0.0.1 is a loopback address"],
    ["http://127.1/", "127.0.0.1 is a loopback address"],
    ["http://0x7f.1/", "127.0.0.1 is a loopback address"],
    ["http://0/", "0.0.0.0 is an unspecified address"],
    ["http://[::1]:8080/", "::1 is a loopback address"],
    ["http://[::ffff:127.0.0.1]/", "::ffff:7f00:1 is an IPv4-mapped IPv6 address of 127.0.0.1, a loopback address"],
    ["http://[0:0:0:0:0:ffff:7f00:1]/", "::ffff:7f00:1 is an IPv4-mapped IPv6 address of 127.0.0.1, a loopback address"],
    ["http://169.254.169.254/latest/meta-data", "169.254.169.254 is a cloud metadata address"],
    ["http://[fd00:ec2::254]/", "fd00:ec2::254 is a cloud metadata address"],
    ["http://metadata.google.internal/", "metadata.google.internal is a cloud metadata name"],
    ["http://0xa.0.0.1/", "10.0.0.1 is a private address"],
    ["http://LocalHost:3000/", "localhost is a loopback name"],
  ])("%s → %s", (url, expected) => {
    expect(problem(url)).toBe(expected);
  });
  it("leaves public literals and names to the DNS check", () => {
    expect(problem("https://8.8.8.8/")).toBeNull();
    expect(problem("https://sender.example.org/")).toBeNull();
  });
});

describe("OUTBOUND_ALLOW_HOSTS", () => {
  it("matches a host on any port, or host:port on that port only, after normalisation", () => {
    const allow = parseAllowHosts(" 127.0.0.1:8250 , localhost, [::1]:9000, ::1, Sender.Example.org ,");
    expect(allow).toEqual([
      { hostname: "127.0.0.1", port: 8250 },
      { hostname: "localhost", port: null },
      { hostname: "[::1]", port: 9000 },
      { hostname: "[::1]", port: null },
      { hostname: "sender.example.org", port: null },
    ]);
    const listed = (url: string) => isAllowListed(new URL(url), allow);
    expect(listed("http://127.0.0.1:8250/x")).toBe(true);
    expect(listed("http://0x7f000001:8250/x")).toBe(true);
    expect(listed("http://127.0.0.1:8251/x")).toBe(false);
    expect(listed("http://127.0.0.1/x")).toBe(false);
    expect(listed("http://localhost:1/x")).toBe(true);
    expect(listed("https://sender.example.org/x")).toBe(true);
    expect(listed("http://[::1]:1234/")).toBe(true);
    expect(listed("http://127.0.0.2:8250/")).toBe(false);
    expect(isAllowListed(new URL("https://a.example:443/"), parseAllowHosts("a.example:443"))).toBe(true);
    expect(isAllowListed(new URL("http://a.example/"), parseAllowHosts("a.example:80"))).toBe(true);
  });
  it("refuses entries that are not host or host:port", () => {
    expect(() => parseAllowHosts("http://127.0.0.1")).toThrow(/OUTBOUND_ALLOW_HOSTS: "http:\/\/127.0.0.1"/);
    expect(() => parseAllowHosts("a.example/path")).toThrow(/OUTBOUND_ALLOW_HOSTS/);
    expect(() => parseAllowHosts("a.example:99999")).toThrow(/OUTBOUND_ALLOW_HOSTS/);
  });
});

describe("vetDestination (no connection is made)", () => {
  const resolver = (table: Record<string, string[]>): ResolveAll & { calls: string[] } => {
    const calls: string[] = [];
    const fn = async (hostname: string) => {
      calls.push(hostname);
      const list = table[hostname];
      if (!list) throw Object.assign(new Error("not found"), { code: "ENOTFOUND" });
      return list.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
    };
    return Object.assign(fn, { calls });
  };
  const refusal = async (url: string, options: Parameters<typeof vetDestination>[1] = {}) => {
    try {
      await vetDestination(url, { allowHosts: [], httpsOnly: false, ...options });
    } catch (error) {
      expect(error).toBeInstanceOf(OutboundError);
      return { code: (error as OutboundError).code, message: (error as Error).message };
    }
    return null;
  };

  it("refuses a name that resolves to a forbidden address, naming both", async () => {
    const resolve = resolver({ "rebind.example": ["127.0.0.1"], "mixed.example": ["93.184.215.14", "10.0.0.5"], "v6.example": ["::ffff:169.254.169.254"] });
    expect(await refusal("http://rebind.example/cb", { resolve })).toEqual({
      code: "destination_refused",
      message: "destination address not allowed: rebind.example resolves to 127.0.0.1, a loopback address",
    });
    expect(await refusal("http://mixed.example/cb", { resolve })).toMatchObject({
      message: "destination address not allowed: mixed.example resolves to 10.0.0.5, a private address",
    });
    expect(await refusal("http://v6.example/cb", { resolve })).toMatchObject({ message: expect.stringContaining("169.254.169.254, a cloud metadata address") });
  });

  it("refuses literals and refused names without asking DNS", async () => {
    const resolve = resolver({});
    expect(await refusal("http://2130706433:8080/cb", { resolve })).toEqual({
      code: "destination_refused",
      message: "destination address not allowed: 127.0.0.1 is a loopback address",
    });
    expect(await refusal("http://[::ffff:127.0.0.1]/cb", { resolve })).toMatchObject({ code: "destination_refused" });
    expect(await refusal("http://localhost:1/cb", { resolve })).toMatchObject({ message: "destination address not allowed: localhost is a loopback name" });
    expect(await refusal("http://metadata.google.internal/computeMetadata/v1/", { resolve })).toMatchObject({ message: expect.stringContaining("cloud metadata name") });
    expect(resolve.calls).toEqual([]);
  });

  it("returns the checked address to connect to; an allow-listed host skips the address check", async () => {
    const resolve = resolver({ "sender.example.org": ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"], "peer.test": ["127.0.0.1"] });
    expect(await vetDestination("https://sender.example.org/g2p", { allowHosts: [], resolve })).toMatchObject({
      host: "sender.example.org",
      port: 443,
      address: "93.184.215.14",
      family: 4,
      allowListed: false,
    });
    expect(await vetDestination("http://peer.test:8250/g2p", { allowHosts: parseAllowHosts("peer.test:8250"), resolve, httpsOnly: true })).toMatchObject({
      address: "127.0.0.1",
      allowListed: true,
    });
    expect(await refusal("http://peer.test:8251/g2p", { allowHosts: parseAllowHosts("peer.test:8250"), resolve })).toMatchObject({ code: "destination_refused" });
  });

  it("only http and https; https only in production unless allow-listed; DNS failures are named", async () => {
    const resolve = resolver({ "sender.example.org": ["93.184.215.14"] });
    expect(await refusal("ftp://sender.example.org/x", { resolve })).toMatchObject({ code: "url_invalid" });
    expect(await refusal("file:///etc/passwd", { resolve })).toMatchObject({ code: "url_invalid" });
    expect(await refusal("http://user:pw@sender.example.org/", { resolve })).toMatchObject({ code: "url_invalid" });
    expect(await refusal("http://sender.example.org/x", { resolve, httpsOnly: true })).toMatchObject({
      code: "destination_refused",
      message: expect.stringContaining("plain http"),
    });
    expect(await refusal("http://sender.example.org/x", { resolve, httpsOnly: true, allowHosts: parseAllowHosts("sender.example.org") })).toBeNull();
    expect(await refusal("https://nowhere.example/x", { resolve })).toEqual({ code: "dns_failed", message: "could not resolve nowhere.example (ENOTFOUND)" });
  });
});

describe("staffSnippet", () => {
  it("removes control characters and cuts to the byte limit", () => {
    expect(staffSnippet("a\u0000b\r\n\tc\u001b[31md\u202ee")).toBe("a b c [31md e");
    const long = staffSnippet("x".repeat(10_000));
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(300);
    expect(long.endsWith("…")).toBe(true);
    const wide = staffSnippet("é".repeat(1_000), 101);
    expect(Buffer.byteLength(wide)).toBeLessThanOrEqual(101);
    expect(wide).toMatch(/^é+…$/);
    expect(staffSnippet("short")).toBe("short");
  });
});
