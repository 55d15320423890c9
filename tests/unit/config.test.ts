import { spawn } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { config, ConfigError, parseConfig, resetConfigForTests } from "@/server/config";
import { CONFIG_NAMES, CONFIG_VARIABLES } from "@/server/config/schema";
import { renderConfigDocs } from "@/scripts/lib/config-docs";

const ROOT = path.resolve(import.meta.dirname, "..", "..");

function problemsOf(source: Record<string, string | undefined>): string[] {
  try {
    parseConfig(source);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error("parseConfig accepted the environment");
}

afterEach(() => {
  vi.unstubAllEnvs();
  resetConfigForTests();
});

describe("parseConfig", () => {
  it.each([
    ["CSV_MAX_ROWS", "lots", "CSV_MAX_ROWS must be a positive whole number"],
    ["G2P_CALLBACK_MAX_ATTEMPTS", "0", "G2P_CALLBACK_MAX_ATTEMPTS must be a positive whole number"],
    ["PORT", "70000", "PORT must be at most 65535"],
    ["STELLAR_NETWORK", "mainnet", "STELLAR_NETWORK must be one of local, testnet, pubnet"],
    ["LOG_LEVEL", "loud", "LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent"],
    ["APP_URL", "example.org/app", "APP_URL must be an absolute URL such as http://localhost:3000"],
    ["HORIZON_URL", "not a url", "HORIZON_URL must be an absolute URL such as http://localhost:3000"],
    ["ENCRYPTION_KEY", Buffer.alloc(16, 1).toString("base64"), "ENCRYPTION_KEY must hold at least 32 bytes (base64 or hex)"],
    ["G2P_CALLBACKS", "maybe", "G2P_CALLBACKS must be on or off (also 1/0, true/false, yes/no)"],
    ["SMTP_URL", "http://mail", "SMTP_URL must look like smtp://user:pass@host:port"],
    ["DEMO_DISTRIBUTION_BALANCE", "-5", "DEMO_DISTRIBUTION_BALANCE must be a positive amount such as 1000000 or 12.50"],
  ])("refuses %s=%s naming the variable and its rule", (name, value, message) => {
    expect(problemsOf({ [name]: value })).toEqual([message]);
  });

  it("refuses an OUTBOUND_ALLOW_HOSTS entry that is not a host or host:port", () => {
    const [problem, ...rest] = problemsOf({ OUTBOUND_ALLOW_HOSTS: "127.0.0.1, https://peer.test/path" });
    expect(rest).toEqual([]);
    expect(problem).toMatch(/^OUTBOUND_ALLOW_HOSTS must be comma-separated host or host:port entries \("https:\/\/peer\.test\/path" is not a host/);
    expect(parseConfig({ OUTBOUND_ALLOW_HOSTS: "127.0.0.1, peer.test:8443, [::1]" }).OUTBOUND_ALLOW_HOSTS).toBe("127.0.0.1, peer.test:8443, [::1]");
  });

  it("lists every wrong variable in one error", () => {
    try {
      parseConfig({ CSV_MAX_ROWS: "x", STELLAR_NETWORK: "mainnet", APP_URL: "nope", ENCRYPTION_KEY: "short", OUTBOUND_ALLOW_HOSTS: "a/b" });
      expect.unreachable();
    } catch (error) {
      const problems = (error as ConfigError).problems;
      expect(problems.map((p) => p.split(" ")[0]).sort()).toEqual(["APP_URL", "CSV_MAX_ROWS", "ENCRYPTION_KEY", "OUTBOUND_ALLOW_HOSTS", "STELLAR_NETWORK"]);
      expect((error as Error).message).toMatch(/^Invalid environment:\n {2}- /);
    }
  });

  it("checks rules across variables", () => {
    expect(problemsOf({ SMS_API_URL: "http://sms.test", SMS_FROM: "+15550100" })).toEqual(["SMS_API_URL is set but SMS_ACCOUNT_SID, SMS_AUTH_TOKEN are missing"]);
    expect(parseConfig({ SMS_API_URL: "http://sms.test", MESSAGE_TRANSPORT: "outbox" }).MESSAGE_TRANSPORT).toBe("outbox");
  });

  it("applies defaults, coerces numbers and switches, and treats empty strings as unset", () => {
    const c = parseConfig({ CSV_MAX_ROWS: "", G2P_CALLBACKS: "OFF", WORKER_SETUP: "0", CHANNEL_ACCOUNTS: "7", HORIZON_URL: "" });
    expect(c).toMatchObject({
      CSV_MAX_ROWS: 100_000,
      CSV_MAX_BYTES: 20 * 1024 * 1024,
      G2P_CALLBACKS: false,
      G2P_STATUS_REPORTS: true,
      WORKER_SETUP: false,
      CHANNEL_ACCOUNTS: 7,
    });
    expect(c.HORIZON_URL).toBeUndefined();
    expect(c.WORKER_CONCURRENCY).toBeUndefined();
  });

  it("reports missing required variables by name", () => {
    expect(parseConfig({}).DATABASE_URL).toBeUndefined(); // nothing is required unless asked
    expect(() => parseConfig({}, { require: ["DATABASE_URL"] })).toThrow(/DATABASE_URL is required \(a postgres:\/\/ URL/);
  });
});

describe("config()", () => {
  it("reads the process environment and follows changes made at run time", () => {
    vi.stubEnv("CSV_MAX_ROWS", "123");
    expect(config().CSV_MAX_ROWS).toBe(123);
    const first = config();
    expect(config()).toBe(first); // cached while nothing changes
    vi.stubEnv("CSV_MAX_ROWS", "456");
    expect(config().CSV_MAX_ROWS).toBe(456);
    vi.stubEnv("CSV_MAX_ROWS", "-1");
    expect(() => config()).toThrow("CSV_MAX_ROWS must be a positive whole number");
  });
});

describe("every reader goes through config()", () => {
  // Next.js' own variables stay process.env reads: Next.js sets NODE_ENV and inlines it at build time.
  const ALLOWED = /process\.env\.(NODE_ENV|NEXT_RUNTIME)\b/;
  const HOME = new Set(["server/config/index.ts", "server/env.ts"]);

  function files(dir: string): string[] {
    return readdirSync(path.join(ROOT, dir)).flatMap((name) => {
      const rel = `${dir}/${name}`;
      if (statSync(path.join(ROOT, rel)).isDirectory()) return files(rel);
      return /\.(ts|tsx)$/.test(name) ? [rel] : [];
    });
  }

  it("no process.env read outside server/config in server/, app/, lib/, db/, components/ and the Next entry files", () => {
    const offenders: string[] = [];
    const sources = [...["server", "app", "lib", "db", "components"].flatMap(files), "proxy.ts", "instrumentation.ts", "next.config.ts"];
    for (const file of sources.filter((f) => !HOME.has(f))) {
      readFileSync(path.join(ROOT, file), "utf8")
        .split("\n")
        .forEach((line, i) => {
          if (/process\.env\b/.test(line) && !ALLOWED.test(line) && !line.trim().startsWith("//") && !line.trim().startsWith("*")) offenders.push(`${file}:${i + 1}`);
        });
    }
    expect(offenders).toEqual([]);
  });

  it("declares every variable once with a group and a meaning", () => {
    for (const name of CONFIG_NAMES) {
      expect(CONFIG_VARIABLES[name].meaning.length, name).toBeGreaterThan(10);
    }
  });
});

describe("docs/configuration.md", () => {
  it("is the one scripts/generate-config-docs.ts writes (run `npm run docs:config`)", () => {
    expect(readFileSync(path.join(ROOT, "docs", "configuration.md"), "utf8")).toBe(renderConfigDocs());
  });

  it("lists every declared variable", () => {
    const doc = renderConfigDocs();
    for (const name of CONFIG_NAMES) expect(doc).toContain(`| \`${name}\` |`);
  });
});

describe("start-up stops on a wrong value", () => {
  function run(script: string, env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "scripts", script)], {
        cwd: ROOT,
        env: { ...process.env, DATA_DIR: path.join(ROOT, ".test-data", "config-test"), ...env },
        stdio: ["ignore", "ignore", "pipe"],
      });
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      // Never left running should the check ever let it through: the test then fails on the code.
      const guard = setTimeout(() => child.kill("SIGKILL"), 90_000);
      child.on("exit", (code) => {
        clearTimeout(guard);
        resolve({ code, stderr });
      });
    });
  }

  it("the launcher, the worker and the CLI exit 1 naming the variable and its rule", { timeout: 120_000 }, async () => {
    const bad = { CSV_MAX_ROWS: "lots", STELLAR_NETWORK: "mainnet" };
    const results = await Promise.all([run("start.ts", bad), run("worker.ts", bad), run("cli.ts", { ...bad })]);
    for (const { code, stderr } of results) {
      expect(code).toBe(1);
      expect(stderr).toContain("Invalid environment:");
      expect(stderr).toContain("CSV_MAX_ROWS must be a positive whole number");
      expect(stderr).toContain("STELLAR_NETWORK must be one of local, testnet, pubnet");
    }
  });
});
