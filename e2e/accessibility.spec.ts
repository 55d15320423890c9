import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { signIn } from "./helpers";

/**
 * Every page staff use, checked with axe-core in Chromium: no serious or critical WCAG 2 A/AA
 * violation, and headings that do not skip levels (axe's heading-order) — a screen-reader user
 * navigates by both.
 */

const STAFF_PAGES = [
  "/",
  "/disbursements",
  "/payments",
  "/receivers",
  "/wallets",
  "/distribution-account",
  "/connections",
  "/routing",
  "/reconciliation",
  "/outbox",
  "/integrations",
  "/api-keys",
  "/team",
  "/settings",
  "/profile",
];

async function violations(page: Page) {
  const result = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]).analyze();
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical" || v.id === "heading-order")
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

test("the sign-in page has no serious accessibility violation", async ({ page }) => {
  await page.goto("/login");
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  expect(await violations(page)).toEqual([]);
});

test("staff pages have no serious accessibility violation and no skipped heading level", async ({ page }) => {
  test.setTimeout(180_000);
  await signIn(page, "owner@demo.local");
  const found: Record<string, string[]> = {};
  for (const path of STAFF_PAGES) {
    await page.goto(path);
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    const list = await violations(page);
    if (list.length > 0) found[path] = list;
  }
  expect(found).toEqual({});
});
