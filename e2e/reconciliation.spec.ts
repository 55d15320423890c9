import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { sql as dsql } from "drizzle-orm";
import { createDb } from "../db/client";
import { buildCamt } from "../scripts/lib/bank-file-builders";
import { createBankPayments, createBankSetup } from "../tests/support/bank-payments";
import { signIn } from "./helpers";

/**
 * The Reconciliation page (docs/rails.md, "Reconciliation") in Chromium: an owner uploads a camt.053
 * statement for two PENDING bank payments (made directly in the database, as the bank rail would have
 * shipped them) plus an entry with an unknown reference; sees the matched count, the unmatched entry
 * in the exceptions table, the file's entries, the paid payment's bank reply; a broken file is refused
 * with its line named and nothing stored.
 */

function databaseUrl(): string {
  if (process.env.E2E_DATABASE_URL) return process.env.E2E_DATABASE_URL;
  const dataDir = path.resolve(process.env.E2E_DATA_DIR || ".test-data/e2e");
  const password = readFileSync(path.join(dataDir, "postgres-password"), "utf8").trim();
  return `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${process.env.E2E_PG_PORT || "54339"}/disbursements`;
}

test("an owner uploads a statement, sees matched counts and the unmatched entry listed", async ({ page }) => {
  test.setTimeout(300_000);
  const { db, sql } = createDb(databaseUrl(), { max: 2 });
  try {
    const [org] = await db.execute<{ org_id: string }>(
      dsql`select m.org_id from memberships m join users u on u.id = m.user_id where u.email = 'owner@demo.local' limit 1`,
    );
    const bank = await createBankSetup(db, org!.org_id, `E2E bank ${randomUUID().slice(0, 6)}`);
    const { paymentIds } = await createBankPayments(db, org!.org_id, bank, ["125.50", "74.50"], { name: `E2E bank run ${randomUUID().slice(0, 6)}` });
    const unknown = `INV-${randomUUID().slice(0, 8).toUpperCase()}`;
    const statement = buildCamt(
      "053",
      [
        { reference: paymentIds[0]!, amount: "125.50", bankReference: "E2E-BOOK-1" },
        { reference: paymentIds[1]!, amount: "74.50", bankReference: "E2E-BOOK-2" },
        { reference: unknown, amount: "9.99", bankReference: "E2E-BOOK-3" },
      ],
      { statementId: `E2E-${randomUUID().slice(0, 8)}` },
    );

    await signIn(page, "owner@demo.local");
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Reconciliation" }).click();
    await expect(page.getByRole("heading", { name: "Reconciliation", level: 1 })).toBeVisible();

    // A broken file: refused with its line, nothing stored.
    await page
      .getByLabel("File", { exact: true })
      .setInputFiles({ name: "broken.xml", mimeType: "application/xml", buffer: Buffer.from(statement.replace("</Document>", "")) });
    await page.getByRole("button", { name: "Import" }).click();
    await expect(page.getByTestId("import-error")).toContainText("The file was not imported");
    await expect(page.getByTestId("import-error")).toContainText(/line \d+/i);

    await page.getByLabel("File", { exact: true }).setInputFiles({ name: "statement-e2e.xml", mimeType: "application/xml", buffer: Buffer.from(statement) });
    await page.getByLabel("Bank connection (optional)").selectOption({ label: await bankName(db, bank.connectionId) });
    await page.getByRole("button", { name: "Import" }).click();
    await expect(page.getByTestId("import-result")).toContainText("Imported 3 entries: 2 matched, 1 to check.");

    const row = page.getByTestId("bank-files-table").getByRole("row", { name: /statement-e2e\.xml/ });
    await expect(row).toBeVisible();
    await expect(row.getByTestId("matched-count")).toHaveText("2");
    await expect(page.getByTestId("bank-files-table").getByRole("row", { name: /broken\.xml/ })).toHaveCount(0);

    const exception = page.getByTestId("exceptions-table").getByRole("row", { name: new RegExp(unknown) });
    await expect(exception).toBeVisible();
    await expect(exception.getByTestId("outcome-badge")).toHaveText("Unmatched");
    await expect(exception).toContainText("not a payment reference this platform wrote");
    await page.screenshot({ path: "test-results/reconciliation-page.png", fullPage: true });

    // The same file again changes nothing.
    await page.getByLabel("File", { exact: true }).setInputFiles({ name: "statement-again.xml", mimeType: "application/xml", buffer: Buffer.from(statement) });
    await page.getByRole("button", { name: "Import" }).click();
    await expect(page.getByTestId("import-result")).toContainText("already imported");

    // The file's entries, then the paid payment with the bank's reply.
    await page.getByTestId("import-result").getByRole("link").click();
    await expect(page.getByRole("heading", { name: "statement-e2e.xml", level: 1 })).toBeVisible();
    await expect(page.getByTestId("file-matched")).toHaveText("2");
    await expect(page.getByTestId("entries-table").getByTestId("entry-row")).toHaveCount(3);
    await page.screenshot({ path: "test-results/reconciliation-file.png", fullPage: true });
    await page.getByTestId("entries-table").getByRole("link").first().click();
    await expect(page.getByTestId("payment-status")).toHaveText("Success");
    await expect(page.getByTestId("bank-reply")).toContainText("BOOK");
    await expect(page.getByTestId("bank-reply")).toContainText("E2E-BOOK-1");
  } finally {
    await sql.end({ timeout: 5 });
  }
});

async function bankName(db: ReturnType<typeof createDb>["db"], id: string): Promise<string> {
  const [row] = await db.execute<{ name: string }>(dsql`select name from payment_connections where id = ${id}`);
  return row!.name;
}
