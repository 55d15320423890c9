import { readFile } from "node:fs/promises";
import { expect, test, type Browser, type Page } from "@playwright/test";
import { DEMO_PASSWORD, signIn, unique } from "./helpers";
import { newHttpSession, signInOverHttp, trpcMutation, trpcQuery } from "./http-session";

/**
 * The instructions file in the browser (docs/security/files.md): roles without exports:read see no
 * download link and are refused the file; a financial controller downloads the neutralized copy by
 * default and the original, labelled as such, byte for byte.
 */

async function asUser(browser: Browser, email: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await signIn(page, email);
  return page;
}

test("business sees no download and is refused; a financial controller gets the neutralized file and the labelled original", async ({ browser, baseURL }) => {
  test.setTimeout(360_000);
  // The owner makes a READY disbursement whose file holds formulas.
  const s = await newHttpSession(baseURL!);
  expect((await signInOverHttp(s, "owner@demo.local", DEMO_PASSWORD)).error).toBeNull();
  const wallets = await trpcQuery<{ id: string; name: string }[]>(s, "catalog.wallets", { enabled: true });
  const assets = await trpcQuery<{ id: string; code: string }[]>(s, "catalog.assets");
  const created = await trpcMutation<{ id: string }>(s, "disbursements.create", {
    name: unique("E2E downloads"),
    wallet_id: (wallets.data?.find((w) => w.name === "Demo Wallet") ?? wallets.data?.[0])!.id,
    asset_id: (assets.data?.find((a) => a.code === "USDC") ?? assets.data?.[0])!.id,
    registration_contact_type: "PHONE_NUMBER",
    verification_field: "DATE_OF_BIRTH",
  });
  expect(created.error, JSON.stringify(created.error)).toBeUndefined();
  const id = created.data!.id;
  const phone = `+1415555${String(1000 + Math.floor(Math.random() * 8000))}`;
  const original = Buffer.from(`phone,id,amount,verification,paymentID\r\n${phone},"=HYPERLINK(""http://evil.example/"",""x"")",10.50,1990-01-31,@SUM(1+1)\r\n`);
  const uploaded = await s.ctx.post(`/api/disbursements/${id}/instructions`, {
    multipart: { file: { name: "formulas.csv", mimeType: "text/csv", buffer: original } },
  });
  expect(uploaded.status(), await uploaded.text()).toBe(200);

  // Business: no link, and the route refuses both copies.
  const business = await asUser(browser, "business@demo.local");
  await business.goto(`/disbursements/${id}`);
  await expect(business.getByRole("heading", { name: "Instructions file" })).toBeVisible();
  await expect(business.getByTestId("download-instructions")).toHaveCount(0);
  await expect(business.getByTestId("download-original-instructions")).toHaveCount(0);
  for (const query of ["", "?original=true"]) {
    const refused = await business.request.get(`/api/disbursements/${id}/instructions${query}`);
    expect(refused.status()).toBe(403);
    expect(await refused.text()).not.toContain("1990-01-31");
  }

  // Financial controller: the default link is the neutralized copy.
  const fc = await asUser(browser, "financial.controller@demo.local");
  await fc.goto(`/disbursements/${id}`);
  const card = fc.locator("section", { has: fc.getByRole("heading", { name: "Instructions file" }) });
  await expect(card.getByRole("link", { name: "Download instructions CSV" })).toBeVisible();
  await expect(card.getByRole("link", { name: "Original file as uploaded — may contain formulas; open with care" })).toBeVisible();
  await card.screenshot({ path: test.info().outputPath("instructions-card.png") });

  const [neutralized] = await Promise.all([fc.waitForEvent("download"), card.getByRole("link", { name: "Download instructions CSV" }).click()]);
  expect(neutralized.suggestedFilename()).toBe("formulas.csv");
  expect(await readFile((await neutralized.path())!, "utf8")).toBe(
    `phone,id,amount,verification,paymentID\r\n'${phone},"'=HYPERLINK(""http://evil.example/"",""x"")",10.50,1990-01-31,'@SUM(1+1)\r\n`,
  );

  const [exact] = await Promise.all([fc.waitForEvent("download"), card.getByRole("link", { name: /^Original file as uploaded/ }).click()]);
  expect(exact.suggestedFilename()).toBe("formulas.original.csv");
  expect((await readFile((await exact.path())!)).equals(original)).toBe(true);
});
