import { describe, expect, it } from "vitest";
import { EnvError, parseEnv } from "@/server/env";

const VALID = {
  DATABASE_URL: "postgres://user:pw@localhost:5432/sdp",
  AUTH_SECRET: "x".repeat(32),
  ENCRYPTION_KEY: Buffer.alloc(32, 7).toString("base64"),
};

function problemsOf(source: Record<string, string | undefined>): string[] {
  try {
    parseEnv(source);
  } catch (error) {
    expect(error).toBeInstanceOf(EnvError);
    return (error as EnvError).problems;
  }
  throw new Error("parseEnv accepted the environment");
}

describe("parseEnv", () => {
  it("reports a missing DATABASE_URL and AUTH_SECRET together, by name", () => {
    const problems = problemsOf({});
    expect(problems.find((p) => p.startsWith("DATABASE_URL "))).toMatch(/^DATABASE_URL is required \(a postgres:\/\/ URL/);
    expect(problems.find((p) => p.startsWith("AUTH_SECRET "))).toMatch(/^AUTH_SECRET is required \(32\+ random characters/);
    // Only required variables are reported when nothing is set: everything else has a default.
    expect(problems.every((p) => /^[A-Z_]+ is required/.test(p))).toBe(true);
    // Just those two when the rest is given.
    const { DATABASE_URL: _d, AUTH_SECRET: _a, ...rest } = VALID;
    expect(
      problemsOf(rest)
        .map((p) => p.split(" ")[0])
        .sort(),
    ).toEqual(["AUTH_SECRET", "DATABASE_URL"]);
    try {
      parseEnv({});
    } catch (error) {
      expect((error as Error).message).toContain("Invalid environment");
      expect((error as Error).message).toContain("DATABASE_URL");
      expect((error as Error).message).toContain("AUTH_SECRET");
    }
  });

  it("refuses a DATABASE_URL that is not postgres:// or postgresql://", () => {
    expect(problemsOf({ ...VALID, DATABASE_URL: "mysql://localhost/sdp" })).toEqual(["DATABASE_URL must be a postgres:// or postgresql:// URL"]);
    expect(problemsOf({ ...VALID, DATABASE_URL: "localhost:5432" })).toHaveLength(1);
    expect(parseEnv({ ...VALID, DATABASE_URL: "postgresql://localhost/sdp" }).DATABASE_URL).toBe("postgresql://localhost/sdp");
  });

  it("refuses an AUTH_SECRET shorter than 32 characters", () => {
    expect(problemsOf({ ...VALID, AUTH_SECRET: "x".repeat(31) })).toEqual(["AUTH_SECRET must be at least 32 characters long"]);
    expect(parseEnv({ ...VALID, AUTH_SECRET: "y".repeat(32) }).AUTH_SECRET).toBe("y".repeat(32));
  });

  it("refuses an ENCRYPTION_KEY holding fewer than 32 bytes; accepts base64 or hex", () => {
    expect(problemsOf({ ...VALID, ENCRYPTION_KEY: Buffer.alloc(31, 1).toString("base64") })).toEqual(["ENCRYPTION_KEY must hold at least 32 bytes (base64 or hex)"]);
    expect(parseEnv({ ...VALID, ENCRYPTION_KEY: "ab".repeat(32) }).ENCRYPTION_KEY).toBe("ab".repeat(32));
  });

  it("applies the defaults", () => {
    expect(parseEnv(VALID)).toMatchObject({
      ...VALID,
      NODE_ENV: "development",
      APP_URL: "http://localhost:3000",
      LOG_LEVEL: "info",
      PASSWORD_HASH_COST: 12,
      LOGIN_MAX_FAILURES: 5,
      LOGIN_WINDOW_SECONDS: 60,
      STELLAR_NETWORK: "local",
    });
  });

  it("coerces numbers and keeps given values", () => {
    const env = parseEnv({
      ...VALID,
      NODE_ENV: "production",
      APP_URL: "https://sdp.example.org",
      PASSWORD_HASH_COST: "10",
      LOGIN_MAX_FAILURES: "3",
      LOGIN_WINDOW_SECONDS: "120",
      STELLAR_NETWORK: "testnet",
    });
    expect(env).toMatchObject({
      NODE_ENV: "production",
      APP_URL: "https://sdp.example.org",
      PASSWORD_HASH_COST: 10,
      LOGIN_MAX_FAILURES: 3,
      LOGIN_WINDOW_SECONDS: 120,
      STELLAR_NETWORK: "testnet",
    });
  });

  it("treats an empty string as unset", () => {
    // Empty optional values fall back to their defaults instead of failing validation...
    const env = parseEnv({ ...VALID, APP_URL: "", PASSWORD_HASH_COST: "", LOG_LEVEL: "", STELLAR_NETWORK: "" });
    expect(env.APP_URL).toBe("http://localhost:3000");
    expect(env.PASSWORD_HASH_COST).toBe(12);
    expect(env.LOG_LEVEL).toBe("info");
    expect(env.STELLAR_NETWORK).toBe("local");
    // ...and empty required values are reported as missing, not as malformed.
    const problems = problemsOf({ ...VALID, DATABASE_URL: "", AUTH_SECRET: "" });
    expect(problems).toHaveLength(2);
    expect(problems.every((p) => p.includes("is required"))).toBe(true);
    // Undefined entries are ignored as well.
    expect(parseEnv({ ...VALID, APP_URL: undefined }).APP_URL).toBe("http://localhost:3000");
  });

  it.each([
    ["abc", "PASSWORD_HASH_COST must be a whole number"],
    ["4.5", "PASSWORD_HASH_COST must be a whole number"],
    ["3", "PASSWORD_HASH_COST must be at least 4"],
    ["16", "PASSWORD_HASH_COST must be at most 15"],
  ])("refuses PASSWORD_HASH_COST=%s", (value, message) => {
    expect(problemsOf({ ...VALID, PASSWORD_HASH_COST: value })).toEqual([message]);
  });

  it("accepts the PASSWORD_HASH_COST bounds", () => {
    expect(parseEnv({ ...VALID, PASSWORD_HASH_COST: "4" }).PASSWORD_HASH_COST).toBe(4);
    expect(parseEnv({ ...VALID, PASSWORD_HASH_COST: "15" }).PASSWORD_HASH_COST).toBe(15);
  });

  it("reads TRUSTED_PROXY_HOPS and the sign-in throttling settings (docs/security.md)", () => {
    expect(parseEnv(VALID)).toMatchObject({
      TRUSTED_PROXY_HOPS: 0,
      LOGIN_IP_MAX_FAILURES: 50,
      LOGIN_IP_WINDOW_SECONDS: 600,
      LOGIN_ACCOUNT_DELAY_AFTER: 10,
      LOGIN_ACCOUNT_WINDOW_SECONDS: 900,
      LOGIN_ACCOUNT_MAX_DELAY_SECONDS: 30,
    });
    expect(parseEnv({ ...VALID, TRUSTED_PROXY_HOPS: "2" }).TRUSTED_PROXY_HOPS).toBe(2);
    expect(problemsOf({ ...VALID, TRUSTED_PROXY_HOPS: "-1" })).toEqual(["TRUSTED_PROXY_HOPS must be 0 or more"]);
    expect(problemsOf({ ...VALID, TRUSTED_PROXY_HOPS: "1.5" })).toEqual(["TRUSTED_PROXY_HOPS must be a whole number"]);
  });

  it("lists every wrong variable at once", () => {
    const problems = problemsOf({
      ...VALID,
      DATABASE_URL: "http://nope",
      AUTH_SECRET: "short",
      APP_URL: "not a url",
      STELLAR_NETWORK: "mainnet",
      LOGIN_MAX_FAILURES: "0",
    });
    expect(problems.map((p) => p.split(" ")[0]).sort()).toEqual(["APP_URL", "AUTH_SECRET", "DATABASE_URL", "LOGIN_MAX_FAILURES", "STELLAR_NETWORK"].sort());
    expect(problems).toContain("STELLAR_NETWORK must be one of local, testnet, pubnet");
    expect(problems).toContain("APP_URL must be an absolute URL such as http://localhost:3000");
  });
});
