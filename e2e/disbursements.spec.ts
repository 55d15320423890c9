import { expect, test, type Browser, type Page } from "@playwright/test";
import { csv, fillPhoneDisbursementForm, signIn, unique } from "./helpers";

/**
 * The disbursement journey in the browser: an initiator creates a disbursement, uploads a CSV
 * with errors and sees them by line, fixes it and sees READY with the right totals; with
 * "approval required" on, the initiator cannot start it and a second person (the approver)
 * starts, pauses and resumes it.
 */

async function asUser(browser: Browser, email: string): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, email);
  return page;
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

/** US numbers that libphonenumber accepts, different on every run so receivers never collide. */
function phones(count: number): string[] {
  const base = 1000 + Math.floor(Math.random() * 8000);
  return Array.from({ length: count }, (_, i) => `+1415555${String(base + i).padStart(4, "0")}`);
}

test("create, upload with errors, fix, then a second person starts, pauses and resumes", async ({ browser }) => {
  test.setTimeout(540_000);
  const owner = await asUser(browser, "owner@demo.local");
  await setApprovalRequired(owner, true);

  try {
    const name = unique("E2E payroll");
    const [p1, p2, p3] = phones(3);
    const tag = unique("rcv");

    // --- The initiator creates the disbursement and uploads a file with errors.
    const initiator = await asUser(browser, "initiator@demo.local");
    await initiator.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Disbursements" }).click();
    await initiator.getByRole("link", { name: "New disbursement" }).first().click();
    await expect(initiator.getByRole("heading", { name: "New disbursement" })).toBeVisible();

    await fillPhoneDisbursementForm(initiator, name);

    await initiator.getByLabel("Instructions file (CSV)").setInputFiles({
      name: "payroll-with-errors.csv",
      mimeType: "text/csv",
      buffer: csv(["phone,id,amount,verification", `${p1},${tag}-1,10.50,1990-01-31`, `12345,${tag}-2,20,1991-02-28`, `${p3},${tag}-3,-5,1992-03-31`]),
    });
    await expect(initiator.getByTestId("csv-row-count")).toHaveText("3");
    await initiator.getByRole("button", { name: "Upload and continue" }).click();

    const errors = initiator.getByTestId("upload-errors");
    await expect(errors).toBeVisible();
    await expect(errors).toContainText("line 3 - phone");
    await expect(errors).toContainText("line 4 - amount");
    await expect(initiator.getByTestId("draft-saved")).toBeVisible();
    expect(initiator.url()).toMatch(/\/disbursements\/new$/);

    // --- Fix the file and upload again: it goes to the same draft, which becomes READY.
    await initiator.getByLabel("Instructions file (CSV)").setInputFiles({
      name: "payroll.csv",
      mimeType: "text/csv",
      buffer: csv(["phone,id,amount,verification", `${p1},${tag}-1,10.50,1990-01-31`, `${p2},${tag}-2,20,1991-02-28`, `${p3},${tag}-3,15,1992-03-31`]),
    });
    await expect(initiator.getByTestId("upload-errors")).toHaveCount(0);
    await initiator.getByRole("button", { name: "Upload and continue" }).click();
    await initiator.waitForURL(/\/disbursements\/[0-9a-f-]{36}$/);
    const detailUrl = initiator.url();

    await expect(initiator.getByRole("heading", { level: 1, name })).toBeVisible();
    await expect(initiator.getByTestId("disbursement-status")).toHaveText("Ready");
    await expect(initiator.getByTestId("total-payments")).toContainText("3");
    await expect(initiator.getByTestId("total-amount")).toHaveText("of 45.5 USDC");
    await expect(initiator.getByRole("link", { name: "Download instructions CSV" })).toBeVisible();
    const timeline = initiator.getByTestId("status-timeline");
    await expect(timeline.getByRole("listitem")).toHaveCount(2);
    await expect(timeline).toContainText("Draft");
    await expect(timeline).toContainText("Ready");
    // Each payment is listed with its receiver.
    await expect(initiator.getByRole("link", { name: p2! })).toBeVisible();

    // --- Two-person rule: the author sees why they cannot start it, and no Start button.
    await expect(initiator.getByTestId("start-blocked")).toContainText("Approval is required");
    await expect(initiator.getByRole("button", { name: "Start", exact: true })).toHaveCount(0);

    // It shows in the list under Ready.
    await initiator.goto("/disbursements?status=READY");
    await expect(initiator.getByTestId(`disbursement-row-${name}`)).toContainText("Ready");
    await initiator.context().close();

    // --- The approver starts, pauses and resumes it.
    const approver = await asUser(browser, "approver@demo.local");
    await approver.goto(detailUrl);
    await expect(approver.getByTestId("disbursement-status")).toHaveText("Ready");
    await expect(approver.getByTestId("start-blocked")).toHaveCount(0);
    const approverTimeline = approver.getByTestId("status-timeline");

    await approver.getByRole("button", { name: "Start", exact: true }).click();
    const startDialog = approver.getByRole("alertdialog");
    await expect(startDialog).toContainText("3 payments totalling 45.5 USDC");
    await startDialog.getByRole("button", { name: "Start disbursement" }).click();
    await expect(approver.getByTestId("disbursement-status")).toHaveText("Started");
    await expect(approverTimeline.getByRole("listitem")).toHaveCount(3);
    await expect(approverTimeline.getByRole("listitem").last()).toContainText("Started");
    await expect(approverTimeline.getByRole("listitem").last()).toContainText("by you");

    await approver.getByRole("button", { name: "Pause", exact: true }).click();
    await approver.getByRole("alertdialog").getByRole("button", { name: "Pause disbursement" }).click();
    await expect(approver.getByTestId("disbursement-status")).toHaveText("Paused");
    await expect(approverTimeline.getByRole("listitem")).toHaveCount(4);
    await expect(approverTimeline.getByRole("listitem").last()).toContainText("Paused");

    await approver.getByRole("button", { name: "Resume", exact: true }).click();
    await approver.getByRole("alertdialog").getByRole("button", { name: "Resume disbursement" }).click();
    await expect(approver.getByTestId("disbursement-status")).toHaveText("Started");
    await expect(approverTimeline.getByRole("listitem")).toHaveCount(5);
    await expect(approverTimeline.getByRole("listitem").last()).toContainText("Started");
    await approver.context().close();
  } finally {
    await setApprovalRequired(owner, false);
    await owner.context().close();
  }
});

/** "YYYY-MM-DDTHH:mm" for a datetime-local input, `days` from now (read in the organization's zone). */
function localDateTime(days: number): string {
  const d = new Date(Date.now() + days * 86_400_000);
  return d.toISOString().slice(0, 16);
}

test("an envelope with a schedule date: Start is blocked until then, and it can be cancelled for good", async ({ browser }) => {
  test.setTimeout(360_000);
  const page = await asUser(browser, "financial.controller@demo.local");
  const name = unique("E2E envelope");
  const [p1, p2] = phones(2);
  const tag = unique("env");

  await page.goto("/disbursements/new");
  await expect(page.getByRole("heading", { name: "New disbursement" })).toBeVisible();
  await fillPhoneDisbursementForm(page, name);

  // The envelope: a bad count is refused beside the field before anything is sent.
  await page.getByRole("textbox", { name: "Expected number of payments" }).fill("two");
  await page.getByRole("textbox", { name: "Expected total (USDC)" }).fill("30.5");
  await page.getByLabel("Schedule date and time").fill(localDateTime(30));
  await page.getByLabel("Instructions file (CSV)").setInputFiles({
    name: "envelope.csv",
    mimeType: "text/csv",
    buffer: csv(["phone,id,amount,verification", `${p1},${tag}-1,10.50,1990-01-31`, `${p2},${tag}-2,20,1991-02-28`]),
  });
  await page.getByRole("button", { name: "Upload and continue" }).click();
  await expect(page.getByText("Enter a whole number of payments from 1 to 10,000,000.")).toBeVisible();
  await expect(page.getByTestId("draft-saved")).toHaveCount(0);

  await page.getByRole("textbox", { name: "Expected number of payments" }).fill("2");
  await page.getByRole("button", { name: "Upload and continue" }).click();
  await page.waitForURL(/\/disbursements\/[0-9a-f-]{36}$/);

  // Complete (2 of 2, 30.5 of 30.5) but not due: Start is blocked, and the page says why.
  await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
  await expect(page.getByTestId("disbursement-status")).toHaveText("Ready");
  await expect(page.getByTestId("envelope-count")).toContainText("2 of 2 received");
  await expect(page.getByTestId("envelope-total")).toContainText("30.5 USDC of 30.5 USDC received");
  await expect(page.getByTestId("envelope-schedule")).toContainText("Not yet due");
  await expect(page.getByTestId("start-blocked")).toContainText("Start is blocked");
  await expect(page.getByTestId("start-blocked")).toContainText("cannot start before then");
  await expect(page.getByRole("button", { name: "Start", exact: true })).toHaveCount(0);

  // Cancel it through the confirmation dialog, which says it is final.
  await page.getByRole("button", { name: "Cancel disbursement" }).click();
  const dialog = page.getByRole("alertdialog");
  await expect(dialog).toContainText("Cancellation is final");
  await expect(dialog).toContainText("2 payments not yet sent are cancelled with it");
  await dialog.getByRole("button", { name: "Cancel disbursement" }).click();

  await expect(page.getByTestId("disbursement-status")).toHaveText("Cancelled");
  await expect(page.getByTestId("cancelled-notice")).toContainText("Cancellation is final");
  await expect(page.getByTestId("envelope-cancellation")).toContainText("Cancelled");
  await expect(page.getByTestId("envelope-cancelled-count")).toHaveText("2");
  await expect(page.getByTestId("start-blocked")).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Cancel disbursement" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Replace instructions" })).toHaveCount(0);
  await expect(page.getByTestId("status-timeline").getByRole("listitem").last()).toContainText("Cancelled");

  // Its payments are cancelled too, and a payment's page tells so.
  await page.getByRole("link", { name: p1! }).waitFor();
  await page.locator('a[href^="/payments/"]').first().click();
  await expect(page.getByTestId("payment-status")).toHaveText("Cancelled");
  await expect(page.getByTestId("tracking-cancellation")).toContainText("Cancelled");
  await expect(page.getByTestId("tracking-shipment")).toContainText("Not sent yet");
  await page.context().close();
});
