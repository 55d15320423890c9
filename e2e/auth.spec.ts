import { expect, test } from "@playwright/test";
import { signIn, signOut, unique } from "./helpers";

test("a signed-out visitor is sent to the sign-in page", async ({ page }) => {
  await page.goto("/team");
  await expect(page).toHaveURL(/\/login\?callbackUrl=%2Fteam/);
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
});

test("a wrong password shows an error and keeps the visitor signed out", async ({ page }) => {
  await page.goto("/login");
  await page.getByLabel("Email").fill("owner@demo.local");
  await page.getByLabel("Password").fill("not-the-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "Wrong email or password." })).toBeVisible();
  await page.goto("/");
  await expect(page).toHaveURL(/\/login/);
});

test("the owner invites a user, changes their role, and signs out; the invitee sets a password and signs in", async ({ page, browser }) => {
  await signIn(page, "owner@demo.local");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Team" }).click();
  await expect(page.getByRole("heading", { name: "Team" })).toBeVisible();

  const email = `${unique("invitee")}@example.org`;
  await page.getByRole("button", { name: "Invite user" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Full name").fill("Ines Invitee");
  await dialog.getByLabel("Email").fill(email);
  await dialog.getByLabel("Role").selectOption({ label: "Initiator" });
  await dialog.getByRole("button", { name: "Send invitation" }).click();
  const link = await dialog.getByTestId("one-time-link").inputValue();
  expect(link).toMatch(/\/set-password\?token=/);
  await dialog.getByRole("button", { name: "Done" }).click();

  // Until the invitee joins, the team list shows only what the owner typed: the email (docs/security.md).
  const row = page.getByTestId(`member-${email}`);
  await expect(row).toContainText("Invitation pending");
  await expect(row.getByLabel(`Role of ${email}`)).toHaveValue("initiator");
  await row.getByLabel(`Role of ${email}`).selectOption({ label: "Approver" });
  await expect(page.getByRole("status").filter({ hasText: `${email} is now Approver.` })).toBeVisible();
  await page.reload();
  await expect(page.getByTestId(`member-${email}`).getByLabel(`Role of ${email}`)).toHaveValue("approver");

  await signOut(page);

  // The invitee follows the one-time link in a fresh browser, sets a password, and signs in.
  const invitee = await browser.newContext();
  const p2 = await invitee.newPage();
  await p2.goto(link);
  await expect(p2.getByRole("heading", { name: /Set your password/ })).toBeVisible();
  await p2.getByLabel("New password").fill("a-strong-password-1");
  await p2.getByLabel("Repeat the password").fill("a-strong-password-1");
  await p2.getByRole("button", { name: "Set password" }).click();
  await expect(p2).toHaveURL(/\/login\?reason=password-set/);
  await signIn(p2, email, "a-strong-password-1");
  await expect(p2.getByRole("button", { name: /Account menu/ })).toContainText("Approver");
  // The link is single-use.
  await p2.goto(link);
  await expect(p2.getByRole("heading", { name: "Link not valid" })).toBeVisible();
  await invitee.close();
});

test("a business user cannot reach Team management", async ({ page }) => {
  await signIn(page, "business@demo.local");
  const nav = page.getByRole("navigation", { name: "Main" });
  await expect(nav.getByRole("link", { name: "Disbursements" })).toBeVisible();
  await expect(nav.getByRole("link", { name: "Team" })).toHaveCount(0);
  await page.goto("/team");
  await expect(page.getByText("You don't have access to this page")).toBeVisible();
  await expect(page.getByRole("button", { name: "Invite user" })).toHaveCount(0);
  // The API refuses too, not only the page.
  const res = await page.request.get("/api/trpc/team.list");
  expect(res.status()).toBe(403);
});

test("settings: an owner saves changes; a business user sees them read-only", async ({ page, browser }) => {
  await signIn(page, "owner@demo.local");
  await page.goto("/settings");
  const template = `Hello from {{.OrganizationName}}: ${unique("msg")} {{.RegistrationLink}}`;
  await page.getByLabel("Default message").fill("<b>bold</b>");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByText(/HTML tags and scripts are not allowed/)).toBeVisible();
  await page.getByLabel("Default message").fill(template);
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved." })).toBeVisible();

  const other = await browser.newContext();
  const p2 = await other.newPage();
  await signIn(p2, "business@demo.local");
  await p2.goto("/settings");
  await expect(p2.getByLabel("Default message")).toHaveValue(template);
  await expect(p2.getByLabel("Default message")).toBeDisabled();
  await expect(p2.getByRole("button", { name: "Save changes" })).toHaveCount(0);
  await other.close();
});
