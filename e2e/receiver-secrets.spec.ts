import { expect, test, type Page } from "@playwright/test";
import { signIn, signOut, unique } from "./helpers";

/**
 * Receivers' secrets in the browser (docs/security.md): the owner starts a PHONE_NUMBER +
 * DATE_OF_BIRTH disbursement; a business user's Outbox shows the invitation with its link masked;
 * the receiver locks verification with five wrong dates of birth; the owner unlocks the receiver
 * on the receiver page (after a confirmation) and the receiver then verifies.
 */
async function setApprovalRequired(page: Page, on: boolean) {
  await page.goto("/settings");
  const toggle = page.getByRole("switch", { name: "Approval required" });
  await expect(toggle).toBeVisible();
  if ((await toggle.getAttribute("aria-checked")) === String(on)) return;
  await toggle.click();
  await expect(toggle).toHaveAttribute("aria-checked", String(on));
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved." })).toBeVisible();
}

/** The newest Outbox item of this type to this phone number (polls: the scheduler may send it a moment later). */
async function outboxItem(page: Page, phone: string, type: "Invitation" | "One-time code") {
  const item = page.getByRole("list", { name: "Messages" }).getByRole("listitem").filter({ hasText: phone }).filter({ hasText: type }).first();
  await expect
    .poll(
      async () => {
        await page.goto("/outbox");
        return item.count();
      },
      { timeout: 180_000, intervals: [1_000, 2_000, 3_000] },
    )
    .toBeGreaterThan(0);
  return item;
}

test("codes and links are masked for business; staff unlock a locked receiver who then verifies", async ({ page, browser }) => {
  test.setTimeout(540_000);
  const phone = `+1415558${String(1000 + Math.floor(Math.random() * 8999)).padStart(4, "0")}`;
  const dob = "1987-03-21";
  const externalId = unique("secrets");

  await signIn(page, "owner@demo.local");
  await setApprovalRequired(page, false);
  await page.goto("/disbursements/new");
  await page.getByRole("textbox", { name: "Name", exact: true }).fill(unique("E2E secrets"));
  await page.getByRole("combobox", { name: "Wallet", exact: true }).selectOption({ label: "Demo Wallet" });
  const xlm = await page.getByRole("combobox", { name: "Asset", exact: true }).locator("option", { hasText: "XLM" }).getAttribute("value");
  await page.getByRole("combobox", { name: "Asset", exact: true }).selectOption(xlm!);
  await page.getByRole("radio", { name: /^Phone number Receivers get an SMS/ }).check();
  await page.getByRole("combobox", { name: "Verification field", exact: true }).selectOption("DATE_OF_BIRTH");
  await page.getByLabel("Instructions file (CSV)").setInputFiles({
    name: "secrets.csv",
    mimeType: "text/csv",
    buffer: Buffer.from(`phone,id,amount,verification\r\n${phone},${externalId},2.5,${dob}\r\n`),
  });
  await page.getByRole("button", { name: "Upload and continue" }).click();
  await page.waitForURL(/\/disbursements\/[0-9a-f-]{36}$/);
  await page.getByRole("button", { name: "Start", exact: true }).click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Start disbursement" }).click();
  await expect(page.getByTestId("disbursement-status")).toHaveText("Started");

  // The owner reads the link in the Outbox.
  const ownerItem = await outboxItem(page, phone, "Invitation");
  const link = ((await ownerItem.getByTestId("message-body").textContent()) ?? "").match(/https?:\/\/\S+\/r\/[A-Za-z0-9._%~-]+/)?.[0];
  expect(link).toBeTruthy();
  const path = new URL(link!).pathname;
  const token = path.split("/r/")[1]!;

  // A business user sees the message with the link masked, and the token is nowhere in the page.
  await signOut(page);
  await signIn(page, "business@demo.local");
  const businessItem = await outboxItem(page, phone, "Invitation");
  await expect(businessItem.getByTestId("message-body")).toContainText("/r/[redacted]");
  await expect(businessItem.getByText("One-time codes and links in messages are hidden for your role.")).toBeVisible();
  expect(await page.content()).not.toContain(token);
  await signOut(page);
  await signIn(page, "owner@demo.local");

  // The receiver confirms a code, then locks verification with five wrong dates of birth.
  const receiverContext = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const receiver = await receiverContext.newPage();
  await receiver.goto(path);
  await receiver.getByRole("button", { name: "Send me a code" }).click();
  await expect(receiver.getByLabel("6-digit code")).toBeVisible();
  const otp = await outboxItem(page, phone, "One-time code");
  const code = ((await otp.getByTestId("message-body").textContent()) ?? "").match(/\b(\d{6})\b/)?.[1];
  expect(code).toBeTruthy();
  await receiver.getByLabel("6-digit code").fill(code!);
  await receiver.getByRole("button", { name: "Confirm code" }).click();
  await expect(receiver.getByRole("heading", { name: "Verify your identity" })).toBeVisible();
  for (let i = 4; i >= 1; i--) {
    await receiver.getByLabel("Date of birth").fill("1970-01-01");
    await receiver.getByRole("button", { name: "Verify" }).click();
    await expect(receiver.getByText(`That does not match our records. ${i} attempts left.`)).toBeVisible();
  }
  await receiver.getByLabel("Date of birth").fill("1970-01-01");
  await receiver.getByRole("button", { name: "Verify" }).click();
  await expect(receiver.getByText(/Verification is locked/)).toBeVisible();

  // The owner opens the receiver from the Outbox and unlocks after confirming.
  await (await outboxItem(page, phone, "Invitation")).getByRole("link", { name: `Receiver ${externalId}` }).click();
  await page.waitForURL(/\/receivers\/[0-9a-f-]{36}$/);
  await expect(page.getByTestId("registration-locked")).toContainText("Registration is locked");
  await page.screenshot({ path: test.info().outputPath("receiver-locked.png"), fullPage: true });
  await page.getByRole("button", { name: "Unlock registration" }).click();
  const dialog = page.getByRole("alertdialog");
  await expect(dialog).toContainText("Unlock this receiver's registration?");
  await dialog.getByRole("button", { name: "Unlock" }).click();
  await expect(page.getByTestId("registration-locked")).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Unlock registration" })).toHaveCount(0);
  await page.screenshot({ path: test.info().outputPath("receiver-unlocked.png"), fullPage: true });

  // The receiver can now verify with the right date of birth.
  await receiver.reload();
  await expect(receiver.getByRole("heading", { name: "Verify your identity" })).toBeVisible();
  await receiver.getByLabel("Date of birth").fill(dob);
  await receiver.getByRole("button", { name: "Verify" }).click();
  await expect(receiver.getByRole("heading", { name: "Where should we send the money?" })).toBeVisible();
  await receiverContext.close();
});
