import { afterEach, describe, expect, it, vi } from "vitest";
import { config, keepConfigForProcess, resetConfigForTests } from "@/server/config";

afterEach(() => {
  vi.unstubAllEnvs();
  resetConfigForTests();
});

// The production web server keeps its first parse (server/http/web-server.ts): its fast paths run
// outside Next.js's bundles, where config() otherwise re-reads every variable on each call.
describe("keepConfigForProcess", () => {
  it("keeps the configuration of that moment, whatever the environment says later", () => {
    vi.stubEnv("CSV_MAX_ROWS", "123");
    const kept = keepConfigForProcess();
    expect(kept.CSV_MAX_ROWS).toBe(123);
    vi.stubEnv("CSV_MAX_ROWS", "456");
    expect(config()).toBe(kept);
    expect(config().CSV_MAX_ROWS).toBe(123);
  });

  it("is undone by resetConfigForTests, after which changes are seen again", () => {
    vi.stubEnv("CSV_MAX_ROWS", "123");
    keepConfigForProcess();
    resetConfigForTests();
    vi.stubEnv("CSV_MAX_ROWS", "456");
    expect(config().CSV_MAX_ROWS).toBe(456);
  });
});
