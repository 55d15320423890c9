import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { requireTtk, startTtk, ttkInstallDir } from "../support/ttk";

/** The Testing Toolkit harness says how to install the toolkit when it is absent, instead of skipping. */

describe("the Mojaloop Testing Toolkit harness", () => {
  const empty = mkdtempSync(path.join(os.tmpdir(), "no-ttk-"));
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it("looks where install.sh installs (MOJALOOP_TTK_DIR overrides)", () => {
    vi.stubEnv("MOJALOOP_TTK_DIR", empty);
    expect(ttkInstallDir()).toBe(empty);
  });

  it("fails with the install command when the toolkit is absent", async () => {
    vi.stubEnv("MOJALOOP_TTK_DIR", empty);
    expect(() => requireTtk()).toThrow(/not installed at .*no-ttk-.*bash scripts\/mojaloop-ttk\/install\.sh/);
    await expect(startTtk({ callbackUrl: "http://127.0.0.1:9/" })).rejects.toThrow(/bash scripts\/mojaloop-ttk\/install\.sh/);
    rmSync(empty, { recursive: true, force: true });
  });
});
