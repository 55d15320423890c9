import { expect, test } from "@playwright/test";
import { signIn, signOut, unique } from "./helpers";

/**
 * Adding and editing a receiver in the browser (SDP's POST /receivers and PATCH /receivers/{id},
 * issue 15): refusals shown on their fields, the new receiver's page, an edit that replaces a
 * verification value only after a confirmation; roles without receivers:write see no buttons.
 */
test("staff add a receiver and edit it; business users see no buttons", async ({ page }) => {
  test.setTimeout(240_000);
  const phone = `+447911${String(100000 + Math.floor(Math.random() * 199999))}`;
  const externalId = unique("added");
  const email = `${externalId}@example.org`;

  await signIn(page, "owner@demo.local");
  await page.goto("/receivers");
  await page.getByRole("button", { name: "Add receiver" }).click();
  const dialog = page.getByRole("dialog", { name: "Add a receiver" });
  await expect(dialog).toBeVisible();

  // Refusals name their fields.
  await dialog.getByRole("textbox", { name: "Phone" }).fill("+1234");
  await dialog.getByRole("button", { name: "Add receiver" }).click();
  await expect(dialog.getByRole("textbox", { name: "Phone" })).toHaveAttribute("aria-invalid", "true");
  await expect(dialog.getByText("invalid phone format. Correct format: +380445555555")).toBeVisible();
  await expect(dialog.getByText("external_id is required")).toBeVisible();
  await expect(dialog.getByText("verification value is required")).toBeVisible();
  await page.screenshot({ path: "test-results/receivers-write-refused.png" });

  await dialog.getByRole("textbox", { name: "Phone" }).fill(phone);
  await dialog.getByRole("textbox", { name: "Email" }).fill(email);
  await dialog.getByRole("textbox", { name: "External id" }).fill(externalId);
  await dialog.getByLabel("Date of birth").fill("1985-04-12");
  await dialog.getByRole("button", { name: "Add receiver" }).click();
  await page.waitForURL(/\/receivers\/[0-9a-f-]{36}$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(phone);
  await expect(page.getByText(`External id ${externalId}`)).toBeVisible();
  await expect(page.getByRole("cell", { name: "Date of birth", exact: true })).toBeVisible();
  await page.screenshot({ path: "test-results/receivers-write-added.png", fullPage: true });

  // Edit: a new email and PIN; replacing a value asks for a confirmation first.
  const newEmail = `${externalId}.new@example.org`;
  await page.getByRole("button", { name: "Edit", exact: true }).click();
  const edit = page.getByRole("dialog", { name: "Edit receiver" });
  await edit.getByRole("textbox", { name: "Email" }).fill(newEmail);
  await edit.getByLabel("PIN").fill("4821");
  await edit.getByRole("button", { name: "Save" }).click();
  await expect(edit.getByTestId("edit-receiver-confirm")).toContainText("New PIN: the receiver verifies against the new value");
  await page.screenshot({ path: "test-results/receivers-write-confirm.png" });
  await edit.getByRole("button", { name: "Confirm and save" }).click();
  await expect(edit).toBeHidden();
  await expect(page.getByText(newEmail)).toBeVisible();
  await expect(page.getByRole("cell", { name: "PIN", exact: true })).toBeVisible();

  // An emptied external id is refused on its field.
  await page.getByRole("button", { name: "Edit", exact: true }).click();
  await edit.getByRole("textbox", { name: "External id" }).fill("");
  await edit.getByRole("button", { name: "Save" }).click();
  await expect(edit.getByText("external_id cannot be set to empty")).toBeVisible();
  await page.screenshot({ path: "test-results/receivers-write-edit-refused.png" });
  await page.keyboard.press("Escape");

  // The list finds the new receiver.
  await page.goto(`/receivers?q=${encodeURIComponent(externalId)}`);
  await expect(page.getByRole("link", { name: phone })).toBeVisible();

  await signOut(page);
  await signIn(page, "business@demo.local");
  await page.goto("/receivers");
  await expect(page.getByRole("heading", { name: "Receivers", level: 1 })).toBeVisible();
  await expect(page.getByRole("button", { name: "Add receiver" })).toHaveCount(0);
  await page.goto(`/receivers?q=${encodeURIComponent(externalId)}`);
  await page.getByRole("link", { name: phone }).click();
  await page.waitForURL(/\/receivers\/[0-9a-f-]{36}$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(phone);
  await expect(page.getByRole("button", { name: "Edit", exact: true })).toHaveCount(0);
});
