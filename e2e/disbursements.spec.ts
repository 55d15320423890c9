import { expect, test, type Browser, type Page } from "@playwright/test";
import { signIn, unique } from "./helpers";

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

const csv = (lines: string[]) => Buffer.from(`${lines.join("\r\n")}\r\n`, "utf8");

test("create, upload with errors, fix, then a second person starts, pauses and resumes", async ({ browser }) => {
  test.setTimeout(180_000);
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

    await initiator.getByRole("textbox", { name: "Name", exact: true }).fill(name);
    await initiator.getByRole("combobox", { name: "Wallet", exact: true }).selectOption({ label: "Demo Wallet" });
    const usdc = await initiator.getByRole("combobox", { name: "Asset", exact: true }).locator("option", { hasText: "USDC" }).getAttribute("value");
    await initiator.getByRole("combobox", { name: "Asset", exact: true }).selectOption(usdc!);
    await initiator.getByRole("radio", { name: /^Phone number Receivers get an SMS/ }).check();
    await initiator.getByRole("combobox", { name: "Verification field", exact: true }).selectOption("DATE_OF_BIRTH");

    await initiator.getByLabel("Instructions file (CSV)").setInputFiles({
      name: "payroll-with-errors.csv",
      mimeType: "text/csv",
      buffer: csv([
        "phone,id,amount,verification",
        `${p1},${tag}-1,10.50,1990-01-31`,
        `12345,${tag}-2,20,1991-02-28`,
        `${p3},${tag}-3,-5,1992-03-31`,
      ]),
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
      buffer: csv([
        "phone,id,amount,verification",
        `${p1},${tag}-1,10.50,1990-01-31`,
        `${p2},${tag}-2,20,1991-02-28`,
        `${p3},${tag}-3,15,1992-03-31`,
      ]),
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
