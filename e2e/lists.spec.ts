import { expect, test, type Page } from "@playwright/test";
import { csv, fillPhoneDisbursementForm, signIn, unique } from "./helpers";

/**
 * Lists page by keyset (docs/performance.md, "Lists"): a disbursement's payments in file order page
 * by cursor and come back with Previous; the payments list carries the cursor in its URL; search
 * finds a payment by phone and by receiver id prefix, the exact match first.
 */
function phones(count: number): string[] {
  const base = 1000 + Math.floor(Math.random() * 8000);
  return Array.from({ length: count }, (_, i) => `+1415557${String(base + i).padStart(4, "0")}`);
}

/** The line numbers shown in the table's Line column, top to bottom. */
async function lines(page: Page): Promise<number[]> {
  const rows = page.locator("[data-testid^=payment-row-]");
  await expect(rows.first()).toBeVisible();
  const texts = await rows.evaluateAll((trs) => trs.map((tr) => (tr as HTMLTableRowElement).cells[1]?.textContent ?? ""));
  return texts.map(Number);
}

test("a disbursement's payments page by cursor in file order; search ranks the exact match first", async ({ page }) => {
  test.setTimeout(300_000);
  const count = 45;
  const numbers = phones(count);
  const tag = unique("lst");
  const name = unique("E2E lists");

  await signIn(page, "owner@demo.local");
  await page.goto("/disbursements/new");
  await fillPhoneDisbursementForm(page, name);
  await page.getByLabel("Instructions file (CSV)").setInputFiles({
    name: "lists.csv",
    mimeType: "text/csv",
    buffer: csv(["phone,id,amount,verification", ...numbers.map((p, i) => `${p},${tag}-${i + 1},${i + 1},1990-01-31`)]),
  });
  await expect(page.getByTestId("csv-row-count")).toHaveText(String(count));
  await page.getByRole("button", { name: "Upload and continue" }).click();
  await page.waitForURL(/\/disbursements\/[0-9a-f-]{36}$/);

  // The disbursement's payments: file order, 20 a page, by cursor, and back.
  const pager = page.getByRole("navigation", { name: "Pagination" });
  await expect(pager).toContainText("Page 1 of 3 · 45 payments");
  expect(await lines(page)).toEqual(Array.from({ length: 20 }, (_, i) => i + 2));
  await pager.getByRole("button", { name: "Next" }).click();
  await expect(pager).toContainText("Page 2 of 3");
  await expect.poll(() => lines(page)).toEqual(Array.from({ length: 20 }, (_, i) => i + 22));
  await pager.getByRole("button", { name: "Next" }).click();
  await expect(pager).toContainText("Page 3 of 3");
  await expect.poll(() => lines(page)).toEqual([42, 43, 44, 45, 46]);
  await expect(pager.getByRole("button", { name: "Next" })).toBeDisabled();
  await pager.getByRole("button", { name: "Previous" }).click();
  await expect(pager).toContainText("Page 2 of 3");
  await expect.poll(() => lines(page)).toEqual(Array.from({ length: 20 }, (_, i) => i + 22));

  // The payments list keeps its cursor in the URL; Previous to page 1 drops it.
  await page.goto("/payments");
  const list = page.getByRole("navigation", { name: "Pagination" });
  await expect(list).toContainText("Page 1 of");
  await list.getByRole("button", { name: "Next" }).click();
  await expect(list).toContainText("Page 2 of");
  await expect(page).toHaveURL(/[?&]cursor=/);
  await list.getByRole("button", { name: "Previous" }).click();
  await expect(list).toContainText("Page 1 of");
  await expect(page).not.toHaveURL(/cursor=/);

  // Search by a phone number typed with spaces: that receiver's one payment.
  const search = page.getByRole("searchbox", { name: "Search" });
  const target = numbers[6]!;
  await search.fill(`${target.slice(0, 5)} ${target.slice(5)}`);
  await expect(page).toHaveURL(/[?&]q=/);
  await expect(page.locator("[data-testid^=payment-row-]")).toHaveCount(1);
  await expect(page.locator("[data-testid^=payment-row-]").first()).toContainText(target);
  // By receiver id prefix: `<tag>-1` exactly first, then `<tag>-10` … `<tag>-19`.
  await search.fill(`${tag.toUpperCase()}-1`);
  await expect(page.locator("[data-testid^=payment-row-]")).toHaveCount(11);
  await expect(page.locator("[data-testid^=payment-row-]").first()).toContainText(numbers[0]!);
});
