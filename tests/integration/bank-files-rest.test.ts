/**
 * The statements REST API (`/api/v1/statements`) called with real Requests: multipart `statement_file` as the OpenG2P example bank posts it, scopes,
 * BANK_PUSH with a connection, 400/413 answers, and the answers parsed with the OpenAPI schemas.
 */
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { closeDb } from "@/db/client";
import { payments } from "@/db/schema";
import { buildCamt, buildMt940 } from "@/scripts/lib/bank-file-builders";
import type { ApiScope } from "@/server/domain/api-scopes";
import { BankFileSchema, StatementImportSchema, keysetPaginated } from "@/server/rest/openapi";
import { createApiKey } from "@/server/services/api-keys/create-api-key";
import type { OrgContext } from "@/server/services/context";
import * as statementRoute from "@/app/api/v1/statements/[id]/route";
import * as statementsRoute from "@/app/api/v1/statements/route";
import { createBankPayments, createBankSetup, type BankSetup } from "../support/bank-payments";
import { createOrgWithMembers, randomSuffix, testDb } from "./helpers";

process.env.DATABASE_URL = inject("databaseUrl");
afterAll(() => closeDb());

const db = testDb();
type Handler = (request: Request, context?: { params?: Promise<Record<string, string>> }) => Promise<Response>;

let ctx: OrgContext;
let bank: BankSetup;

beforeAll(async () => {
  const org = await createOrgWithMembers(db, ["owner"] as const);
  ctx = { db, actor: { userId: org.users.owner.id }, org: { id: org.org.id }, role: "owner" };
  bank = await createBankSetup(db, org.org.id);
});

const keyWith = async (scopes: ApiScope[]) => (await createApiKey(ctx, { name: `bank ${randomSuffix()}`, scopes })).key;

async function call(handler: Handler, method: string, path: string, options: { key?: string; form?: FormData; id?: string; headers?: Record<string, string> } = {}) {
  const headers = new Headers(options.headers);
  if (options.key) headers.set("authorization", `Bearer ${options.key}`);
  let body: ArrayBuffer | undefined;
  if (options.form) {
    const probe = new Request("http://localhost", { method: "POST", body: options.form });
    headers.set("content-type", probe.headers.get("content-type")!);
    body = await probe.arrayBuffer();
  }
  const response = await handler(new Request(`http://localhost${path}`, { method, headers, body }), {
    params: Promise.resolve<Record<string, string>>(options.id ? { id: options.id } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

function statementForm(content: string, fields: Record<string, string> = {}, field = "statement_file") {
  const form = new FormData();
  form.set(field, new File([content], "statement.sta", { type: "text/plain" }));
  for (const [k, v] of Object.entries(fields)) form.set(k, v);
  return form;
}

describe("POST /api/v1/statements", () => {
  it("imports an MT940 posted as statement_file with a write:statements key; the bank's push names its connection", async () => {
    const { paymentIds } = await createBankPayments(db, ctx.org.id, bank, ["25.00", "5.00"]);
    const key = await keyWith(["write:statements"]);
    const text = buildMt940(
      [
        { reference: paymentIds[0]!, amount: "25.00" },
        { reference: paymentIds[1]!, amount: "5.00" },
      ],
      { statementId: `REST-${randomSuffix()}` },
    );
    const res = await call(statementsRoute.POST, "POST", "/api/v1/statements", { key, form: statementForm(text, { connection_id: bank.connectionId }) });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const body = StatementImportSchema.parse(res.body);
    expect(body.file).toMatchObject({ format: "MT940", source: "BANK_PUSH", entry_count: 2, matched_count: 2, connection: { id: bank.connectionId } });
    const rows = await db
      .select({ status: payments.status })
      .from(payments)
      .where(eq(payments.disbursementId, (await db.select({ d: payments.disbursementId }).from(payments).where(eq(payments.id, paymentIds[0]!)))[0]!.d));
    expect(rows.every((r) => r.status === "SUCCESS")).toBe(true);

    // Again: 200, already imported, nothing changed.
    const again = await call(statementsRoute.POST, "POST", "/api/v1/statements", { key, form: statementForm(text) });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ already_imported: true, file: { id: body.file.id } });

    // Read it back with a read:statements key.
    const reader = await keyWith(["read:statements"]);
    const list = await call(statementsRoute.GET, "GET", "/api/v1/statements", { key: reader });
    expect(list.status).toBe(200);
    expect(keysetPaginated(BankFileSchema).parse(list.body).data[0]!.id).toBe(body.file.id);
    const one = await call(statementRoute.GET, "GET", `/api/v1/statements/${body.file.id}`, { key: reader, id: body.file.id });
    expect(one.status).toBe(200);
    expect(one.body.entries.data.map((e: { outcome: string }) => e.outcome)).toEqual(["MATCHED", "MATCHED"]);
    // A read key cannot import.
    const refused = await call(statementsRoute.POST, "POST", "/api/v1/statements", { key: reader, form: statementForm(text + "\n") });
    expect(refused.status).toBe(403);
  });

  it("400 names the line and field of a bad file, or the missing statement_file; 413 above BANK_FILE_MAX_BYTES", async () => {
    const key = await keyWith(["write:statements"]);
    const bad = buildCamt("053", [{ reference: null, amount: "1.00" }]).replace("<CdtDbtInd>DBIT</CdtDbtInd>", "<CdtDbtInd>SIDEWAYS</CdtDbtInd>");
    const res = await call(statementsRoute.POST, "POST", "/api/v1/statements", { key, form: statementForm(bad) });
    expect(res.status).toBe(400);
    expect(res.body.extras.file).toMatch(/camt\.053 statement \(line \d+/);
    expect(res.body.extras.line).toMatch(/^\d+$/);
    const missing = await call(statementsRoute.POST, "POST", "/api/v1/statements", { key, form: statementForm("x", {}, "file") });
    expect(missing.status).toBe(400);
    expect(JSON.stringify(missing.body)).toMatch(/statement_file/);
    process.env.BANK_FILE_MAX_BYTES = "1000";
    try {
      const big = await call(statementsRoute.POST, "POST", "/api/v1/statements", { key, form: statementForm("x".repeat(5000)) });
      expect(big.status).toBe(413);
      expect(big.body.reason).toBe("PAYLOAD_TOO_LARGE");
    } finally {
      delete process.env.BANK_FILE_MAX_BYTES;
    }
  });
});
