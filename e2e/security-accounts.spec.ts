import { expect, test } from "@playwright/test";
import { DEMO_PASSWORD, signIn, unique } from "./helpers";
import { newHttpSession, runCli, signInOverHttp, trpcMutation, trpcQuery, type HttpSession } from "./http-session";

/**
 * The cross-tenant account takeover (issue 10), tried over real HTTP by the owner of a second
 * organization made with the operator CLI, and the consent journey in Chromium
 * (docs/security.md, "Memberships by consent").
 */

const ATTACKER_PASSWORD = "Attacker-Password-1";

type SecondOrg = { id: string; name: string; slug: string; ownerEmail: string };

async function secondOrganization(): Promise<SecondOrg> {
  const slug = unique("attacker").toLowerCase();
  const name = `Attacker Org ${slug.slice(-6)}`;
  const created = await runCli(["create-org", "--name", name, "--slug", slug]);
  const id = /id ([0-9a-f-]{36})/.exec(created)?.[1];
  expect(id, created).toBeDefined();
  const ownerEmail = `${slug}@attacker.test`;
  await runCli(["create-user", "--org", slug, "--email", ownerEmail, "--name", "Mallory", "--role", "owner", "--password", ATTACKER_PASSWORD]);
  return { id: id!, name, slug, ownerEmail };
}

async function signedIn(baseURL: string, email: string, password: string): Promise<HttpSession> {
  const s = await newHttpSession(baseURL);
  const result = await signInOverHttp(s, email, password);
  expect(result, `sign-in of ${email}`).toMatchObject({ ok: true, error: null });
  return s;
}

const tokenOf = (link: string) => new URL(link, "http://x").searchParams.get("token")!;

type Invited = { userId: string; email: string; invitationLink: string; invitationEmail: string };

test.describe("memberships by consent over HTTP", () => {
  test("variant 1: the owner of another organization cannot take over an account that has a password", async ({ baseURL }) => {
    const b = await secondOrganization();
    // The victim: an account of the demo organization with a password.
    const victimEmail = `${unique("victim")}@example.org`;
    await runCli(["create-user", "--org", "demo", "--email", victimEmail, "--name", "Victor Victim", "--role", "financial_controller", "--password", DEMO_PASSWORD]);
    const attacker = await signedIn(baseURL!, b.ownerEmail, ATTACKER_PASSWORD);
    const anonymous = await newHttpSession(baseURL!);

    const invite = await trpcMutation<Invited>(attacker, "team.invite", { email: victimEmail, name: "Anything", role: "owner" });
    expect(invite.status).toBe(200);
    expect(Object.keys(invite.data!).sort()).toEqual(["email", "invitationEmail", "invitationLink", "userId"]);
    const token = tokenOf(invite.data!.invitationLink);

    // The team list shows the email only: not the account's name, not whether it has a password.
    const list = await trpcQuery<{ email: string; name: string; invitationPending: boolean; hasPassword: boolean }[]>(attacker, "team.list");
    expect(list.data!.find((m) => m.email === victimEmail)).toMatchObject({ name: victimEmail, invitationPending: true, hasPassword: false });

    // The invitation link cannot set the password …
    expect((await trpcQuery(anonymous, "auth.inspectPasswordToken", { token })).data).toMatchObject({ action: "sign-in" });
    const viaInvite = await trpcMutation(anonymous, "auth.setPassword", { token, password: "taken-over-password-1" });
    expect(viaInvite.status).toBe(403);
    expect(viaInvite.error?.message).toMatch(/already has a password or belongs to another organization/);
    // … nor can a "new link" …
    const relink = await trpcMutation<{ setPasswordLink: string }>(attacker, "team.createPasswordLink", { userId: invite.data!.userId });
    const viaRelink = await trpcMutation(anonymous, "auth.setPassword", { token: tokenOf(relink.data!.setPasswordLink), password: "taken-over-password-2" });
    expect(viaRelink.status).toBe(403);
    // … and no reset e-mail is sent on the attacker's behalf for someone who has not joined.
    expect((await trpcMutation(attacker, "team.sendPasswordReset", { userId: invite.data!.userId })).status).toBe(400);

    // The attacker's passwords do not work; the victim's does, and lands in the demo organization only.
    for (const password of ["taken-over-password-1", "taken-over-password-2"]) {
      expect((await signInOverHttp(await newHttpSession(baseURL!), victimEmail, password)).ok).toBe(false);
    }
    const victim = await signedIn(baseURL!, victimEmail, DEMO_PASSWORD);
    const me = await trpcQuery<{ org: { slug: string }; role: string; organizations: { id: string }[] }>(victim, "session.me");
    expect(me.data).toMatchObject({ org: { slug: "demo" }, role: "financial_controller" });
    expect(me.data!.organizations).toHaveLength(1);
    // With the attacker's organization as the active one, still nothing there.
    await victim.ctx.storageState().then(async (state) => {
      const forced = await newHttpSession(baseURL!, {
        storageState: { ...state, cookies: [...state.cookies, { ...state.cookies[0]!, name: "active_org", value: b.id }] },
      });
      expect((await trpcQuery<{ org: { id: string } }>(forced, "session.me")).data?.org.id).not.toBe(b.id);
      expect((await trpcMutation(forced, "session.switchOrganization", { orgId: b.id })).status).toBe(403);
    });
    // The victim sees the invitation and declines it.
    const pending = await trpcQuery<{ orgId: string; orgName: string }[]>(victim, "invitations.list");
    expect(pending.data).toEqual([expect.objectContaining({ orgId: b.id, orgName: b.name })]);
    expect((await trpcMutation(victim, "invitations.decline", { orgId: b.id })).status).toBe(200);
  });

  test("variant 2: a second organization inviting an invitee without a password neither kills nor replaces the first link", async ({ baseURL }) => {
    const b = await secondOrganization();
    const demoOwner = await signedIn(baseURL!, "owner@demo.local", DEMO_PASSWORD);
    const attacker = await signedIn(baseURL!, b.ownerEmail, ATTACKER_PASSWORD);
    const anonymous = await newHttpSession(baseURL!);
    const email = `${unique("newcomer")}@example.org`;

    const fromDemo = await trpcMutation<Invited>(demoOwner, "team.invite", { email, name: "Nina Newcomer", role: "initiator" });
    const fromAttacker = await trpcMutation<Invited>(attacker, "team.invite", { email, name: "Nina", role: "owner" });
    expect(fromDemo.status).toBe(200);
    expect(fromAttacker.status).toBe(200);
    const demoToken = tokenOf(fromDemo.data!.invitationLink);

    expect((await trpcMutation(anonymous, "auth.setPassword", { token: tokenOf(fromAttacker.data!.invitationLink), password: "attacker-chosen-1" })).status).toBe(403);
    const relink = await trpcMutation<{ setPasswordLink: string }>(attacker, "team.createPasswordLink", { userId: fromAttacker.data!.userId });
    expect(relink.status).toBe(200);
    expect((await trpcMutation(anonymous, "auth.setPassword", { token: tokenOf(relink.data!.setPasswordLink), password: "attacker-chosen-2" })).status).toBe(403);

    // The demo organization's link still works for the real invitee.
    expect((await trpcQuery(anonymous, "auth.inspectPasswordToken", { token: demoToken })).data).toMatchObject({ action: "set-password" });
    expect((await trpcMutation(anonymous, "auth.setPassword", { token: demoToken, password: "nina-real-password" })).status).toBe(200);
    expect((await signInOverHttp(await newHttpSession(baseURL!), email, "attacker-chosen-1")).ok).toBe(false);
    const nina = await signedIn(baseURL!, email, "nina-real-password");
    const me = await trpcQuery<{ org: { slug: string }; role: string; organizations: unknown[] }>(nina, "session.me");
    expect(me.data).toMatchObject({ org: { slug: "demo" }, role: "initiator" });
    expect(me.data!.organizations).toHaveLength(1);
    expect((await trpcMutation(nina, "invitations.decline", { orgId: b.id })).status).toBe(200);
  });
});

test("an existing account invited by a second organization sees the notice, accepts on /invitations and switches there", async ({ page, baseURL }) => {
  const b = await secondOrganization();
  const email = `${unique("joiner")}@example.org`;
  await runCli(["create-user", "--org", "demo", "--email", email, "--name", "Jo Joiner", "--role", "business", "--password", DEMO_PASSWORD]);
  const attacker = await signedIn(baseURL!, b.ownerEmail, ATTACKER_PASSWORD);
  const invite = await trpcMutation<Invited>(attacker, "team.invite", { email, name: "Jo", role: "approver" });
  expect(invite.status).toBe(200);

  // The invitation link says "sign in to accept": no password form for an existing account.
  await page.goto(invite.data!.invitationLink);
  await expect(page.getByRole("heading", { name: "Sign in to accept the invitation" })).toBeVisible();
  await expect(page.getByLabel("New password")).toHaveCount(0);
  await expect(page.getByRole("link", { name: "Sign in to accept" })).toHaveAttribute("href", "/login?callbackUrl=/invitations");
  await page.screenshot({ path: "test-results/security-accounts-invitation-link.png" });

  await signIn(page, email);
  const notice = page.getByTestId("invitations-notice");
  await expect(notice).toContainText("An organization invited you to join it.");
  await page.screenshot({ path: "test-results/security-accounts-notice.png" });
  await notice.getByRole("link", { name: "Review invitations" }).click();
  await expect(page).toHaveURL(/\/invitations$/);
  await expect(page.getByRole("heading", { name: "Invitations" })).toBeVisible();
  const card = page.getByTestId(`invitation-${b.name}`);
  await expect(card).toContainText("As Approver");
  await expect(card).toContainText("invited by Mallory");
  await page.screenshot({ path: "test-results/security-accounts-invitations.png" });
  await card.getByRole("button", { name: /^Accept/ }).click();
  await expect(page.getByRole("status").filter({ hasText: `You joined ${b.name} as Approver.` })).toBeVisible();
  await expect(page.getByText("No pending invitations")).toBeVisible();
  await page.getByRole("button", { name: `Open ${b.name}` }).click();
  await expect(page.getByTestId("org-name").first()).toHaveText(b.name);
  await expect(page.getByRole("button", { name: /Account menu/ })).toContainText("Approver");
  await expect(page.getByTestId("invitations-notice")).toHaveCount(0);

  // Both organizations are in the switcher now.
  await page.getByRole("button", { name: /Account menu/ }).click();
  await page.getByRole("menuitem", { name: "Demo Organization" }).click();
  await expect(page.getByTestId("org-name").first()).toHaveText("Demo Organization");
  await expect(page.getByRole("button", { name: /Account menu/ })).toContainText("Business");
});

test("forgot password: the same answer for everyone, a link by e-mail, and a new password that works", async ({ page }) => {
  const email = `${unique("forgetful")}@example.org`;
  await runCli(["create-user", "--org", "demo", "--email", email, "--name", "Fay Forgetful", "--role", "business", "--password", DEMO_PASSWORD]);

  await page.goto("/login");
  await page.getByRole("link", { name: "Forgot your password?" }).click();
  await expect(page).toHaveURL(/\/forgot-password$/);
  await page.getByLabel("Email").fill(`${unique("nobody")}@example.org`);
  await page.getByRole("button", { name: "Send me a link" }).click();
  const answer = page.getByRole("status").filter({ hasText: "If an account exists for that address, we sent it a link" });
  await expect(answer).toBeVisible();
  const unknownText = await answer.textContent();

  await page.goto("/forgot-password");
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Send me a link" }).click();
  await expect(page.getByRole("status").filter({ hasText: "If an account exists" })).toHaveText(unknownText!);
  await page.screenshot({ path: "test-results/security-accounts-forgot-password.png" });

  // The outbox transport keeps the e-mail; the operator CLI prints it.
  const mail = await runCli(["account-mail", "--email", email]);
  expect(mail).toContain("PASSWORD_RESET");
  const link = /(https?:\/\/\S+\/set-password\?token=[A-Za-z0-9_-]+)/.exec(mail)?.[1];
  expect(link, mail).toBeDefined();
  await page.goto(new URL(link!).pathname + new URL(link!).search);
  await expect(page.getByRole("heading", { name: "Set a new password" })).toBeVisible();
  await page.getByLabel("New password").fill("fay-new-password-1");
  await page.getByLabel("Repeat the password").fill("fay-new-password-1");
  await page.getByRole("button", { name: "Set password" }).click();
  await expect(page).toHaveURL(/\/login\?reason=password-set/);
  await signIn(page, email, "fay-new-password-1");
});
