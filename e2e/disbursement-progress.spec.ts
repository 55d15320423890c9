import { readFileSync } from "node:fs";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { createDb } from "../db/client";
import { movePaymentStatus } from "../server/payments/payment-state-writer";
import { readDisbursementTotals } from "../server/payments/payment-totals";
import { csv, fillPhoneDisbursementForm, signIn, unique } from "./helpers";

/**
 * The disbursement page's live progress (docs/performance.md, "Pages"): while a disbursement runs,
 * payments settle outside the page (here through the one payment-status writer, as the engine
 * does) and the totals on screen follow them exactly, equal to the maintained counters; the page
 * polls `disbursements.progress` (status and counters only), never the whole detail.
 */

function databaseUrl(): string {
  if (process.env.E2E_DATABASE_URL) return process.env.E2E_DATABASE_URL;
  const dataDir = path.resolve(process.env.E2E_DATA_DIR || ".test-data/e2e");
  const password = readFileSync(path.join(dataDir, "postgres-password"), "utf8").trim();
  return `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${process.env.E2E_PG_PORT || "54339"}/disbursements`;
}

/** US numbers that libphonenumber accepts, different on every run. */
function phones(count: number): string[] {
  const base = 1000 + Math.floor(Math.random() * 8000);
  return Array.from({ length: count }, (_, i) => `+1415557${String(base + i).padStart(4, "0")}`);
}

/** "12.5000000" → "12.5", as the page shows amounts. */
const shown = (decimal: string) => decimal.replace(/\.?0+$/, "");

test("the detail page's totals follow payments as they settle, from the counters alone", async ({ page }) => {
  test.setTimeout(300_000);
  const { db, sql } = createDb(databaseUrl(), { max: 2 });
  try {
    await signIn(page, "owner@demo.local");
    const name = unique("E2E progress");
    const tag = unique("prg");
    const [p1, p2, p3] = phones(3);
    await page.goto("/disbursements/new");
    await fillPhoneDisbursementForm(page, name);
    await page.getByLabel("Instructions file (CSV)").setInputFiles({
      name: "progress.csv",
      mimeType: "text/csv",
      buffer: csv(["phone,id,amount,verification", `${p1},${tag}-1,10.25,1990-01-31`, `${p2},${tag}-2,20,1991-02-28`, `${p3},${tag}-3,0.0000001,1992-03-31`]),
    });
    await page.getByRole("button", { name: "Upload and continue" }).click();
    await page.waitForURL(/\/disbursements\/[0-9a-f-]{36}$/);
    const id = page.url().split("/").at(-1)!;

    // Receivers have not registered a wallet yet, so the worker leaves their READY payments alone.
    await page.getByRole("button", { name: "Start", exact: true }).click();
    await page.getByRole("alertdialog").getByRole("button", { name: "Start disbursement" }).click();
    await expect(page.getByTestId("disbursement-status")).toHaveText("Started");
    await expect(page.getByTestId("total-remaining")).toContainText("3");

    // From here on, what the page asks the server while it polls.
    const polled: string[] = [];
    page.on("request", (r) => {
      if (r.url().includes("/api/trpc/")) polled.push(new URL(r.url()).pathname);
    });

    const [row] = await sql<{ orgId: string }[]>`select org_id as "orgId" from disbursements where id = ${id}`;
    const orgId = row!.orgId;
    const ids = (await sql<{ id: string }[]>`select id from payments where disbursement_id = ${id} order by line_number`).map((r) => r.id);
    // What the engine does: claim, then settle one and fail another, through the one status writer.
    await db.transaction((tx) => movePaymentStatus(tx, { orgId, ids: [ids[0]!, ids[1]!], from: ["READY"], to: "PENDING", message: "submitted" }));
    await db.transaction(async (tx) => {
      await movePaymentStatus(tx, { orgId, ids: [ids[0]!], from: ["PENDING"], to: "SUCCESS", message: "paid" });
      await movePaymentStatus(tx, { orgId, ids: [ids[1]!], from: ["PENDING"], to: "FAILED", message: "op_no_destination" });
    });
    const totals = (await readDisbursementTotals(db, orgId, [id])).get(id)!;
    expect(totals.SUCCESS).toEqual({ count: 1, amount: "10.2500000" });

    await expect(page.getByTestId("total-sent")).toContainText(String(totals.SUCCESS.count));
    await expect(page.getByTestId("total-failed")).toContainText(String(totals.FAILED.count));
    await expect(page.getByTestId("total-remaining")).toContainText(String(totals.READY.count));
    await expect(page.getByTestId("amount-disbursed")).toContainText(`${shown(totals.SUCCESS.amount)} USDC`);
    await expect(page.getByText("1 of 3 payments sent")).toBeVisible();

    // The last one settles too: the page follows again.
    await db.transaction((tx) => movePaymentStatus(tx, { orgId, ids: [ids[2]!], from: ["READY"], to: "PENDING", message: "submitted" }));
    await db.transaction((tx) => movePaymentStatus(tx, { orgId, ids: [ids[2]!], from: ["PENDING"], to: "SUCCESS", message: "paid" }));
    await expect(page.getByText("2 of 3 payments sent")).toBeVisible();
    await expect(page.getByTestId("total-remaining")).toContainText("0");

    // It polled the counters, and never reloaded the whole detail for them.
    expect(polled.some((p) => p.includes("disbursements.progress"))).toBe(true);
    expect(polled.filter((p) => p.includes("disbursements.get"))).toEqual([]);
  } finally {
    await sql.end({ timeout: 5 });
  }
});
