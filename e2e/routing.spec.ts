import { expect, test } from "@playwright/test";
import { csv, fillPhoneDisbursementForm, signIn, unique } from "./helpers";

/**
 * Routing rules in Chromium (docs/rails.md "Routing rules"): an owner adds a rule on the receivers'
 * region in front of the default "Stellar wallets" rule, sees it described in words and moves it up;
 * a disbursement's Routing panel shows where its payments would go, per connection and rule; with the
 * default rule disabled the payment outside the region is listed as unrouted, with its line and why.
 */

function phones(count: number): string[] {
  const base = 1000 + Math.floor(Math.random() * 8000);
  return Array.from({ length: count }, (_, i) => `+1415556${String(base + i).padStart(4, "0")}`);
}

test("an owner adds a region rule and sees a disbursement's routing before start", async ({ page }) => {
  test.setTimeout(300_000);
  await signIn(page, "owner@demo.local");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Routing rules" }).click();
  await expect(page.getByRole("heading", { name: "Routing rules", level: 1 })).toBeVisible();
  const stellarRule = page.getByRole("listitem", { name: "Stellar wallets" });
  await expect(stellarRule.getByTestId("rule-description")).toHaveText("to Stellar address → Stellar distribution account");

  // Add a rule on the region attribute; it goes to the end of the list.
  const name = unique("North and east");
  await page.getByRole("button", { name: "Add rule" }).click();
  const dialog = page.getByRole("dialog", { name: "Add a routing rule" });
  await dialog.getByRole("textbox", { name: "Name" }).fill(name);
  await dialog.getByRole("textbox", { name: "Minimum amount" }).fill("50");
  await dialog.getByRole("textbox", { name: "Maximum amount" }).fill("5");
  await dialog.getByRole("textbox", { name: "Receiver attribute" }).fill("region");
  await dialog.getByRole("textbox", { name: "Attribute values" }).fill("north, East");
  await dialog.getByRole("combobox", { name: "Connection", exact: true }).selectOption({ label: "Stellar distribution account (Stellar)" });
  await dialog.getByRole("button", { name: "Add rule" }).click();
  // Minimum above maximum: refused on the field, nothing stored.
  await expect(dialog.getByText("The minimum amount must not be above the maximum.")).toBeVisible();
  await dialog.getByRole("textbox", { name: "Minimum amount" }).fill("0");
  await dialog.getByRole("textbox", { name: "Maximum amount" }).fill("500");
  await dialog.getByRole("button", { name: "Add rule" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId("routing-notice")).toContainText(`“${name}” was added at position`);
  const rule = page.getByRole("listitem", { name });
  await expect(rule.getByTestId("rule-description")).toHaveText("amount 0–500, region is north or East → Stellar distribution account");

  // Move it to the top: it is checked first.
  const position = rule.getByLabel(/^Position /);
  for (let at = Number(await position.textContent()); at > 1; at--) {
    await rule.getByRole("button", { name: `Move ${name} up` }).click();
    await expect(position).toHaveText(String(at - 1));
  }
  await expect(page.getByRole("list", { name: "Routing rules in order" }).getByRole("listitem").first()).toHaveAccessibleName(name);
  await page.screenshot({ path: "test-results/routing-rules.png", fullPage: true });

  // A disbursement with a region column: two receivers in the north, one in the south.
  const [p1, p2, p3] = phones(3);
  const tag = unique("route");
  await page.goto("/disbursements/new");
  await fillPhoneDisbursementForm(page, unique("E2E routing"));
  await page.getByLabel("Instructions file (CSV)").setInputFiles({
    name: "routing.csv",
    mimeType: "text/csv",
    buffer: csv([
      "phone,id,amount,verification,region",
      `${p1},${tag}-1,10.50,1990-01-31,north`,
      `${p2},${tag}-2,20,1991-02-28,NORTH`,
      `${p3},${tag}-3,7.25,1992-03-30,south`,
    ]),
  });
  await page.getByRole("button", { name: "Upload and continue" }).click();
  await page.waitForURL(/\/disbursements\/[0-9a-f-]{36}$/);
  const detailUrl = page.url();
  const panel = page.getByTestId("routing-preview");
  const connection = panel.getByRole("row", { name: /Stellar distribution account/ });
  await expect(connection).toContainText(`${name}: 2 payments · Stellar wallets: 1 payment`);
  await expect(connection.getByRole("cell").nth(1)).toHaveText("3");
  await expect(connection.getByRole("cell").nth(2)).toHaveText("37.75 USDC");
  await expect(panel.getByTestId("routing-unrouted")).toHaveCount(0);

  // Without the default rule, the southern payment has no route: listed with its line and the reason.
  await page.goto("/routing");
  await stellarRule.getByRole("switch", { name: "Stellar wallets enabled" }).click();
  await page.getByRole("alertdialog", { name: "Disable “Stellar wallets”?" }).getByRole("button", { name: "Disable rule" }).click();
  await expect(page.getByTestId("routing-notice")).toContainText("“Stellar wallets” is disabled");
  try {
    await page.goto(detailUrl);
    const unrouted = page.getByTestId("routing-unrouted");
    await expect(unrouted).toContainText("1 payment (7.25 USDC) not routed: the disbursement cannot start");
    await expect(unrouted).toContainText(`Line 4, ${tag}-3, 7.25 USDC: no enabled rule matches a payment of 7.25 to a Stellar address`);
    await expect(page.getByTestId("routing-preview").getByRole("row", { name: /Stellar distribution account/ })).toContainText(`${name}: 2 payments`);
    await page.getByTestId("routing-preview").scrollIntoViewIfNeeded();
    await page.screenshot({ path: "test-results/routing-preview-unrouted.png", fullPage: true });
  } finally {
    // Leave the demo organization as it was: the default rule on, the new rule deleted (with confirmation).
    await page.goto("/routing");
    await stellarRule.getByRole("switch", { name: "Stellar wallets enabled" }).click();
    await expect(page.getByTestId("routing-notice")).toContainText("“Stellar wallets” is enabled");
    await rule.getByRole("button", { name: `Delete ${name}` }).click();
    await page
      .getByRole("alertdialog", { name: `Delete “${name}”?` })
      .getByRole("button", { name: "Delete rule" })
      .click();
    await expect(page.getByTestId("routing-notice")).toContainText(`“${name}” was deleted.`);
    await expect(rule).toHaveCount(0);
  }
});
