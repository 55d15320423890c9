import { expect, type Page } from "@playwright/test";

export const DEMO_PASSWORD = "DemoPassword1!";

export async function signIn(page: Page, email: string, password = DEMO_PASSWORD) {
  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("button", { name: /Account menu/ })).toBeVisible();
}

export async function signOut(page: Page) {
  await page.getByRole("button", { name: /Account menu/ }).click();
  await page.getByRole("menuitem", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login/);
}

export const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

/** A CSV file body as the browser would upload it (CRLF lines, final newline). */
export const csv = (lines: string[]) => Buffer.from(`${lines.join("\r\n")}\r\n`, "utf8");

/**
 * On /disbursements/new: name it and choose the demo wallet, USDC, phone-number registration and
 * date-of-birth verification (the form most journeys start from).
 */
export async function fillPhoneDisbursementForm(page: Page, name: string) {
  await page.getByRole("textbox", { name: "Name", exact: true }).fill(name);
  await page.getByRole("combobox", { name: "Wallet", exact: true }).selectOption({ label: "Demo Wallet" });
  const usdc = await page.getByRole("combobox", { name: "Asset", exact: true }).locator("option", { hasText: "USDC" }).getAttribute("value");
  await page.getByRole("combobox", { name: "Asset", exact: true }).selectOption(usdc!);
  await page.getByRole("radio", { name: /^Phone number Receivers get an SMS/ }).check();
  await page.getByRole("combobox", { name: "Verification field", exact: true }).selectOption("DATE_OF_BIRTH");
}
