import { expect, test, type Page } from "@playwright/test";
import { startTtk, TTK_FSP_ID, type TtkHandle } from "../tests/support/ttk";
import { csv, signIn, unique } from "./helpers";

/**
 * Paying phone numbers through a Mojaloop switch end to end in Chromium (docs/rails/mojaloop-preflight.md),
 * with the Mojaloop Testing Toolkit as the switch on 127.0.0.1:4040 (tests/support/ttk.ts; one per
 * machine, so this waits for the toolkit lock). An owner adds a Mojaloop connection on the Connections
 * page; the toolkit is pointed at its callback URL (`/api/mojaloop/<connection id>`, known only once the
 * connection exists) through its admin API; Test connection finds the test party by name. A routing rule
 * sends phone numbers to it; a direct-phone CSV is uploaded; the Mojaloop preflight looks the payees up —
 * party names "Payee <number>" at the toolkit's FSP — and lists the number the toolkit does not know
 * (254799000404, error 3204), which is excluded with confirmation; then the disbursement starts, the
 * worker's dispatcher pays the rest in a bulk quote and bulk transfer, and it completes.
 */

let ttk: TtkHandle;

test.beforeAll(async () => {
  // Other test files may hold the toolkit (its ports are fixed): wait for the lock, then its start.
  test.setTimeout(25 * 60_000);
  // The real callback URL needs the connection's id: set after it is created (setCallbackEndpoint).
  ttk = await startTtk({ callbackUrl: "http://127.0.0.1:9/not-yet-configured", lockTimeoutMs: 23 * 60_000 });
});

test.afterEach(async ({ page }, testInfo) => {
  // On failure: what the switch received and where it sent its callbacks, and the end of its log.
  if (testInfo.status === testInfo.expectedStatus || !ttk) return;
  const history = {
    page: page.url(),
    requests: (await ttk.requests().catch(() => [])).map((r) => `${r.method} ${r.path}`),
    callbacks: (await ttk.callbacks().catch(() => [])).map((c) => `${c.method} ${c.url}`),
  };
  await testInfo.attach("ttk-history.json", { body: JSON.stringify(history, null, 2), contentType: "application/json" });
  await testInfo.attach("ttk-log.txt", { body: ttk.log().slice(-20_000), contentType: "text/plain" });
});

test.afterAll(async () => {
  await ttk?.stop();
});

/** A Kenyan mobile number the toolkit resolves (any but 254799000404), different on each run. */
function kenyanMobiles(count: number): string[] {
  const base = 1_000_000 + Math.floor(Math.random() * 8_000_000);
  return Array.from({ length: count }, (_, i) => `+25471${base + i}`);
}

/** The toolkit's validation rules answer this number with error 3204 (party not found). */
const UNKNOWN_PHONE = "+254799000404";

async function addMojaloopConnection(page: Page, name: string): Promise<string> {
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Connections" }).click();
  await expect(page.getByRole("heading", { name: "Connections", level: 1 })).toBeVisible();
  await page.getByRole("button", { name: "Add connection" }).click();
  const dialog = page.getByRole("dialog", { name: "Add a connection" });
  await dialog.getByRole("combobox", { name: "Rail" }).selectOption("MOJALOOP");
  // The connection's name (the payer fieldset below has a "Name" too).
  await dialog.getByRole("textbox", { name: "Name", exact: true }).first().fill(name);
  await dialog.getByRole("textbox", { name: "Switch base URL" }).fill(ttk.fspiopUrl);
  await dialog.getByRole("textbox", { name: "Our FSP id" }).fill("g2p-payer");
  await dialog.getByRole("textbox", { name: "Callback sources" }).fill("127.0.0.1");
  await dialog.getByRole("group", { name: "Test party (optional)" }).getByRole("textbox", { name: "Identifier" }).fill("+254712345678");
  await dialog.getByRole("group", { name: "Currencies" }).getByRole("checkbox", { name: "KES" }).check();
  await dialog.getByRole("button", { name: "Add connection" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId("connections-notice")).toContainText(`${name} was added.`);

  // Its callback URL, as staff would copy it into the switch's configuration.
  const row = page.getByRole("row", { name });
  await row.getByRole("button", { name: `Edit ${name}` }).click();
  const edit = page.getByRole("dialog", { name: `Edit ${name}` });
  const callbackUrl = (await edit.getByTestId("mojaloop-callback-url").locator("code").textContent())!.trim();
  expect(callbackUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/mojaloop\/[0-9a-f-]{36}$/);
  await page.keyboard.press("Escape");
  await expect(edit).toBeHidden();
  return callbackUrl;
}

test("an owner pays phone numbers through a Mojaloop switch: connection, test, routing, preflight with party names, start, complete", async ({ page }) => {
  test.setTimeout(10 * 60_000);
  const connectionName = unique("Mojaloop switch");
  const ruleName = unique("Phones via Mojaloop");
  await signIn(page, "owner@demo.local");

  // 1. The connection, and the toolkit pointed at its callback URL.
  const callbackUrl = await addMojaloopConnection(page, connectionName);
  await ttk.setCallbackEndpoint(callbackUrl);

  // 2. Test connection: a lookup of the test party, answered by the toolkit's PUT /parties callback.
  const row = page.getByRole("row", { name: connectionName });
  await row.getByRole("button", { name: `Test connection ${connectionName}` }).click();
  await expect(page.getByTestId("connections-notice")).toContainText(`${connectionName}: healthy. Found Payee 254712345678 at ${TTK_FSP_ID}`, {
    timeout: 60_000,
  });
  await expect(row.getByText("Healthy", { exact: true })).toBeVisible();

  // 3. A routing rule: phone numbers go to the switch.
  await page.goto("/routing");
  await page.getByRole("button", { name: "Add rule" }).click();
  const ruleDialog = page.getByRole("dialog", { name: "Add a routing rule" });
  await ruleDialog.getByRole("textbox", { name: "Name" }).fill(ruleName);
  await ruleDialog.getByRole("group", { name: "Destination kind" }).getByRole("checkbox", { name: "phone number (MSISDN)" }).check();
  await ruleDialog.getByRole("combobox", { name: "Connection", exact: true }).selectOption({ label: `${connectionName} (Mojaloop)` });
  await ruleDialog.getByRole("button", { name: "Add rule" }).click();
  await expect(ruleDialog).toBeHidden();
  await expect(page.getByTestId("routing-notice")).toContainText(`“${ruleName}” was added`);

  try {
    // 4. A direct-phone disbursement in KES: two payees the toolkit knows, one it does not.
    const [p1, p2] = kenyanMobiles(2) as [string, string];
    const tag = unique("mj");
    await page.goto("/disbursements/new");
    await page.getByRole("textbox", { name: "Name", exact: true }).fill(unique("E2E Mojaloop"));
    await page.getByRole("radio", { name: /^Phone number on a Mojaloop switch/ }).check();
    const kes = await page.getByRole("combobox", { name: "Currency", exact: true }).locator("option", { hasText: "KES" }).getAttribute("value");
    await page.getByRole("combobox", { name: "Currency", exact: true }).selectOption(kes!);
    await page.getByLabel("Instructions file (CSV)").setInputFiles({
      name: "phones.csv",
      mimeType: "text/csv",
      // Amounts clear of the toolkit rules' special ones (12, 13, 17, 21).
      buffer: csv(["phone,id,amount", `${p1},${tag}-1,150.50`, `${p2},${tag}-2,75`, `${UNKNOWN_PHONE},e2e-unknown-mojaloop-payee,40`]),
    });
    await page.getByRole("button", { name: "Upload and continue" }).click();
    await page.waitForURL(/\/disbursements\/[0-9a-f-]{36}$/);
    await expect(page.getByTestId("routing-preview").getByRole("row", { name: connectionName })).toContainText("3");

    // 5. The Mojaloop preflight: nothing looked up yet, then the switch's answers.
    const preflight = page.getByTestId("mojaloop-preflight");
    await expect(preflight.getByTestId("mojaloop-preflight-empty")).toContainText("Look up 3 payees at the switch");
    await preflight.getByRole("button", { name: "Look up payees" }).click();
    const payees = preflight.getByTestId("mojaloop-payees");
    for (const phone of [p1, p2]) {
      const payee = payees.getByRole("row", { name: phone });
      await expect(payee).toContainText(`Payee ${phone.slice(1)}`);
      await expect(payee).toContainText(TTK_FSP_ID);
      await expect(payee.getByText("Found", { exact: true })).toBeVisible();
    }
    const unresolved = preflight.getByTestId("mojaloop-unresolved");
    await expect(unresolved).toContainText("1 payee could not be resolved");
    await expect(unresolved.getByTestId("mojaloop-unresolved-payee")).toContainText(`e2e-unknown-mojaloop-payee, ${UNKNOWN_PHONE}: 3204`);
    await expect(preflight.getByTestId("mojaloop-lookup-summary")).toContainText("3 payees: 2 found · 1 not found.");
    await preflight.scrollIntoViewIfNeeded();
    await preflight.screenshot({ path: "test-results/mojaloop-preflight.png" });

    // 6. Exclude the unknown payee, with confirmation: its payment is canceled.
    await unresolved.getByRole("button", { name: "Exclude unresolved" }).click();
    const confirm = page.getByRole("alertdialog", { name: "Exclude 1 unresolved payee?" });
    await confirm.getByRole("button", { name: "Cancel 1 payment" }).click();
    await expect(confirm).toBeHidden();
    await expect(preflight.getByTestId("mojaloop-preflight-notice")).toContainText("1 payment was canceled");
    await expect(preflight.getByTestId("mojaloop-all-resolved")).toContainText("Every payee was found");
    await expect(preflight.getByTestId("mojaloop-lookup-summary")).toContainText("2 payees: 2 found.");
    await preflight.screenshot({ path: "test-results/mojaloop-preflight-excluded.png" });

    // 7. Start; the worker pays the two through the switch (bulk quote, bulk transfer, fulfilment checked).
    await page.getByRole("button", { name: "Start", exact: true }).click();
    await page.getByRole("alertdialog").getByRole("button", { name: "Start disbursement" }).click();
    await expect(page.getByTestId("disbursement-status")).toHaveText(/Started|Completed/);
    await expect
      .poll(
        async () => {
          await page.reload();
          return `${await page.getByTestId("disbursement-status").textContent()} / ${await page.getByTestId("total-sent").textContent()}`;
        },
        { timeout: 240_000, intervals: [3_000] },
      )
      .toBe("Completed / Sent2");
    // The batch panel speaks of the switch (bulks and the payee FSPs' quoted fees), not of a bank's funds.
    const batches = page.getByTestId("shipments");
    await expect(batches.getByRole("heading", { name: "Batches to the Mojaloop switch" })).toBeVisible();
    await expect(batches).toContainText("1 bulk: 2 paid, 0 failed, 0 in progress; payee FSP fees 0 KES");
    await page.screenshot({ path: "test-results/mojaloop-completed.png", fullPage: true });

    // The switch saw one bulk transfer carrying both payees.
    const transfers = (await ttk.requests()).filter((r) => r.method.toLowerCase() === "post" && r.path === "/bulkTransfers");
    expect(transfers).toHaveLength(1);
    expect((transfers[0]!.body as { individualTransfers: unknown[] }).individualTransfers).toHaveLength(2);
  } finally {
    // Leave the demo organization's routing as it was (a later run adds its own rule and connection).
    await page.goto("/routing");
    const rule = page.getByRole("listitem", { name: ruleName });
    await rule.getByRole("button", { name: `Delete ${ruleName}` }).click();
    await page
      .getByRole("alertdialog", { name: `Delete “${ruleName}”?` })
      .getByRole("button", { name: "Delete rule" })
      .click();
    await expect(page.getByTestId("routing-notice")).toContainText(`“${ruleName}” was deleted.`);
  }
});
