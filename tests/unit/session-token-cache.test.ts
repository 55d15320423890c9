import { decode, encode, type JWT } from "next-auth/jwt";
import { beforeEach, describe, expect, it } from "vitest";
import { clearSessionTokenCache, decodeSessionToken, rawSessionToken, SESSION_TOKEN_CACHE_MAX, sessionTokenCacheSize } from "@/server/auth/session-token";

const SECRET = "a-test-secret-of-at-least-thirty-two-characters";

/** next-auth's decoder, counting its calls. */
function countingDecode() {
  const calls = { n: 0 };
  const fn = async (params: { token: string; secret: string }): Promise<JWT | null> => {
    calls.n++;
    return decode(params);
  };
  return { calls, fn };
}

beforeEach(() => clearSessionTokenCache());

describe("session token cache (server/auth/session-token.ts)", () => {
  it("decodes like next-auth, once per token, and hands out a frozen copy", async () => {
    const raw = await encode({ token: { sub: "user-1", sid: "session-1" }, secret: SECRET, maxAge: 3600 });
    const { calls, fn } = countingDecode();
    const first = await decodeSessionToken(raw, SECRET, { decode: fn });
    expect(first).toMatchObject({ sub: "user-1", sid: "session-1" });
    expect(first).toEqual(await decode({ token: raw, secret: SECRET }));
    const second = await decodeSessionToken(raw, SECRET, { decode: fn });
    expect(second).toEqual(first);
    expect(calls.n).toBe(1);
    expect(Object.isFrozen(second)).toBe(true);
  });

  it("never serves an entry past the token's expiry: the next read decodes again", async () => {
    const raw = await encode({ token: { sub: "user-1", sid: "session-1" }, secret: SECRET, maxAge: 60 });
    const { calls, fn } = countingDecode();
    const token = await decodeSessionToken(raw, SECRET, { decode: fn });
    const expiresAt = (token!.exp as number) * 1000;
    await decodeSessionToken(raw, SECRET, { decode: fn, now: expiresAt - 1 });
    expect(calls.n).toBe(1);
    // At the expiry the entry is gone; whatever the decoder says then is the answer.
    const refused = async () => null;
    expect(await decodeSessionToken(raw, SECRET, { decode: refused, now: expiresAt })).toBeNull();
    expect(sessionTokenCacheSize()).toBe(0);
  });

  it("keeps nothing for a token that does not decode, a tampered one or another secret", async () => {
    const raw = await encode({ token: { sub: "user-1", sid: "session-1" }, secret: SECRET, maxAge: 3600 });
    expect(await decodeSessionToken(raw, "another-secret-of-at-least-thirty-two-chars")).toBeNull();
    const tampered = raw.slice(0, -4) + (raw.endsWith("AAAA") ? "BBBB" : "AAAA");
    expect(await decodeSessionToken(tampered, SECRET)).toBeNull();
    expect(await decodeSessionToken("not-a-jwt", SECRET)).toBeNull();
    expect(await decodeSessionToken(null, SECRET)).toBeNull();
    expect(await decodeSessionToken(raw, undefined)).toBeNull();
    expect(sessionTokenCacheSize()).toBe(0);
    // A cached token under one secret is not an answer under another.
    expect(await decodeSessionToken(raw, SECRET)).not.toBeNull();
    expect(await decodeSessionToken(raw, "another-secret-of-at-least-thirty-two-chars")).toBeNull();
  });

  it("an expired token is refused and not kept", async () => {
    const raw = await encode({ token: { sub: "user-1", sid: "session-1" }, secret: SECRET, maxAge: -60 });
    expect(await decodeSessionToken(raw, SECRET)).toBeNull();
    expect(sessionTokenCacheSize()).toBe(0);
  });

  it("holds at most SESSION_TOKEN_CACHE_MAX entries, dropping the least recently used", async () => {
    const fake = async ({ token }: { token: string }) => ({ sub: token, exp: Math.floor(Date.now() / 1000) + 3600 }) as JWT;
    for (let i = 0; i < SESSION_TOKEN_CACHE_MAX; i++) await decodeSessionToken(`t${i}`, SECRET, { decode: fake });
    // t0 is used again, so t1 is the least recently used when the next one arrives.
    await decodeSessionToken("t0", SECRET, { decode: fake });
    await decodeSessionToken("new", SECRET, { decode: fake });
    expect(sessionTokenCacheSize()).toBe(SESSION_TOKEN_CACHE_MAX);
    const calls = { n: 0 };
    const fn = async (p: { token: string }) => {
      calls.n++;
      return fake(p);
    };
    await decodeSessionToken("t0", SECRET, { decode: fn });
    expect(calls.n).toBe(0);
    await decodeSessionToken("t1", SECRET, { decode: fn });
    expect(calls.n).toBe(1);
  });

  it("reads the session cookie as next-auth names it, joining chunks", async () => {
    const req = (cookies: Record<string, string>) => ({ cookies, headers: {} }) as unknown as Parameters<typeof rawSessionToken>[0];
    expect(await rawSessionToken(req({ "next-auth.session-token": "abc" }), false)).toBe("abc");
    expect(await rawSessionToken(req({ "next-auth.session-token": "abc" }), true)).toBeNull();
    expect(await rawSessionToken(req({ "__Secure-next-auth.session-token": "xyz" }), true)).toBe("xyz");
    expect(await rawSessionToken(req({ "next-auth.session-token.1": "def", "next-auth.session-token.0": "abc" }), false)).toBe("abcdef");
    expect(await rawSessionToken(req({}), false)).toBeNull();
  });
});
