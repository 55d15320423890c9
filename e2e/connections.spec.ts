import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { startExampleBank, type ExampleBankHandle } from "../example-bank";
import { signIn, unique } from "./helpers";

/**
 * The Connections page (docs/rails.md "Payment connections") in Chromium: an owner adds a bank
 * connection pointing at a running example bank (started here on 127.0.0.1, which the launcher's
 * OUTBOUND_ALLOW_HOSTS allows), after a plain-http URL to a public host was refused on its field;
 * tests it and sees it healthy; is told why the default Stellar connection cannot be deleted. A
 * business user sees the list read-only.
 */

let bank: ExampleBankHandle;
let dir: string;
const API_KEY = `e2e-bank-key-${Date.now().toString(36)}`;

test.beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "e2e-connections-bank-"));
  bank = await startExampleBank({
    dataDir: dir,
    apiKey: API_KEY,
    accounts: [{ account_number: "4000500060", account_holder_name: "Demo programme", currency: "KES", balance: "250000.00" }],
  });
});

test.afterAll(async () => {
  await bank?.close();
  rmSync(dir, { recursive: true, force: true });
});

test("an owner adds a bank connection, tests it and sees it healthy", async ({ page }) => {
  await signIn(page, "owner@demo.local");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Connections" }).click();
  await expect(page.getByRole("heading", { name: "Connections", level: 1 })).toBeVisible();
  await expect(page.getByRole("row", { name: "Stellar distribution account" })).toBeVisible();

  const name = unique("Sponsor bank");
  await page.getByRole("button", { name: "Add connection" }).click();
  const dialog = page.getByRole("dialog", { name: "Add a connection" });
  await dialog.getByRole("textbox", { name: "Name", exact: true }).fill(name);
  await dialog.getByRole("textbox", { name: "Bank API base URL" }).fill("http://bank.example.org/api");
  await dialog.getByRole("textbox", { name: "Account number" }).fill("4000500060");
  await dialog.getByRole("textbox", { name: "Bank code" }).fill("EXAMPLE_BANK");
  await dialog.getByRole("textbox", { name: "Account holder name" }).fill("Demo programme");
  await dialog.getByLabel("API key", { exact: true }).fill(API_KEY);
  await dialog.getByRole("button", { name: "Add connection" }).click();
  // A public host over plain http is refused on its field; nothing is stored.
  await expect(dialog.getByText("Use https: plain http is accepted only for hosts listed in OUTBOUND_ALLOW_HOSTS.")).toBeVisible();
  // The field mapping names what the bank rail accepts; a field it does not fill is refused by name.
  await dialog.getByRole("textbox", { name: /Field mapping/ }).fill("narrative_3 = Child grant for {payee_name}\nnarrative_1 = {programme}");
  await dialog.getByRole("textbox", { name: "Bank API base URL" }).fill(bank.url);
  await dialog.getByRole("button", { name: "Add connection" }).click();
  await expect(dialog.getByText(/Unknown field “narrative_1”: use remittance_information, narrative_3/)).toBeVisible();
  await dialog.getByRole("textbox", { name: /Field mapping/ }).fill("narrative_3 = Child grant for {payee_name}");

  await dialog.getByRole("textbox", { name: "Bank API base URL" }).fill(bank.url);
  await dialog.getByRole("button", { name: "Add connection" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId("connections-notice")).toContainText(`${name} was added.`);
  const row = page.getByRole("row", { name });
  await expect(row.getByText("Not checked", { exact: true })).toBeVisible();
  await expect(row.getByText(/Credentials set on/)).toBeVisible();
  // The key is never sent back to the browser.
  expect(await page.content()).not.toContain(API_KEY);

  await row.getByRole("button", { name: `Test connection ${name}` }).click();
  await expect(page.getByTestId("connections-notice")).toContainText(`${name}: healthy. The bank answered and knows the debtor account 4000500060`);
  await expect(row.getByText("Healthy", { exact: true })).toBeVisible();
  await expect(row.getByText(/^Checked /)).toBeVisible();
  await page.screenshot({ path: "test-results/connections-healthy.png", fullPage: true });

  // The default Stellar connection is used by the "Stellar wallets" rule: deletion is refused, saying so.
  await page.getByRole("row", { name: "Stellar distribution account" }).getByRole("button", { name: "Delete Stellar distribution account" }).click();
  const confirm = page.getByRole("alertdialog", { name: "Delete Stellar distribution account?" });
  await confirm.getByRole("button", { name: "Delete connection" }).click();
  await expect(confirm.getByText(/the routing rule “Stellar wallets” uses it/)).toBeVisible();
  await confirm.getByRole("button", { name: "Cancel" }).click();
  await expect(page.getByRole("row", { name: "Stellar distribution account" })).toBeVisible();
});

test("a business user sees the connections read-only", async ({ page }) => {
  await signIn(page, "business@demo.local");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Connections" }).click();
  await expect(page.getByRole("heading", { name: "Connections", level: 1 })).toBeVisible();
  await expect(page.getByRole("row", { name: "Stellar distribution account" })).toBeVisible();
  await expect(page.getByText("Owners and financial controllers manage connections; you can see them.")).toBeVisible();
  await expect(page.getByRole("button", { name: "Add connection" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: /^Test connection/ })).toHaveCount(0);
  await expect(page.getByRole("table").getByRole("switch")).toHaveCount(0);
  await expect(page.getByRole("row", { name: "Stellar distribution account" }).getByText("Enabled", { exact: true })).toBeVisible();
});

test("an owner adds a Mojaloop connection: a bad FSP id is refused on its field, the callback URL is shown to copy", async ({ page }) => {
  await signIn(page, "owner@demo.local");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Connections" }).click();
  const name = unique("Mojaloop switch");
  await page.getByRole("button", { name: "Add connection" }).click();
  const dialog = page.getByRole("dialog", { name: "Add a connection" });
  await dialog.getByRole("combobox", { name: "Rail" }).selectOption("MOJALOOP");
  await dialog.getByRole("textbox", { name: "Name", exact: true }).first().fill(name);
  await dialog.getByRole("textbox", { name: "Switch base URL" }).fill("https://switch.example.org");
  await dialog.getByRole("textbox", { name: "Our FSP id" }).fill("payer fsp");
  await dialog.getByRole("textbox", { name: "Callback sources" }).fill("192.0.2.10\n10.0.0.0/24");
  await dialog.getByRole("group", { name: "Test party (optional)" }).getByRole("textbox", { name: "Identifier" }).fill("+254712345678");
  await dialog.getByRole("button", { name: "Add connection" }).click();
  await expect(dialog.getByText("An FSP id is letters, digits and . _ - (it is sent in the FSPIOP-Source header).")).toBeVisible();
  await dialog.getByRole("textbox", { name: "Our FSP id" }).fill("g2p-payer");
  await dialog.getByRole("button", { name: "Add connection" }).click();
  await expect(dialog).toBeHidden();

  const row = page.getByRole("row", { name });
  await expect(row.getByText("Mojaloop", { exact: true })).toBeVisible();
  await row.getByRole("button", { name: `Test connection ${name}` }).click();
  // Test connection looks the test party up at the switch; this one does not exist (e2e/mojaloop.spec.ts tests a real one).
  await expect(page.getByTestId("connections-notice")).toContainText(
    `${name}: unhealthy. The switch at https://switch.example.org did not take the lookup of MSISDN +254712345678`,
  );
  await expect(row.getByText("Unhealthy", { exact: true })).toBeVisible();

  await row.getByRole("button", { name: `Edit ${name}` }).click();
  const edit = page.getByRole("dialog", { name: `Edit ${name}` });
  await expect(edit.getByTestId("mojaloop-callback-url").locator("code")).toHaveText(/^https?:\/\/[^/]+\/api\/mojaloop\/[0-9a-f-]{36}$/);
  await expect(edit.getByRole("button", { name: "Copy callback URL" })).toBeVisible();
  await expect(edit.getByRole("textbox", { name: "Callback sources" })).toHaveValue("192.0.2.10\n10.0.0.0/24");
  await edit.screenshot({ path: "test-results/connections-mojaloop-dialog.png" });
});
