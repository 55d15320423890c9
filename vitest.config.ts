import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const root = fileURLToPath(new URL(".", import.meta.url));

export default defineConfig({
  resolve: {
    // `@/x` is the repo root (tsconfig paths); a regex so `@trpc/...` and other scoped packages are untouched.
    alias: [{ find: /^@\//, replacement: root }],
  },
  test: {
    env: {
      // bcrypt cost 4: hashing in tests takes milliseconds instead of a quarter second.
      PASSWORD_HASH_COST: "4",
      // Keep the request logger quiet; tests assert on errors, not on log lines.
      LOG_LEVEL: "silent",
      // A fixed test key for keyed hashes and encrypted secrets (never used outside tests).
      ENCRYPTION_KEY: "0f1e2d3c4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddeeff0",
      // The loopback G2P senders of the tests listen on 127.0.0.1 (random ports); the outbound guard
      // refuses loopback unless listed (tests/integration/ssrf.test.ts clears this for itself).
      OUTBOUND_ALLOW_HOSTS: "127.0.0.1",
    },
    fileParallelism: true,
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["tests/unit/**/*.test.ts"],
          environment: "node",
          // The 5 s default is tight for the heavier unit tests on a loaded machine.
          testTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["tests/integration/**/*.test.ts"],
          environment: "node",
          globalSetup: ["tests/integration/global-setup.ts"],
          // Generous for a loaded 2-core machine; a deadline only decides how long a broken test
          // takes to fail (tests/support/wait.ts).
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
      {
        extends: true,
        test: {
          name: "stellar",
          include: ["tests/stellar/**/*.test.ts"],
          environment: "node",
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
