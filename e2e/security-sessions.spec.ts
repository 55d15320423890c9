import { expect, request as playwrightRequest, test } from "@playwright/test";
import { signIn, unique } from "./helpers";
import { newHttpSession, runCli, signInOverHttp, trpcMutation, trpcQuery, type HttpSession } from "./http-session";

/**
 * Server-side sessions over real HTTP (docs/security.md, "Sessions"): a saved session cookie is
 * replayed after sign-out, sign-out-everywhere and a password change and must be refused by
 * tRPC and by pages. Each test uses its own user so demo accounts keep their passwords.
 */
const PASSWORD = "Sessions-Pass-1";

async function newUser(): Promise<string> {
  const email = `${unique("sess")}@example.org`;
  await runCli(["create-user", "--org", "demo", "--email", email, "--name", "Sam Session", "--role", "business", "--password", PASSWORD]);
  return email;
}

async function signedIn(baseURL: string, email: string, password = PASSWORD): Promise<HttpSession> {
  const s = await newHttpSession(baseURL);
  const result = await signInOverHttp(s, email, password);
  expect(result.error).toBeNull();
  expect((await trpcQuery<{ email: string }>(s, "profile.get")).data?.email).toBe(email);
  return s;
}

/** A fresh client holding only the cookies saved earlier: a stolen or leftover cookie. */
async function expectCookieDead(baseURL: string, saved: Awaited<ReturnType<HttpSession["ctx"]["storageState"]>>) {
  const old = await newHttpSession(baseURL, { storageState: saved });
  const query = await trpcQuery(old, "profile.get");
  expect(query.status).toBe(401);
  expect(query.error?.code).toBe("UNAUTHORIZED");
  const page = await old.ctx.get("/profile");
  expect([302, 303, 307, 308]).toContain(page.status());
  expect(page.headers()["location"]).toMatch(/\/login/);
  await old.ctx.dispose();
}

test("sign-out ends the session: the old cookie, replayed, gets UNAUTHORIZED and a redirect to sign-in", async ({ baseURL }) => {
  const email = await newUser();
  const s = await signedIn(baseURL!, email);
  const saved = await s.ctx.storageState();
  // The saved cookie works before sign-out.
  const before = await newHttpSession(baseURL!, { storageState: saved });
  expect((await trpcQuery(before, "profile.get")).status).toBe(200);
  expect((await before.ctx.get("/profile")).status()).toBe(200);
  await before.ctx.dispose();

  const { csrfToken } = (await (await s.ctx.get("/api/auth/csrf")).json()) as { csrfToken: string };
  const out = await s.ctx.post("/api/auth/signout", { form: { csrfToken, json: "true", callbackUrl: `${baseURL}/login` } });
  expect(out.status()).toBeLessThan(400);
  await expectCookieDead(baseURL!, saved);
  await s.ctx.dispose();
});

test("sign out everywhere from another browser ends this browser's session too", async ({ baseURL }) => {
  const email = await newUser();
  const first = await signedIn(baseURL!, email);
  const saved = await first.ctx.storageState();
  const second = await signedIn(baseURL!, email);
  const sessions = await trpcQuery<{ current: boolean }[]>(second, "profile.sessions");
  expect(sessions.data?.length).toBeGreaterThanOrEqual(2);
  expect(sessions.data?.filter((x) => x.current)).toHaveLength(1);

  const everywhere = await trpcMutation<{ sessionsEnded: number }>(second, "profile.signOutEverywhere");
  expect(everywhere.data?.sessionsEnded).toBeGreaterThanOrEqual(2);
  await expectCookieDead(baseURL!, saved);
  await expectCookieDead(baseURL!, await second.ctx.storageState());
  await first.ctx.dispose();
  await second.ctx.dispose();
});

test("a password change ends every session; only the new password signs in", async ({ baseURL }) => {
  const email = await newUser();
  const first = await signedIn(baseURL!, email);
  const saved = await first.ctx.storageState();
  const second = await signedIn(baseURL!, email);

  const wrong = await trpcMutation(second, "profile.changePassword", { currentPassword: "not-my-password", newPassword: "Another-Pass-22" });
  expect(wrong.error?.message).toBe("The current password is not right.");
  expect((await trpcQuery(first, "profile.get")).status).toBe(200);

  const changed = await trpcMutation(second, "profile.changePassword", { currentPassword: PASSWORD, newPassword: "Another-Pass-22" });
  expect(changed.error).toBeUndefined();
  await expectCookieDead(baseURL!, saved);
  await expectCookieDead(baseURL!, await second.ctx.storageState());
  const again = await newHttpSession(baseURL!);
  expect((await signInOverHttp(again, email, PASSWORD)).error).toMatch(/Wrong email or password/);
  await signedIn(baseURL!, email, "Another-Pass-22");
  await Promise.all([first.ctx.dispose(), second.ctx.dispose(), again.ctx.dispose()]);
});

test("a client-sent X-Forwarded-For does not buy a fresh address for sign-in throttling", async ({ baseURL }) => {
  const email = await newUser();
  /** Sign in with a chosen (spoofed) X-Forwarded-For; returns next-auth's error text. */
  const attempt = async (password: string, spoofed: string) => {
    const ctx = await playwrightRequest.newContext({ baseURL, extraHTTPHeaders: { origin: baseURL!, "x-forwarded-for": spoofed }, maxRedirects: 0 });
    const s = { ctx, baseURL: baseURL! };
    const result = await signInOverHttp(s, email, password);
    await ctx.dispose();
    return result.error;
  };
  for (let i = 0; i < 5; i++) expect(await attempt("wrong-password", `192.0.2.${i + 1}`)).toMatch(/Wrong email or password/);
  // Every attempt came from the same socket address, whatever the header said.
  expect(await attempt(PASSWORD, "198.51.100.77")).toMatch(/Too many failed sign-in attempts/);
});

test("Profile page: rename yourself, and a wrong current password is refused", async ({ page }) => {
  const email = await newUser();
  await signIn(page, email, PASSWORD);
  await page.getByRole("button", { name: /Account menu/ }).click();
  await page.getByRole("menuitem", { name: "Profile" }).click();
  await expect(page.getByRole("heading", { name: "Profile", level: 1 })).toBeVisible();
  await expect(page.getByRole("table", { name: "Your sessions" })).toContainText("This browser");

  await page.getByRole("textbox", { name: "Name", exact: true }).fill("Sam Renamed");
  await page.getByRole("button", { name: "Save name" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Your name is saved." })).toBeVisible();
  await expect(page.getByRole("button", { name: /Account menu/ })).toContainText("Sam Renamed");
  await page.reload();
  await expect(page.getByRole("textbox", { name: "Name", exact: true })).toHaveValue("Sam Renamed");

  await page.getByLabel("Current password").fill("not-my-password");
  await page.getByLabel(/^New password/).fill("Another-Pass-33");
  await page.getByLabel("Repeat the new password").fill("Another-Pass-33");
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByText("The current password is not right.")).toBeVisible();
  await expect(page).toHaveURL(/\/profile/);

  // The right current password: signed out everywhere, back to sign-in with a notice.
  await page.getByLabel("Current password").fill(PASSWORD);
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page).toHaveURL(/\/login\?reason=password-changed/);
  await expect(page.getByText(/Your password is changed/)).toBeVisible();
  await signIn(page, email, "Another-Pass-33");
});

test("Profile page: sign out everywhere asks first, then sends you to sign-in", async ({ page }) => {
  const email = await newUser();
  await signIn(page, email, PASSWORD);
  await page.goto("/profile");
  await page.getByRole("button", { name: "Sign out everywhere" }).click();
  const dialog = page.getByRole("alertdialog");
  await expect(dialog).toContainText("this one included");
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(page).toHaveURL(/\/profile/);
  await page.getByRole("button", { name: "Sign out everywhere" }).click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Sign out everywhere" }).click();
  await expect(page).toHaveURL(/\/login\?reason=signed-out-everywhere/);
  await page.goto("/profile");
  await expect(page).toHaveURL(/\/login/);
});
