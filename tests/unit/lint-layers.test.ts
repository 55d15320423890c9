import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

/**
 * The layer rules of docs/architecture.md#layers as eslint.config.mjs enforces them: each case lints a
 * one-line file placed in a folder (the file need not exist) and expects the import refused or allowed.
 */
const eslint = new ESLint({ cwd: process.cwd() });

async function refused(filePath: string, code: string): Promise<boolean> {
  const [result] = await eslint.lintText(`${code}\nexport const used = [x];\n`, { filePath });
  return (result?.messages ?? []).some((m) => m.ruleId === "@typescript-eslint/no-restricted-imports");
}

const cases: [file: string, code: string, refusedExpected: boolean][] = [
  ["server/domain/probe.ts", 'import { x } from "@/db/client";', true],
  ["example-bank/probe.ts", 'import { x } from "@/server/rails/bank/formats/pain001-writer";', true],
  ["example-bank/formats/probe.ts", 'import { x } from "../../server/domain/rails";', true],
  ["example-bank/formats/probe.ts", 'import { x } from "../money";', false],
  ["server/domain/probe.ts", 'import { x } from "drizzle-orm";', true],
  ["server/domain/probe.ts", 'import { x } from "@stellar/stellar-sdk";', true],
  ["server/domain/probe.ts", 'import { x } from "node:net";', true],
  ["server/domain/probe.ts", 'import { x } from "@/server/services/context";', true],
  ["server/domain/probe.ts", 'import { x } from "../services/context";', true],
  ["server/domain/g2p/probe.ts", 'import { x } from "../../../db/client";', true],
  ["server/domain/probe.ts", 'import { x } from "@/server/config";', true],
  ["server/domain/probe.ts", 'import { x } from "next/server";', true],
  ["server/domain/probe.ts", 'import { x } from "@stellar/stellar-base";', true],
  ["server/domain/probe.ts", 'import { x } from "@stellar/stellar-sdk/rpc";', true],
  ["server/domain/probe.ts", 'import { x } from "@/server/rails/stellar/stellar-rail";', true],
  ["server/domain/probe.ts", 'import { x } from "@/server/rails/payment-rail";', true],
  ["server/domain/g2p/probe.ts", 'import { x } from "../../rails/bank/formats/pain001-writer";', true],
  ["server/domain/probe.ts", 'import { x } from "@/server/rails/stellar/stellar-address";', false],
  ["server/schemas/probe.schema.ts", 'import { x } from "@/server/rails/stellar/stellar-rail";', true],
  ["server/schemas/probe.schema.ts", 'import { x } from "@/server/rails/stellar/stellar-address";', false],
  ["server/domain/probe.ts", 'import { x } from "./money";', false],
  ["server/domain/probe.ts", 'import { x } from "zod";', false],
  ["server/services/area/probe.ts", 'import { x } from "@/server/rest/request";', true],
  ["server/services/area/probe.ts", 'import { x } from "@/server/adapters/g2p/receive-g2p-request";', true],
  ["server/services/area/probe.ts", 'import { x } from "@/server/trpc/init";', true],
  ["server/services/area/probe.ts", 'import { x } from "@/components/ui/button";', true],
  ["server/services/area/probe.ts", 'import { x } from "@/app/layout";', true],
  ["server/services/area/probe.ts", 'import { x } from "@/db/client";', false],
  ["components/area/probe.tsx", 'import { x } from "@/db/client";', true],
  ["components/area/probe.tsx", 'import { x } from "@/server/services/context";', true],
  ["components/area/probe.tsx", 'import type { x } from "@/server/services/context";', false],
  ["components/area/probe.tsx", 'import { x } from "@/server/domain/permissions";', false],
  ["server/schemas/probe.schema.ts", 'import { x } from "@/server/config";', true],
  ["server/schemas/probe.schema.ts", 'import { x } from "@/server/domain/money";', false],
  ["server/trpc/probe.ts", 'import { x } from "@/components/trpc/client";', true],
  ["server/rails/stellar/engine/probe.ts", 'import { x } from "@/server/services/disbursements/complete-if-done";', true],
  ["server/rails/stellar/engine/probe.ts", 'import { x } from "../../../services/disbursements/complete-if-done";', true],
  ["server/rails/stellar/engine/probe.ts", 'import { x } from "@/server/stellar/accounts";', false],
  ["server/payments/probe.ts", 'import { x } from "@/server/services/disbursements/complete-if-done";', true],
  ["server/payments/probe.ts", 'import { x } from "@/server/stellar/horizon";', true],
  ["server/payments/probe.ts", 'import { x } from "@/server/domain/state-machines";', false],
];

describe("layer boundaries in eslint.config.mjs", () => {
  it("refuse the imports docs/architecture.md forbids and allow the rest", { timeout: 60_000 }, async () => {
    const answers = await Promise.all(cases.map(async ([file, code]) => [file, code, await refused(file, code)] as const));
    expect(answers).toEqual(cases.map(([file, code, expected]) => [file, code, expected]));
  });
});
