import { expect, test, type Page } from "@playwright/test";
import { signIn, signOut, unique } from "./helpers";

/**
 * SDP's soft delete on the Wallets & assets page (server/services/catalog/, docs/security/catalog-delete.md)
 * in Chromium: an owner adds two wallets; deleting one that a draft disbursement uses is refused in
 * the confirmation dialog, naming the disbursement; the other is kept on "Keep it", then deleted
 * after confirming and is gone from the page and from the new-disbursement choices. A business
 * user sees no Delete button.
 */

async function addWallet(page: Page, name: string) {
  await page.getByRole("button", { name: "Add wallet" }).click();
  const dialog = page.getByRole("dialog", { name: "Add a wallet" });
  await dialog.getByRole("textbox", { name: "Name" }).fill(name);
  await dialog.getByRole("textbox", { name: "Homepage" }).fill("https://wallet.example.org");
  await dialog.getByRole("textbox", { name: "Deep link schema" }).fill("wallet://sdp");
  await dialog.getByRole("textbox", { name: "SEP-10 client domain" }).fill("wallet.example.org");
  await dialog.getByRole("checkbox", { name: /XLM/ }).check();
  await dialog.getByRole("button", { name: "Add wallet" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId(`wallet-${name}`)).toBeVisible();
}

test("an owner deletes a wallet after confirming; a wallet in use is refused, naming the disbursement", async ({ page }) => {
  await signIn(page, "owner@demo.local");
  await page.goto("/wallets");
  await expect(page.getByRole("heading", { name: "Wallets & assets", level: 1 })).toBeVisible();

  const used = unique("E2E used wallet");
  const spare = unique("E2E spare wallet");
  await addWallet(page, used);
  await addWallet(page, spare);

  // A draft disbursement through the first wallet.
  const draft = unique("E2E draft");
  await page.goto("/disbursements/new");
  await page.getByRole("textbox", { name: "Name", exact: true }).fill(draft);
  await page.getByRole("combobox", { name: "Wallet", exact: true }).selectOption({ label: used });
  await page.getByRole("combobox", { name: "Asset", exact: true }).selectOption({ label: "XLM (native)" });
  await page.getByRole("radio", { name: /^Phone number Receivers get an SMS/ }).check();
  await page.getByRole("combobox", { name: "Verification field", exact: true }).selectOption("DATE_OF_BIRTH");
  await page.getByRole("button", { name: "Save as draft" }).click();
  await page.waitForURL(/\/disbursements\/[0-9a-f-]{36}$/);

  // Refused in the dialog, naming the draft; the wallet stays.
  await page.goto("/wallets");
  await page.getByRole("button", { name: `Delete ${used}` }).click();
  const refuse = page.getByRole("alertdialog", { name: `Delete ${used}?` });
  await refuse.getByRole("button", { name: "Delete wallet" }).click();
  await expect(refuse.getByText(`the disbursement “${draft}” uses it and is not finished`)).toBeVisible();
  await page.screenshot({ path: test.info().outputPath("catalog-delete-refused.png") });
  await refuse.getByRole("button", { name: "Keep it" }).click();
  await expect(refuse).toBeHidden();
  await expect(page.getByTestId(`wallet-${used}`)).toBeVisible();

  // "Keep it" changes nothing; confirming deletes.
  await page.getByRole("button", { name: `Delete ${spare}` }).click();
  const confirm = page.getByRole("alertdialog", { name: `Delete ${spare}?` });
  await expect(confirm.getByText("Receivers can no longer register with it")).toBeVisible();
  await page.screenshot({ path: test.info().outputPath("catalog-delete-confirm.png") });
  await confirm.getByRole("button", { name: "Keep it" }).click();
  await expect(page.getByTestId(`wallet-${spare}`)).toBeVisible();

  await page.getByRole("button", { name: `Delete ${spare}` }).click();
  await confirm.getByRole("button", { name: "Delete wallet" }).click();
  await expect(confirm).toBeHidden();
  await expect(page.getByText(`${spare} was deleted.`)).toBeVisible();
  await expect(page.getByTestId(`wallet-${spare}`)).toHaveCount(0);
  await page.screenshot({ path: test.info().outputPath("catalog-delete-done.png"), fullPage: true });

  // Gone after a reload and from the new-disbursement choices; the used one is still offered.
  await page.reload();
  await expect(page.getByTestId(`wallet-${used}`)).toBeVisible();
  await expect(page.getByTestId(`wallet-${spare}`)).toHaveCount(0);
  await page.goto("/disbursements/new");
  const walletSelect = page.getByRole("combobox", { name: "Wallet", exact: true });
  await expect(walletSelect.locator("option", { hasText: used })).toHaveCount(1);
  await expect(walletSelect.locator("option", { hasText: spare })).toHaveCount(0);
});

test("a business user sees wallets and assets without Delete buttons", async ({ page }) => {
  await signIn(page, "business@demo.local");
  await page.goto("/wallets");
  await expect(page.getByTestId("wallet-Demo Wallet")).toBeVisible();
  await expect(page.getByTestId("asset-XLM")).toBeVisible();
  await expect(page.getByRole("button", { name: /^Delete / })).toHaveCount(0);
  await signOut(page);
});
