import { Keypair } from "@stellar/stellar-sdk";
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { signIn, unique } from "./helpers";

/**
 * Receiver registration end to end (docs/domain.md#receivers-and-registration): the owner starts a
 * PHONE_NUMBER + DATE_OF_BIRTH disbursement in XLM; the invitation appears in the Outbox; the receiver
 * follows its link in a fresh browser context, asks for a code (read from the Outbox, as a person trying
 * the app would), enters a wrong code then the right one, a wrong date of birth then the right one, and
 * registers a funded address on the local ledger; the worker then pays, and the payment shows SUCCESS.
 *
 * The app under test (playwright.config.ts → scripts/start.ts) runs the local ledger on
 * E2E_LEDGER_PORT (default 8100) and one payment worker.
 */
const LEDGER = `http://127.0.0.1:${process.env.E2E_LEDGER_PORT || "8100"}`;

async function friendbot(request: APIRequestContext, address: string) {
  const res = await request.get(`${LEDGER}/friendbot?addr=${address}`, { timeout: 90_000 });
  expect(res.ok(), `friendbot for ${address}: ${res.status()}`).toBe(true);
}

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

/** The text of the newest Outbox message of this type to this phone number (polls: the scheduler may send it a moment later). */
async function outboxBody(page: Page, phone: string, type: "Invitation" | "One-time code"): Promise<string> {
  let body = "";
  await expect
    .poll(
      async () => {
        await page.goto("/outbox");
        const item = page.getByRole("list", { name: "Messages" }).getByRole("listitem").filter({ hasText: phone }).filter({ hasText: type }).first();
        if ((await item.count()) === 0) return "";
        body = (await item.getByTestId("message-body").textContent()) ?? "";
        return body;
      },
      { timeout: 180_000, intervals: [1_000, 2_000, 3_000] },
    )
    .not.toBe("");
  return body;
}

test("a receiver registers through the invitation link and gets paid", async ({ page, browser, request }) => {
  test.setTimeout(720_000);
  const address = Keypair.random().publicKey();
  await friendbot(request, address);

  const phone = `+1415557${String(1000 + Math.floor(Math.random() * 8999)).padStart(4, "0")}`;
  const dob = "1988-07-14";
  const name = unique("E2E registration");

  // --- The owner creates and starts a PHONE_NUMBER + DATE_OF_BIRTH disbursement in XLM.
  await signIn(page, "owner@demo.local");
  // The codes are read from the Outbox page, as a person trying the app would (no test-only path
  // into the app).
  await page.goto("/outbox");
  await expect(page.getByRole("heading", { level: 1, name: "Outbox" })).toBeVisible();
  await setApprovalRequired(page, false);
  await page.goto("/disbursements/new");
  await expect(page.getByRole("heading", { name: "New disbursement" })).toBeVisible();
  await page.getByRole("textbox", { name: "Name", exact: true }).fill(name);
  await page.getByRole("combobox", { name: "Wallet", exact: true }).selectOption({ label: "Demo Wallet" });
  const xlm = await page.getByRole("combobox", { name: "Asset", exact: true }).locator("option", { hasText: "XLM" }).getAttribute("value");
  await page.getByRole("combobox", { name: "Asset", exact: true }).selectOption(xlm!);
  await page.getByRole("radio", { name: /^Phone number Receivers get an SMS/ }).check();
  await page.getByRole("combobox", { name: "Verification field", exact: true }).selectOption("DATE_OF_BIRTH");
  await page.getByLabel("Instructions file (CSV)").setInputFiles({
    name: "registration.csv",
    mimeType: "text/csv",
    buffer: Buffer.from(`phone,id,amount,verification\r\n${phone},${unique("reg")},4.25,${dob}\r\n`),
  });
  await expect(page.getByTestId("csv-row-count")).toHaveText("1");
  await page.getByRole("button", { name: "Upload and continue" }).click();
  await page.waitForURL(/\/disbursements\/[0-9a-f-]{36}$/);
  const detailUrl = page.url();
  await expect(page.getByTestId("disbursement-status")).toHaveText("Ready");
  await page.getByRole("button", { name: "Start", exact: true }).click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Start disbursement" }).click();
  await expect(page.getByTestId("disbursement-status")).toHaveText("Started");

  // --- The invitation is in the Outbox with the registration link.
  const invitation = await outboxBody(page, phone, "Invitation");
  const link = invitation.match(/https?:\/\/\S+\/r\/[A-Za-z0-9._%~-]+/)?.[0];
  expect(link, `a registration link in: ${invitation}`).toBeTruthy();
  const path = new URL(link!).pathname;

  // --- The receiver, in a fresh context (not signed in), at phone width.
  const receiverContext = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const receiver = await receiverContext.newPage();
  await receiver.goto(path);
  await expect(receiver.getByRole("heading", { level: 1, name: "Receive your payment" })).toBeVisible();
  await expect(receiver.getByTestId("amount-waiting")).toHaveText("4.25 XLM");
  await expect(receiver.getByText(`${phone.slice(0, 3)}•••••${phone.slice(-4)}`)).toBeVisible();
  await expect(receiver.getByText(phone)).toHaveCount(0);
  await receiver.getByRole("button", { name: "Send me a code" }).click();
  await expect(receiver.getByLabel("6-digit code")).toBeVisible();

  const otpBody = await outboxBody(page, phone, "One-time code");
  const code = otpBody.match(/\b(\d{6})\b/)?.[1];
  expect(code, `a code in: ${otpBody}`).toBeTruthy();
  const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, "0");

  await receiver.getByLabel("6-digit code").fill(wrong);
  await receiver.getByRole("button", { name: "Confirm code" }).click();
  await expect(receiver.getByText("That code is not right. 4 attempts left.")).toBeVisible();
  await receiver.getByLabel("6-digit code").fill(code!);
  await receiver.getByRole("button", { name: "Confirm code" }).click();

  await expect(receiver.getByRole("heading", { name: "Verify your identity" })).toBeVisible();
  await receiver.getByLabel("Date of birth").fill("1970-01-01");
  await receiver.getByRole("button", { name: "Verify" }).click();
  await expect(receiver.getByText("That does not match our records. 4 attempts left.")).toBeVisible();
  await receiver.getByLabel("Date of birth").fill(dob);
  await receiver.getByRole("button", { name: "Verify" }).click();

  await expect(receiver.getByRole("heading", { name: "Where should we send the money?" })).toBeVisible();
  await expect(receiver.getByText("Demo Wallet")).toBeVisible();
  await receiver.getByLabel("Stellar address").fill(address);
  await receiver.getByRole("button", { name: "Register my wallet" }).click();
  await expect(receiver.getByRole("heading", { name: "You're registered" })).toBeVisible();
  await expect(receiver.getByText(address)).toBeVisible();

  // The used link no longer works.
  await receiver.goto(path);
  await expect(receiver.getByRole("heading", { name: "This link no longer works" })).toBeVisible();
  await receiverContext.close();

  // --- The worker pays the now-registered wallet: SUCCESS on the disbursement's payments.
  await page.goto(detailUrl);
  const rows = page.locator('[data-testid^="payment-row-"]');
  await expect(rows).toHaveCount(1);
  await expect(rows.locator('[data-status="SUCCESS"]')).toHaveCount(1, { timeout: 270_000 });
  await expect(page.getByTestId("disbursement-status")).toHaveText("Completed", { timeout: 90_000 });

  // --- And on the ledger the address received it.
  const account = (await (await request.get(`${LEDGER}/accounts/${address}`)).json()) as { balances: { asset_type: string; balance: string }[] };
  expect(Number(account.balances.find((b) => b.asset_type === "native")!.balance)).toBeGreaterThan(10_000);
});
