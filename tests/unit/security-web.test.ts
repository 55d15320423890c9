import { Writable } from "node:stream";
import { NextRequest } from "next/server";
import { describe, expect, it, vi } from "vitest";
import { safeCallbackPath } from "@/lib/safe-callback-url";
import { appCookie, secureCookies } from "@/server/auth/cookie-security";
import { csvLimitsFromEnv } from "@/server/services/disbursements/csv-limits";
import { redactPath, redactSearch, redactUrl } from "@/server/http/log-redaction";
import { allowedOrigins, checkSameOrigin } from "@/server/http/same-origin";
import { contentSecurityPolicy, securityHeaders } from "@/server/http/security-headers";
import { csvMaxBytes, formatSize, proxyBodyLimit, tooLargeMessage, uploadBodyLimit } from "@/server/http/upload-limit";
import { createLogger } from "@/server/log";
import { errorBody } from "@/server/rest/errors";
import { PayloadTooLargeError, readMultipartFile } from "@/server/rest/request";

const APP = "http://127.0.0.1:3000";

describe("safeCallbackPath (login callbackUrl)", () => {
  it.each([
    ["/disbursements", "/disbursements"],
    ["/disbursements/abc?tab=payments#top", "/disbursements/abc?tab=payments#top"],
    ["/", "/"],
  ])("keeps the same-origin path %s", (raw, expected) => {
    expect(safeCallbackPath(raw)).toBe(expected);
  });

  it.each([
    "//evil.example/x",
    "/\\evil.example/x",
    "/\\/evil.example/x",
    "\\\\evil.example",
    "/\t/evil.example/x",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "\t//evil.example",
    " //evil.example",
    "https://evil.example/x",
    "http:evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "/..//evil.example",
    "/./\\/evil.example",
    "evil.example",
    "/%00x\u0000",
    "",
  ])("turns %j into /", (raw) => {
    expect(safeCallbackPath(raw)).toBe("/");
  });

  it("refuses non-strings and absurdly long values", () => {
    expect(safeCallbackPath(undefined)).toBe("/");
    expect(safeCallbackPath(["/a", "/b"])).toBe("/");
    expect(safeCallbackPath(`/${"a".repeat(5000)}`)).toBe("/");
  });

  it("reduces an absolute URL on the app's own origin to its path, refuses other origins", () => {
    expect(safeCallbackPath(`${APP}/payments?x=1`, APP)).toBe("/payments?x=1");
    expect(safeCallbackPath("http://127.0.0.1:3001/payments", APP)).toBe("/");
    expect(safeCallbackPath("https://127.0.0.1:3000/payments", APP)).toBe("/");
    expect(safeCallbackPath(`${APP}//evil.example`, APP)).toBe("/");
    expect(safeCallbackPath(`${APP}/payments`)).toBe("/");
  });
});

describe("next-auth redirect callback", () => {
  it("lands on the app whatever URL it is given", async () => {
    const { authOptions } = await import("@/server/auth/options");
    const redirect = authOptions.callbacks!.redirect!;
    const go = (url: string) => redirect({ url, baseUrl: APP });
    expect(await go("/payments?x=1")).toBe(`${APP}/payments?x=1`);
    expect(await go(`${APP}/receivers`)).toBe(`${APP}/receivers`);
    for (const evil of ["https://evil.example/x", "/\\evil.example", "//evil.example", "/\t/evil.example", "javascript:alert(1)", "http://127.0.0.1:3001/"]) {
      expect(await go(evil), evil).toBe(`${APP}/`);
    }
  });
});

function headers(values: Record<string, string>) {
  return new Headers(values);
}

describe("checkSameOrigin (CSRF guard)", () => {
  it("accepts APP_URL's origin and the request's own host", () => {
    expect(checkSameOrigin(headers({ origin: APP, host: "127.0.0.1:3000" }), APP)).toEqual({ ok: true });
    expect(checkSameOrigin(headers({ origin: "http://localhost:3000", host: "localhost:3000" }), APP)).toEqual({ ok: true });
    expect(checkSameOrigin(headers({ origin: "https://pay.example.org", host: "internal:8080" }), "https://pay.example.org/")).toEqual({ ok: true });
  });

  it.each([
    ["another port of the same host", "http://127.0.0.1:3001"],
    ["another host", "https://evil.example"],
    ["an opaque origin", "null"],
    ["an empty origin", ""],
    ["a non-http scheme", "file://"],
  ])("refuses %s", (_what, origin) => {
    const verdict = checkSameOrigin(headers({ origin, host: "127.0.0.1:3000" }), APP);
    expect(verdict.ok).toBe(false);
  });

  it("without Origin, follows Sec-Fetch-Site; without either, it is not a browser page", () => {
    expect(checkSameOrigin(headers({ "sec-fetch-site": "same-origin", host: "127.0.0.1:3000" }), APP).ok).toBe(true);
    expect(checkSameOrigin(headers({ "sec-fetch-site": "none", host: "127.0.0.1:3000" }), APP).ok).toBe(true);
    expect(checkSameOrigin(headers({ "sec-fetch-site": "same-site", host: "127.0.0.1:3000" }), APP).ok).toBe(false);
    expect(checkSameOrigin(headers({ "sec-fetch-site": "cross-site", host: "127.0.0.1:3000" }), APP).ok).toBe(false);
    expect(checkSameOrigin(headers({ host: "127.0.0.1:3000" }), APP).ok).toBe(true);
  });

  it("ignores a malformed Host and names the refused origin", () => {
    expect(allowedOrigins(headers({ host: "evil.example/x" }), APP)).toEqual([APP]);
    const verdict = checkSameOrigin(headers({ origin: "http://evil.example", host: "127.0.0.1:3000" }), APP);
    expect(verdict).toEqual({ ok: false, reason: "requests from http://evil.example are not accepted" });
  });
});

describe("securityHeaders", () => {
  it("gives pages a nonce CSP without unsafe-inline scripts, and the fixed headers", () => {
    const h = securityHeaders({ pathname: "/disbursements", nonce: "abc123==", appUrl: APP });
    const csp = h["content-security-policy"]!;
    const scriptSrc = csp.split("; ").find((d) => d.startsWith("script-src "))!;
    expect(scriptSrc).toBe("script-src 'self' 'nonce-abc123==' 'strict-dynamic'");
    expect(scriptSrc).not.toContain("unsafe-inline");
    expect(scriptSrc).not.toContain("unsafe-eval");
    for (const d of ["frame-ancestors 'none'", "base-uri 'self'", "form-action 'self'", "object-src 'none'", "connect-src 'self'", "default-src 'self'"]) {
      expect(csp).toContain(d);
    }
    expect(csp).toContain("img-src 'self' data: blob:");
    expect(csp).not.toContain("upgrade-insecure-requests");
    expect(h["x-frame-options"]).toBe("DENY");
    expect(h["x-content-type-options"]).toBe("nosniff");
    expect(h["referrer-policy"]).toBe("strict-origin-when-cross-origin");
    expect(h["permissions-policy"]).toMatch(/camera=\(\).*geolocation=\(\).*microphone=\(\).*payment=\(\)/);
    expect(h["strict-transport-security"]).toBeUndefined();
  });

  it("adds 'unsafe-eval' only in development", () => {
    expect(contentSecurityPolicy({ nonce: "n", dev: true })).toContain("'nonce-n' 'strict-dynamic' 'unsafe-eval'");
    expect(contentSecurityPolicy({ nonce: "n" })).not.toContain("unsafe-eval");
  });

  it("sends no Referer from token pages", () => {
    for (const p of ["/r/abcdef", "/sep24/interactive", "/set-password"]) {
      expect(securityHeaders({ pathname: p, nonce: "n", appUrl: APP })["referrer-policy"]).toBe("no-referrer");
    }
    expect(securityHeaders({ pathname: "/receivers", nonce: "n", appUrl: APP })["referrer-policy"]).toBe("strict-origin-when-cross-origin");
    expect(securityHeaders({ pathname: "/receivers", nonce: "n", appUrl: APP })["cross-origin-opener-policy"]).toBe("same-origin");
    expect(securityHeaders({ pathname: "/sep24/interactive", nonce: "n", appUrl: APP })["cross-origin-opener-policy"]).toBeUndefined();
  });

  it("adds HSTS and upgrade-insecure-requests under https", () => {
    const h = securityHeaders({ pathname: "/", nonce: "n", appUrl: "https://pay.example.org" });
    expect(h["strict-transport-security"]).toBe("max-age=31536000; includeSubDomains");
    expect(h["content-security-policy"]).toContain("upgrade-insecure-requests");
  });

  it("gives API routes a no-source policy, nosniff, no framing and a referrer policy", () => {
    const h = securityHeaders({ pathname: "/api/trpc/session.me", appUrl: APP });
    expect(h["content-security-policy"]).toBe("default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
    expect(h["x-content-type-options"]).toBe("nosniff");
    expect(h["x-frame-options"]).toBe("DENY");
    expect(h["referrer-policy"]).toBe("strict-origin-when-cross-origin");
  });
});

describe("cookies", () => {
  it("are Secure exactly when APP_URL is https", () => {
    expect(secureCookies({ APP_URL: "https://pay.example.org" })).toBe(true);
    expect(secureCookies({ APP_URL: "http://localhost:3000" })).toBe(false);
    expect(secureCookies({ NEXTAUTH_URL: "https://pay.example.org" })).toBe(true);
    expect(appCookie("active_org", "x", 60, { APP_URL: "https://pay.example.org" })).toBe("active_org=x; Path=/; HttpOnly; SameSite=Lax; Max-Age=60; Secure");
    expect(appCookie("active_org", "x", 60, { APP_URL: "http://localhost" })).toBe("active_org=x; Path=/; HttpOnly; SameSite=Lax; Max-Age=60");
  });
});

describe("log redaction", () => {
  const token = "Zx9_k2LmQ8rT4vB7nW1pY5sD3fG6hJ0a";
  const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJHQUJDIn0.c2lnbmF0dXJlLXZhbHVl";

  it("cuts registration tokens out of paths and secrets out of query strings", () => {
    expect(redactPath(`/r/${token}`)).toBe("/r/[redacted]");
    expect(redactPath(`/r/${token}/done`)).toBe("/r/[redacted]/done");
    expect(redactPath("/disbursements/0b6f7c1e-2d7a-4c55-9a55-0b0b6f7c1e2d")).toBe("/disbursements/0b6f7c1e-2d7a-4c55-9a55-0b0b6f7c1e2d");
    expect(redactPath(`/sep24/x/${jwt}`)).toBe("/sep24/x/[redacted]");
    expect(redactSearch(`?token=${token}&reason=x`)).toBe("?token=[redacted]&reason=x");
    expect(redactSearch(`?transaction_id=42&token=${jwt}`)).toBe("?transaction_id=42&token=[redacted]");
    expect(redactSearch(`?a=${jwt}`)).toBe("?a=[redacted]");
    const registrationToken = "0b6f7c1e-2d7a-4c55-9a55-0b0b6f7c1e2d.Qk3x_9vLmQ8rT4vB.1767225600.c2lnbmF0dXJlLXZhbHVl";
    expect(redactSearch(`?next=${registrationToken}`)).toBe("?next=[redacted]");
    expect(redactPath(`/x/${registrationToken}`)).toBe("/x/[redacted]");
    expect(redactPath("/api/v1/openapi.json")).toBe("/api/v1/openapi.json");
    expect(redactUrl(`http://127.0.0.1:3000/set-password?token=${token}`)).toBe("http://127.0.0.1:3000/set-password?token=[redacted]");
    expect(redactUrl(`https://pay.example.org/r/${token}`)).toBe("https://pay.example.org/r/[redacted]");
  });

  it("the logger never writes a token, whatever field it is in", () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const log = createLogger(sink, "info");
    log.info({ url: `http://h/r/${token}`, path: `/set-password?token=${token}`, token, nested: { link: `http://h/r/${token}`, password: "pw" } }, "x");
    const out = lines.join("");
    expect(out).not.toContain(token);
    expect(out).not.toContain('"pw"');
    const parsed = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(parsed.url).toBe("http://h/r/[redacted]");
    expect(parsed.path).toBe("/set-password?token=[redacted]");
    expect(parsed.token).toBe("[redacted]");
  });
});

describe("upload limit", () => {
  it("agrees with the CSV validator's CSV_MAX_BYTES and sits above it in the proxy", () => {
    for (const env of [{}, { CSV_MAX_BYTES: "5000000" }, { CSV_MAX_BYTES: "50000000" }]) {
      expect(csvMaxBytes(env)).toBe(csvLimitsFromEnv(env).maxBytes);
      expect(uploadBodyLimit(env)).toBeGreaterThan(csvMaxBytes(env));
      expect(proxyBodyLimit(env)).toBeGreaterThan(uploadBodyLimit(env));
    }
    expect(csvMaxBytes({})).toBe(20 * 1024 * 1024);
    expect(() => csvMaxBytes({ CSV_MAX_BYTES: "-1" })).toThrow(/CSV_MAX_BYTES must be a positive whole number/);
  });

  it("says the sizes in words", () => {
    expect(formatSize(20 * 1024 * 1024)).toBe("20 MB");
    expect(tooLargeMessage(Math.round(25.3 * 1024 * 1024), 20 * 1024 * 1024)).toBe("The file is 25.3 MB; the limit is 20 MB.");
    expect(tooLargeMessage(20 * 1024 * 1024 + 10, 20 * 1024 * 1024)).toBe("The file is just over 20 MB; the limit is 20 MB.");
    expect(tooLargeMessage(21 * 1024 * 1024, 20 * 1024 * 1024, true)).toBe("The file is more than 21 MB; the limit is 20 MB.");
  });

  function multipart(content: Uint8Array, withLength: boolean) {
    const boundary = "----b0undary";
    const head = new TextEncoder().encode(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="f.csv"\r\nContent-Type: text/csv\r\n\r\n`);
    const tail = new TextEncoder().encode(`\r\n--${boundary}--\r\n`);
    const body = new Uint8Array(head.length + content.length + tail.length);
    body.set(head, 0);
    body.set(content, head.length);
    body.set(tail, head.length + content.length);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < body.length; i += 65536) controller.enqueue(body.slice(i, i + 65536));
        controller.close();
      },
    });
    const h: Record<string, string> = { "content-type": `multipart/form-data; boundary=${boundary}` };
    if (withLength) h["content-length"] = String(body.length);
    return new Request("http://h/upload", { method: "POST", headers: h, body: stream, duplex: "half" } as RequestInit);
  }

  it("reads a file up to the limit, streamed or declared", async () => {
    const content = new Uint8Array(3000).fill(65);
    for (const withLength of [true, false]) {
      const file = await readMultipartFile(multipart(content, withLength), "file", 3000);
      expect(file.content.length).toBe(3000);
      expect(file.fileName).toBe("f.csv");
    }
  });

  it("refuses a larger file with 413 from Content-Length, while streaming, and by the file's own size", async () => {
    const limit = 100_000;
    const huge = new Uint8Array(limit + 200_000).fill(65);
    await expect(readMultipartFile(multipart(huge, true), "file", limit)).rejects.toThrow(/^The file is 293\.\d KB; the limit is 97\.7 KB\.$/);
    await expect(readMultipartFile(multipart(huge, false), "file", limit)).rejects.toThrow(/^The file is more than .*; the limit is 97.7 KB\.$/);
    const slightly = new Uint8Array(limit + 1).fill(65);
    const error = await readMultipartFile(multipart(slightly, false), "file", limit).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect(errorBody(error)).toEqual({
      status: 413,
      body: {
        error: "The file is just over 97.7 KB; the limit is 97.7 KB.",
        extras: { status: 413, message: "The file is just over 97.7 KB; the limit is 97.7 KB." },
        reason: "PAYLOAD_TOO_LARGE",
      },
    });
  });
});

describe("proxy.ts", () => {
  async function run(url: string) {
    const { proxy } = await import("@/proxy");
    const lines: string[] = [];
    const spy = vi.spyOn(console, "log").mockImplementation((line: unknown) => void lines.push(String(line)));
    const before = process.env.LOG_LEVEL;
    process.env.LOG_LEVEL = "info";
    try {
      const response = await proxy(new NextRequest(url));
      return { response, lines };
    } finally {
      process.env.LOG_LEVEL = before;
      spy.mockRestore();
    }
  }

  it("logs a registration link's path without its token and never the query string", async () => {
    const token = "0b6f7c1e-2d7a-4c55-9a55-0b0b6f7c1e2d.Qk3x_9vLmQ8rT4vB.1767225600.c2lnbmF0dXJlLXZhbHVl";
    const { lines } = await run(`http://127.0.0.1:3000/r/${token}?lang=en`);
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain(token.slice(37, 50));
    expect(JSON.parse(lines[0]!)).toMatchObject({ path: "/r/[redacted]", msg: "request" });
    const setPassword = await run("http://127.0.0.1:3000/set-password?token=Zx9_k2LmQ8rT4vB7nW1pY5sD3fG6hJ0a");
    expect(setPassword.lines.join("")).not.toContain("Zx9_k2LmQ8rT4vB7nW1pY5sD3fG6hJ0a");
  });

  it("puts the security headers on the answer and the page's CSP on the forwarded request", async () => {
    const { response } = await run("http://127.0.0.1:3000/r/sometoken");
    const csp = response.headers.get("content-security-policy")!;
    expect(csp).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]{20,}' 'strict-dynamic'/);
    expect(response.headers.get("referrer-policy")).toBe("no-referrer");
    expect(response.headers.get("x-frame-options")).toBe("DENY");
    // Next.js reads the nonce from the request's CSP header, forwarded as x-middleware-request-*.
    expect(response.headers.get("x-middleware-request-content-security-policy")).toBe(csp);
    const api = await run("http://127.0.0.1:3000/api/health");
    expect(api.response.headers.get("content-security-policy")).toBe("default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
    expect(api.response.headers.get("x-content-type-options")).toBe("nosniff");
  });
});
