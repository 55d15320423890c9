import { expect, test, type Page } from "@playwright/test";
import { Secret, TOTP } from "otpauth";
import { signOut, unique } from "./helpers";
import { runCli } from "./http-session";

/**
 * MFA in Chromium (docs/security.md, "MFA"): enrolment on /profile, the second sign-in step with a
 * TOTP code and with a recovery code (single use), a wrong code refused, and an organization that
 * requires MFA sending a member without it to enrolment. Its own organization and users (made with
 * the CLI), so the demo users other specs sign in as keep signing in with a password only.
 */
test.describe.configure({ mode: "serial" });

const PASSWORD = "Mfa-Test-Password-1";
const tag = unique("mfa");
const slug = `${tag}-org`;
const owner = { email: `owner.${tag}@example.org`, name: "Olu Owner" };
const member = { email: `member.${tag}@example.org`, name: "Mo Member" };
let secret = "";
let recoveryCodes: string[] = [];

/** The code an authenticator app would show `offsetSteps` periods from now (RFC 6238, SHA-1, 30 s, 6 digits). */
function code(base32: string, offsetSteps = 0): string {
  return new TOTP({ secret: Secret.fromBase32(base32), algorithm: "SHA1", digits: 6, period: 30 }).generate({ timestamp: Date.now() + offsetSteps * 30_000 });
}

async function passwordStep(page: Page, email: string) {
  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** Enrol on the page shown (Profile or /mfa/setup): reads the key shown for manual entry, as a user would type it into the app. */
async function enrol(page: Page): Promise<{ secret: string; codes: string[] }> {
  await page.getByRole("button", { name: "Set up authenticator app" }).click();
  await expect(page.getByRole("img", { name: /QR code to add/ })).toBeVisible();
  const key = page.getByTestId("mfa-secret");
  const shown = (await key.textContent())!.replace(/\s/g, "");
  expect(shown).toMatch(/^[A-Z2-7]{32}$/);
  await page.getByLabel("Code from the app").fill(code(shown));
  await page.getByRole("button", { name: "Turn on" }).click();
  const list = page.getByRole("list", { name: "Recovery codes" });
  await expect(list).toBeVisible();
  const codes = (await list.getByRole("listitem").allTextContents()).map((c) => c.trim());
  expect(codes).toHaveLength(10);
  return { secret: shown, codes };
}

test.beforeAll(async () => {
  await runCli(["create-org", "--name", `MFA Org ${tag}`, "--slug", slug]);
  await runCli(["create-user", "--org", slug, "--email", owner.email, "--name", owner.name, "--role", "owner", "--password", PASSWORD]);
  await runCli(["create-user", "--org", slug, "--email", member.email, "--name", member.name, "--role", "business", "--password", PASSWORD]);
});

test("enrol on the Profile page, then sign in with a code; a wrong code is refused; a recovery code works once", async ({ page }) => {
  await passwordStep(page, owner.email);
  await expect(page.getByRole("button", { name: /Account menu/ })).toBeVisible();

  await page.goto("/profile");
  const section = page.getByTestId("mfa-section");
  await expect(section.getByRole("heading", { name: /Two-factor authentication/ })).toContainText("Off");
  ({ secret, codes: recoveryCodes } = await enrol(page));
  await page.getByRole("button", { name: "Done" }).click();
  await expect(section.getByRole("heading", { name: /Two-factor authentication/ })).toContainText("On");
  await expect(section.getByTestId("mfa-recovery-left")).toHaveText("10 of 10 recovery codes left.");

  await signOut(page);

  // Password first, then the code step.
  await passwordStep(page, owner.email);
  await expect(page.getByText("Enter the 6-digit code from your authenticator app.")).toBeVisible();
  await expect(page.getByLabel("Password")).toHaveCount(0);
  const right = code(secret, 1); // the enrolment used the current step; the next one is within the accepted window
  const wrong = String((Number(right) + 1) % 1_000_000).padStart(6, "0");
  await page.getByLabel("Authentication code").fill(wrong);
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "That code is not valid" })).toBeVisible();
  await expect(page).toHaveURL(/\/login/);
  await page.getByLabel("Authentication code").fill(right);
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByRole("button", { name: /Account menu/ })).toBeVisible();
  await signOut(page);

  // The same code again (same time step) is refused: codes work once.
  await passwordStep(page, owner.email);
  await page.getByLabel("Authentication code").fill(right);
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "already used" })).toBeVisible();

  // A recovery code instead of the app.
  await page.getByRole("button", { name: "Use a recovery code" }).click();
  await page.getByLabel("Recovery code").fill(recoveryCodes[0]!);
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByRole("button", { name: /Account menu/ })).toBeVisible();
  await page.goto("/profile");
  await expect(page.getByTestId("mfa-recovery-left")).toHaveText("9 of 10 recovery codes left.");
  await signOut(page);

  // The used recovery code does not work a second time.
  await passwordStep(page, owner.email);
  await page.getByRole("button", { name: "Use a recovery code" }).click();
  await page.getByLabel("Recovery code").fill(recoveryCodes[0]!);
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "not valid or was already used" })).toBeVisible();
  await expect(page.getByRole("button", { name: /Account menu/ })).toHaveCount(0);
});

test("an organization that requires MFA sends a member without it to enrolment after sign-in", async ({ page }) => {
  expect(secret, "the owner was enrolled by the previous test").not.toBe("");
  // The owner (enrolled) turns the requirement on in Settings.
  await passwordStep(page, owner.email);
  await page.getByRole("button", { name: "Use a recovery code" }).click();
  await page.getByLabel("Recovery code").fill(recoveryCodes[1]!);
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByRole("button", { name: /Account menu/ })).toBeVisible();
  await page.goto("/settings");
  await page.getByRole("switch", { name: "MFA required for all members" }).click();
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved." })).toBeVisible();
  await signOut(page);

  // The member signs in with a password only and lands on enrolment; other pages send them back there.
  await passwordStep(page, member.email);
  await expect(page).toHaveURL(/\/mfa\/setup$/);
  await expect(page.getByRole("heading", { name: "Set up two-factor authentication" })).toBeVisible();
  await expect(page.getByText(`MFA Org ${tag} requires every member`)).toBeVisible();
  await page.goto("/disbursements");
  await expect(page).toHaveURL(/\/mfa\/setup$/);

  await enrol(page);
  await page.getByRole("button", { name: "I have saved my recovery codes" }).click();
  await page.getByRole("link", { name: "Continue" }).click();
  await expect(page.getByRole("button", { name: /Account menu/ })).toBeVisible();
  await expect(page).not.toHaveURL(/\/mfa\/setup/);
});
