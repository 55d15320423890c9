import { Keypair } from "@stellar/stellar-sdk";
import { expect, test, type APIRequestContext } from "@playwright/test";
import { signIn, unique } from "./helpers";

/**
 * Payments on the local ledger, end to end: two receivers with funded Stellar accounts and one
 * whose account does not exist. Preflight flags the missing one (on the button and in the start
 * dialog); after start the worker pays the two (their balances ON THE LEDGER grow by exactly their
 * amounts) and fails the third with a plain-language reason, so the disbursement cannot complete.
 * The Distribution account page then shows the balances and the transaction.
 *
 * The app under test (playwright.config.ts → scripts/start.ts) runs the local ledger on
 * E2E_LEDGER_PORT (default 8100) and one payment worker.
 */
const LEDGER = `http://127.0.0.1:${process.env.E2E_LEDGER_PORT || "8100"}`;

type HorizonAccount = { balances: { asset_type: string; balance: string }[] };

/** Exact stroops from a decimal string (no floats). */
function stroops(decimal: string): bigint {
  const [whole = "0", fraction = ""] = decimal.split(".");
  return BigInt(whole) * 10_000_000n + BigInt(fraction.padEnd(7, "0").slice(0, 7));
}

async function nativeBalance(request: APIRequestContext, address: string): Promise<bigint> {
  const res = await request.get(`${LEDGER}/accounts/${address}`);
  expect(res.status(), `GET /accounts/${address}`).toBe(200);
  const account = (await res.json()) as HorizonAccount;
  const native = account.balances.find((b) => b.asset_type === "native");
  expect(native, "a native balance").toBeDefined();
  return stroops(native!.balance);
}

async function friendbot(request: APIRequestContext, address: string) {
  const res = await request.get(`${LEDGER}/friendbot?addr=${address}`, { timeout: 90_000 });
  expect(res.ok(), `friendbot for ${address}: ${res.status()}`).toBe(true);
}

/** US numbers that libphonenumber accepts, different on every run. */
function phones(count: number): string[] {
  const base = 1000 + Math.floor(Math.random() * 8000);
  return Array.from({ length: count }, (_, i) => `+1415556${String(base + i).padStart(4, "0")}`);
}

test("preflight flags a missing account; the worker pays the others exactly and fails it in plain language", async ({ page, request }) => {
  test.setTimeout(540_000);

  // --- Two fresh funded accounts and one that does not exist.
  const funded = [Keypair.random().publicKey(), Keypair.random().publicKey()];
  const missing = Keypair.random().publicKey();
  for (const address of funded) await friendbot(request, address);
  const before = await Promise.all(funded.map((a) => nativeBalance(request, a)));
  expect((await request.get(`${LEDGER}/accounts/${missing}`)).status()).toBe(404);

  const amounts = ["12.3456789", "7.5", "3"];
  const [p1, p2, p3] = phones(3);
  const tag = unique("pay");
  const name = unique("E2E XLM payout");
  const csv = [
    "phone,id,amount,walletAddress",
    `${p1},${tag}-1,${amounts[0]},${funded[0]}`,
    `${p2},${tag}-2,${amounts[1]},${funded[1]}`,
    `${p3},${tag}-3,${amounts[2]},${missing}`,
  ].join("\r\n");

  // --- The owner creates a PHONE_NUMBER_AND_WALLET_ADDRESS disbursement in XLM.
  await signIn(page, "owner@demo.local");
  await page.goto("/disbursements/new");
  await expect(page.getByRole("heading", { name: "New disbursement" })).toBeVisible();
  await page.getByRole("textbox", { name: "Name", exact: true }).fill(name);
  await page.getByRole("combobox", { name: "Wallet", exact: true }).selectOption({ label: "Demo Wallet" });
  const xlm = await page.getByRole("combobox", { name: "Asset", exact: true }).locator("option", { hasText: "XLM" }).getAttribute("value");
  await page.getByRole("combobox", { name: "Asset", exact: true }).selectOption(xlm!);
  await page.getByRole("radio", { name: /^Phone number and wallet address/ }).check();
  await page.getByLabel("Instructions file (CSV)").setInputFiles({ name: "xlm-payout.csv", mimeType: "text/csv", buffer: Buffer.from(`${csv}\r\n`) });
  await expect(page.getByTestId("csv-row-count")).toHaveText("3");
  await page.getByRole("button", { name: "Upload and continue" }).click();
  await page.waitForURL(/\/disbursements\/[0-9a-f-]{36}$/);
  await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
  await expect(page.getByTestId("disbursement-status")).toHaveText("Ready");
  await expect(page.getByTestId("total-amount")).toHaveText("of 22.8456789 XLM");

  // --- Preflight from the button: the missing account is flagged, per receiver.
  await page.getByRole("button", { name: "Run preflight" }).click();
  const report = page.getByTestId("preflight-result");
  await expect(report).toHaveAttribute("data-outcome", "problems", { timeout: 60_000 });
  await expect(report).toContainText("1 payment of 3 will fail");
  const flagged = report.getByTestId(`preflight-problem-${missing}`);
  await expect(flagged).toContainText(p3!);
  await expect(flagged).toContainText("Account missing");
  await expect(flagged).toContainText("The receiver's Stellar account does not exist.");
  for (const address of funded) await expect(report.getByTestId(`preflight-problem-${address}`)).toHaveCount(0);

  // --- Start: the dialog runs the preflight again and shows the problem; the user still starts.
  await page.getByRole("button", { name: "Start", exact: true }).click();
  const dialog = page.getByRole("alertdialog");
  await expect(dialog).toContainText("3 payments totalling 22.8456789 XLM");
  await expect(dialog.getByTestId("preflight-result")).toHaveAttribute("data-outcome", "problems", { timeout: 60_000 });
  await expect(dialog.getByTestId(`preflight-problem-${missing}`)).toContainText("does not exist");
  await dialog.getByRole("button", { name: "Start disbursement" }).click();
  await expect(dialog).toBeHidden();

  // --- Live progress: the page follows the worker without a reload (bounded wait).
  await expect(page.getByTestId("total-sent")).toContainText("2", { timeout: 180_000 });
  await expect(page.getByTestId("total-failed")).toContainText("1", { timeout: 180_000 });
  await expect(page.getByTestId("total-remaining")).toContainText("0");
  // One payment failed, so it cannot complete.
  await expect(page.getByTestId("disbursement-status")).toHaveText("Started");

  const rows = page.locator('[data-testid^="payment-row-"]');
  await expect(rows).toHaveCount(3);
  const successRows = rows.filter({ has: page.locator('[data-status="SUCCESS"]') });
  const failedRows = rows.filter({ has: page.locator('[data-status="FAILED"]') });
  await expect(successRows).toHaveCount(2, { timeout: 60_000 });
  await expect(failedRows).toHaveCount(1);
  await expect(failedRows.getByTestId("failure-reason")).toHaveText("The receiver's Stellar account does not exist.");
  await expect(failedRows).toContainText(p3!);
  await expect(failedRows.getByTestId("transaction-hash")).toHaveCount(0);
  // Each paid payment links to its transaction.
  const hashes = new Set<string>();
  for (let i = 0; i < 2; i++) {
    const hashEl = successRows.nth(i).getByTestId("transaction-hash");
    await expect(hashEl).toBeVisible();
    const hash = (await hashEl.getAttribute("data-hash"))!;
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    await expect(hashEl.getByRole("link")).toHaveAttribute("href", `${LEDGER}/transactions/${hash}`);
    hashes.add(hash);
  }
  for (const hash of hashes) {
    const tx = await request.get(`${LEDGER}/transactions/${hash}`);
    expect(tx.status()).toBe(200);
    expect(((await tx.json()) as { successful: boolean }).successful).toBe(true);
  }

  // --- On the ledger: each funded account received exactly its amount; the missing one still does not exist.
  const after = await Promise.all(funded.map((a) => nativeBalance(request, a)));
  expect(after[0]! - before[0]!).toBe(stroops(amounts[0]!));
  expect(after[1]! - before[1]!).toBe(stroops(amounts[1]!));
  expect((await request.get(`${LEDGER}/accounts/${missing}`)).status()).toBe(404);

  // --- The failed payment's page says why, in plain language.
  await failedRows.getByRole("link", { name: /^Payment / }).click();
  await expect(page.getByTestId("payment-status")).toHaveText("Failed");
  await expect(page.getByTestId("payment-failure")).toContainText("This payment failed");
  await expect(page.getByTestId("payment-failure").getByTestId("failure-reason")).toHaveText("The receiver's Stellar account does not exist.");
  await expect(page.getByTestId("payment-failure")).toContainText("op_no_destination");
  await page.goBack();

  // --- The Distribution account page: network, address, XLM and USDC balances, the transaction.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Distribution account" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Distribution account" })).toBeVisible();
  await expect(page.getByTestId("network-name")).toHaveText("Local ledger");
  await expect(page.getByTestId("distribution-address")).toContainText(/G[A-Z2-7]{55}/);
  await expect(page.getByTestId("funding-note")).toContainText("Funded automatically on the local network");
  await expect(page.getByTestId("ledger-error")).toHaveCount(0);
  for (const code of ["XLM", "USDC"]) {
    await expect(page.getByTestId(`balance-${code}`).getByTestId("balance-amount")).toContainText(new RegExp(`^[\\d,]+(\\.\\d+)? ${code}$`));
  }
  for (const hash of hashes) {
    const row = page.getByTestId(`transaction-row-${hash}`);
    await expect(row).toBeVisible();
    await expect(row).toContainText("Success");
    await expect(row.getByRole("link")).toHaveAttribute("href", `${LEDGER}/transactions/${hash}`);
  }
});
