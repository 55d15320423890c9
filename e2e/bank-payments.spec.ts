import { expect, test } from "@playwright/test";
import { csv, signIn, unique } from "./helpers";

/**
 * Paying bank accounts end to end in Chromium (docs/rails.md): the demo organization's connection to
 * the example bank and its "Bank accounts" routing rule, as `npm start` seeds them; an owner creates a
 * bank-account disbursement in KES, uploads its CSV, sees the routing, starts it; the worker's
 * dispatcher checks and blocks funds and ships the batch to the example bank over HTTP; the bank pays
 * after its delay and posts its MT940 statement back; reconciliation settles the payments and the
 * disbursement completes. One account is on the bank's reject list: it fails with the bank's reason.
 */
test("a bank-account disbursement is shipped to the bank and settled by the bank's statement", async ({ page }) => {
  test.setTimeout(300_000);
  const name = unique("E2E bank");
  const tag = unique("bank");
  await signIn(page, "owner@demo.local");

  // The seeded connection is there and healthy once tested.
  await page.goto("/connections");
  await expect(page.getByText("Example Bank", { exact: true }).first()).toBeVisible();

  await page.goto("/disbursements/new");
  await page.getByRole("textbox", { name: "Name", exact: true }).fill(name);
  await page.getByRole("radio", { name: /^Bank account/ }).check();
  const kes = await page.getByRole("combobox", { name: "Currency", exact: true }).locator("option", { hasText: "KES" }).getAttribute("value");
  await page.getByRole("combobox", { name: "Currency", exact: true }).selectOption(kes!);
  await page.getByLabel("Instructions file (CSV)").setInputFiles({
    name: "bank.csv",
    mimeType: "text/csv",
    buffer: csv([
      "id,amount,bankAccount,bankCode,name,region",
      `${tag}-1,1250.50,${Date.now() % 1_000_000_000},EXBK0001,Amina Otieno,north`,
      `${tag}-2,300,${(Date.now() % 1_000_000_000) + 1},EXBK0001,Brian Kamau,south`,
      // The bank's reject-list account: one payee holds it, the same on every run (an account belongs to one receiver).
      `e2e-rejected-payee,75.25,999000111,EXBK0001,Rejected Payee,south`,
    ]),
  });
  await page.getByRole("button", { name: "Upload and continue" }).click();
  await page.waitForURL(/\/disbursements\/[0-9a-f-]{36}$/);

  // Before start: all three payments route to the example bank.
  const routing = page.getByTestId("routing-preview");
  await expect(routing).toContainText("Example Bank");
  await expect(routing).toContainText("3");

  await page.getByRole("button", { name: "Start", exact: true }).click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Start disbursement" }).click();
  await expect(page.getByTestId("disbursement-status")).toHaveText(/Started|Completed/);

  // The dispatcher's shipment: funds blocked with the bank, batch shipped.
  const shipments = page.getByTestId("shipments");
  await expect(shipments).toBeVisible({ timeout: 60_000 });
  await expect(shipments.getByText("Shipped", { exact: true })).toBeVisible({ timeout: 60_000 });
  await expect(shipments).toContainText("1,625.75 KES");
  await page.screenshot({ path: "test-results/bank-shipment.png", fullPage: true });

  // The bank pays after its delay and posts its statement; reconciliation books the two payouts. The
  // rejected account never reaches a statement: the dispatcher's look-up at the bank fails it, with the bank's code.
  await expect
    .poll(
      async () => {
        await page.reload();
        return `${await page.getByTestId("total-sent").textContent()} / ${await page.getByTestId("total-failed").textContent()}`;
      },
      { timeout: 150_000, intervals: [3_000] },
    )
    .toBe("Sent2 / Failed1");
  await expect(page.getByText(/AC04: The beneficiary account is closed/)).toBeVisible();
  await expect(page.getByTestId("amount-disbursed")).toContainText("1,550.50");
  await page.screenshot({ path: "test-results/bank-settled.png", fullPage: true });

  // The statement the bank pushed is on the Reconciliation page.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Reconciliation" }).click();
  await expect(page.getByRole("heading", { name: "Reconciliation", level: 1 })).toBeVisible();
  await expect(page.getByText("MT940").first()).toBeVisible();
});
