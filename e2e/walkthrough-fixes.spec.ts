import { expect, test, type Page } from "@playwright/test";
import { csv, fillPhoneDisbursementForm, signIn, unique } from "./helpers";

/**
 * Issue 16, "What a walk-through found" (helper W's part), in Chromium: a plain draft offers Delete
 * and no Cancel, and deleting it raises no uncaught page error and no console error (the deleted
 * disbursement's queries are not fetched again), also with uploaded payments; the Outbox searches
 * by recipient; the team's invitation dialog says whether an e-mail left, and keeps the link.
 */

/** US numbers that libphonenumber accepts, different on every run so receivers never collide. */
function phones(count: number): string[] {
  const base = 1000 + Math.floor(Math.random() * 8000);
  return Array.from({ length: count }, (_, i) => `+1415555${String(base + i).padStart(4, "0")}`);
}

/** Every uncaught page error and console error, from now on. */
function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`console: ${m.text()}`);
  });
  return errors;
}

test("a draft offers Delete only, and deleting it raises no client error", async ({ page }) => {
  await signIn(page, "owner@demo.local");
  const name = unique("E2E walk-through draft");
  await page.goto("/disbursements/new");
  await fillPhoneDisbursementForm(page, name);
  await page.getByRole("button", { name: "Save as draft" }).click();
  await page.waitForURL(/\/disbursements\/[0-9a-f-]{36}$/);
  await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();

  await expect(page.getByRole("button", { name: "Delete", exact: true })).toBeVisible();
  await expect(page.getByRole("button", { name: "Cancel disbursement" })).toHaveCount(0);
  await page.screenshot({ path: test.info().outputPath("draft-actions.png") });

  const errors = collectErrors(page);
  await page.getByRole("button", { name: "Delete", exact: true }).click();
  const confirm = page.getByRole("alertdialog", { name: `Delete “${name}”?` });
  await confirm.getByRole("button", { name: "Delete disbursement" }).click();
  await page.waitForURL(/\/disbursements$/);
  await expect(page.getByRole("heading", { name: "Disbursements", level: 1 })).toBeVisible();
  await expect(page.getByText(name)).toHaveCount(0);
  // Let any refetch of the deleted disbursement happen (it must not): the list has settled by now.
  await page.waitForLoadState("networkidle");
  await page.screenshot({ path: test.info().outputPath("after-delete.png") });
  expect(errors).toEqual([]);
});

test("deleting a disbursement with uploaded payments raises no client error", async ({ page }) => {
  await signIn(page, "owner@demo.local");
  const name = unique("E2E walk-through upload");
  const tag = unique("wt");
  const [p1, p2] = phones(2);
  await page.goto("/disbursements/new");
  await fillPhoneDisbursementForm(page, name);
  await page.getByLabel("Instructions file (CSV)").setInputFiles({
    name: "walkthrough.csv",
    mimeType: "text/csv",
    buffer: csv(["phone,id,amount,verification", `${p1},${tag}-1,10.50,1990-01-31`, `${p2},${tag}-2,20,1991-02-28`]),
  });
  await page.getByRole("button", { name: "Upload and continue" }).click();
  await page.waitForURL(/\/disbursements\/[0-9a-f-]{36}$/);
  await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
  await expect(page.getByText(`${tag}-1`)).toBeVisible();
  await page.waitForLoadState("networkidle");

  const errors = collectErrors(page);
  // A slow network (or a dev server) between the deletion and the list page: the detail page stays
  // mounted meanwhile, which is when a refetch of the deleted disbursement would fail.
  await page.route(/\/disbursements(\?|$)/, async (route) => {
    if (route.request().headers()["rsc"]) await new Promise((resolve) => setTimeout(resolve, 1500));
    await route.continue();
  });
  await page.getByRole("button", { name: "Delete", exact: true }).click();
  await page
    .getByRole("alertdialog", { name: `Delete “${name}”?` })
    .getByRole("button", { name: "Delete disbursement" })
    .click();
  await page.waitForURL(/\/disbursements$/);
  await expect(page.getByRole("heading", { name: "Disbursements", level: 1 })).toBeVisible();
  await page.waitForLoadState("networkidle");
  expect(errors).toEqual([]);
});

test("the Outbox searches by recipient and filters by status; the invitation dialog says how the e-mail went", async ({ page }) => {
  await signIn(page, "owner@demo.local");
  // An invitation: no e-mail server in this run, so the dialog says so and shows the link.
  await page.goto("/team");
  await page.getByRole("button", { name: "Invite user" }).click();
  const dialog = page.getByRole("dialog", { name: "Invite a team member" });
  const email = `${unique("wt-invitee")}@example.org`;
  await dialog.getByRole("textbox", { name: "Full name" }).fill("Walk Through");
  await dialog.getByRole("textbox", { name: "Email" }).fill(email);
  await dialog.getByRole("button", { name: "Send invitation" }).click();
  await expect(dialog.getByTestId("invitation-email-outcome")).toContainText(`${email} is invited`);
  await expect(dialog.getByTestId("invitation-email-outcome")).toContainText("No e-mail server is set up (SMTP_URL), so no e-mail was sent");
  await expect(dialog.getByTestId("one-time-link")).toHaveValue(/\/set-password\?token=/);
  await dialog.screenshot({ path: test.info().outputPath("invite-dialog.png") });
  await dialog.getByRole("button", { name: "Done" }).click();

  await page.goto("/outbox");
  const search = page.getByRole("searchbox", { name: "Search by recipient, subject or type" });
  await expect(search).toBeVisible();
  await search.fill("no-such-recipient-anywhere");
  await expect(page).toHaveURL(/q=no-such-recipient-anywhere/);
  await expect(page.getByText("No messages match")).toBeVisible();
  await page.getByRole("button", { name: "Failed", exact: true }).click();
  await expect(page).toHaveURL(/status=FAILURE/);
  await expect(page.getByRole("button", { name: "Failed", exact: true })).toHaveAttribute("aria-pressed", "true");
  await page.screenshot({ path: test.info().outputPath("outbox-search.png") });
  // A reload keeps the search (it lives in the URL, and the server page prefetches it).
  await page.reload();
  await expect(page.getByRole("searchbox", { name: "Search by recipient, subject or type" })).toHaveValue("no-such-recipient-anywhere");
  await expect(page.getByText("No messages match")).toBeVisible();
});
