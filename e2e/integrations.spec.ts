import { createPublicKey, generateKeyPairSync } from "node:crypto";
import { expect, test } from "@playwright/test";
import { signIn, unique } from "./helpers";

/**
 * The Integrations page as an owner: this platform's identity (receiver id, public key, endpoints),
 * registering a G2P sender with a fresh Ed25519 key after a bad key and a plain-http callback were
 * refused with readable messages, then editing and disabling it. A role without
 * integrations:manage sees neither the menu entry nor the page. OAuth2 client credentials for a
 * sender: created (the secret shown once), used at the token endpoint, revoked behind a confirmation.
 */

test("an owner sees the platform key, registers a sender and is told why a bad key is refused", async ({ page }) => {
  await signIn(page, "owner@demo.local");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Integrations" }).click();
  await expect(page.getByRole("heading", { name: "Integrations", level: 1 })).toBeVisible();

  // --- This platform: receiver id, the public key in both spellings (the same key), endpoints.
  const platform = page.getByRole("region", { name: "This platform" });
  await expect(platform.getByTestId("receiver-id")).toHaveText(/^[a-z0-9-]+$/);
  const pem = (await platform.getByTestId("platform-public-key-pem").textContent())?.trim() ?? "";
  expect(pem).toMatch(/^-----BEGIN PUBLIC KEY-----\n.+\n-----END PUBLIC KEY-----$/s);
  const key = createPublicKey(pem);
  expect(key.asymmetricKeyType).toBe("ed25519");
  const raw = (key.export({ format: "der", type: "spki" }) as Buffer).subarray(12).toString("base64");
  await expect(platform.getByTestId("platform-public-key-base64")).toHaveText(raw);
  await expect(platform.getByRole("button", { name: "Copy public key (PEM)" })).toBeVisible();
  await expect(platform.getByText("/disburse", { exact: true })).toBeVisible();
  await expect(platform.getByText("/disburse/txn/status", { exact: true })).toBeVisible();
  await expect(platform.getByRole("button", { name: "Copy POST /disburse URL", exact: true })).toBeVisible();
  await expect(platform.getByText(/BLAKE2b-512/)).toBeVisible();

  // --- Register a sender: a bad key and a plain-http callback are refused on their fields.
  const senderId = unique("registry");
  const name = unique("E2E registry");
  await page.getByRole("button", { name: "Register sender" }).first().click();
  const dialog = page.getByRole("dialog", { name: "Register a sender" });
  await dialog.getByRole("textbox", { name: "Sender id" }).fill(senderId);
  await dialog.getByRole("textbox", { name: "Name" }).fill(name);
  await dialog.getByRole("textbox", { name: "Callback URL" }).fill("http://registry.example.org/g2p");
  await dialog.getByRole("textbox", { name: "Public key" }).fill("MCowBQYDK2VwAyEA-not-a-key");
  await dialog.getByRole("button", { name: "Register sender" }).click();

  const keyField = dialog.getByRole("textbox", { name: "Public key" });
  await expect(dialog.getByText("The public key must be an Ed25519 key: PEM (BEGIN PUBLIC KEY) or the 32 raw bytes in base64 or hex.")).toBeVisible();
  await expect(keyField).toHaveAttribute("aria-invalid", "true");
  await expect(dialog.getByText(/Use https: on a production installation plain http is accepted only for hosts listed in OUTBOUND_ALLOW_HOSTS/)).toBeVisible();

  // An RSA key is named as such.
  const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey.export({ format: "pem", type: "spki" }).toString();
  await keyField.fill(rsa);
  await dialog.getByRole("button", { name: "Register sender" }).click();
  await expect(dialog.getByText("The public key is rsa; an Ed25519 key is required.")).toBeVisible();

  // A fresh Ed25519 key (PEM) and an https callback.
  const { publicKey } = generateKeyPairSync("ed25519");
  const senderPem = publicKey.export({ format: "pem", type: "spki" }).toString();
  const senderRaw = (publicKey.export({ format: "der", type: "spki" }) as Buffer).subarray(12).toString("base64");
  await keyField.fill(senderPem);
  // A cloud metadata address is refused on the field before anything is stored or called.
  const callbackField = dialog.getByRole("textbox", { name: "Callback URL" });
  await callbackField.fill("https://169.254.169.254/latest");
  await dialog.getByRole("combobox", { name: "Wallet" }).selectOption({ label: "Demo Wallet" });
  await dialog.getByRole("button", { name: "Register sender" }).click();
  await expect(dialog.getByText("This destination address is not allowed: 169.254.169.254 is a cloud metadata address.", { exact: false })).toBeVisible();
  await expect(callbackField).toHaveAttribute("aria-invalid", "true");
  await dialog.screenshot({ path: test.info().outputPath("sender-callback-refused.png") });
  await callbackField.fill("https://registry.example.org/g2p/");
  await dialog.getByRole("combobox", { name: "Wallet" }).selectOption({ label: "Demo Wallet" });
  await dialog.getByRole("button", { name: "Register sender" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole("status").filter({ hasText: `registered as “${senderId}”` })).toBeVisible();

  const row = page.getByTestId(`sender-${senderId}`);
  await expect(row).toContainText(name);
  await expect(row).toContainText("https://registry.example.org/g2p");
  await expect(row.getByTitle(senderRaw)).toBeVisible();
  await expect(row).toContainText("0 transactions");
  // The same sender id again: refused on the field.
  await page.getByRole("button", { name: "Register sender" }).first().click();
  await dialog.getByRole("textbox", { name: "Sender id" }).fill(senderId);
  await dialog.getByRole("textbox", { name: "Name" }).fill("Duplicate");
  await dialog.getByRole("textbox", { name: "Callback URL" }).fill("https://registry.example.org/g2p");
  await dialog.getByRole("textbox", { name: "Public key" }).fill(senderRaw);
  await dialog.getByRole("button", { name: "Register sender" }).click();
  await expect(dialog.getByText("This sender id is already registered in this organization.")).toBeVisible();
  await dialog.getByRole("button", { name: "Cancel" }).click();

  // --- Edit: the sender id is fixed, the name changes.
  await row.getByRole("button", { name: `Edit ${name}` }).click();
  const edit = page.getByRole("dialog", { name: `Edit ${name}` });
  await expect(edit.getByRole("textbox", { name: "Sender id" })).toHaveValue(senderId);
  await expect(edit.getByRole("textbox", { name: "Sender id" })).toHaveAttribute("readonly", "");
  await edit.getByRole("textbox", { name: "Name" }).fill(`${name} (prod)`);
  await edit.getByRole("button", { name: "Save changes" }).click();
  await expect(edit).toBeHidden();
  await expect(row).toContainText(`${name} (prod)`);

  // --- Disable, behind a confirmation.
  await row.getByRole("switch", { name: `${name} (prod) enabled` }).click();
  const confirm = page.getByRole("alertdialog");
  await expect(confirm).toContainText("err.sender_id.invalid");
  await confirm.getByRole("button", { name: "Disable sender" }).click();
  await expect(row.getByRole("switch")).toHaveAttribute("aria-checked", "false");
  await expect(row).toContainText("Disabled");

  // --- The message log filters by this sender (nothing sent yet).
  await page.getByRole("combobox", { name: "Sender" }).selectOption({ value: senderId });
  await expect(page.getByText("No messages match")).toBeVisible();
});

test("a role without integrations:manage sees neither the menu entry nor the page", async ({ page }) => {
  await signIn(page, "business@demo.local");
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Disbursements" })).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Integrations" })).toHaveCount(0);
  await page.goto("/integrations");
  await expect(page.getByRole("heading", { name: "You don't have access to this page" })).toBeVisible();
  await expect(page.getByText("Integrations is not available to the Business user role.")).toBeVisible();
});

test("an owner creates OAuth2 client credentials for a sender, sees the secret once, and revokes them", async ({ page }) => {
  await signIn(page, "owner@demo.local");
  await page.goto("/integrations");

  // A sender to own the credentials.
  const senderId = unique("oauth-registry");
  await page.getByRole("button", { name: "Register sender" }).first().click();
  const register = page.getByRole("dialog", { name: "Register a sender" });
  await register.getByRole("textbox", { name: "Sender id" }).fill(senderId);
  const senderName = unique("OAuth registry");
  await register.getByRole("textbox", { name: "Name" }).fill(senderName);
  await register.getByRole("textbox", { name: "Callback URL" }).fill("https://registry.example.org/g2p");
  await register.getByRole("textbox", { name: "Public key" }).fill(generateKeyPairSync("ed25519").publicKey.export({ format: "pem", type: "spki" }).toString());
  await register.getByRole("combobox", { name: "Wallet" }).selectOption({ label: "Demo Wallet" });
  await register.getByRole("button", { name: "Register sender" }).click();
  await expect(register).toBeHidden();

  // --- Create: the client id and secret are shown once.
  const section = page.getByRole("region", { name: "OAuth2 client credentials" });
  await section.getByRole("button", { name: "Create client credentials" }).click();
  const dialog = page.getByRole("dialog", { name: "Create client credentials" });
  const name = unique("E2E token client");
  await dialog.getByRole("textbox", { name: "Name" }).fill(name);
  await dialog.getByRole("combobox", { name: "Sender" }).selectOption({ label: `${senderName} (${senderId})` });
  await dialog.getByRole("radio", { name: /write:disbursements/ }).check();
  await dialog.getByRole("button", { name: "Create credentials" }).click();
  const created = page.getByRole("dialog", { name: `Client credentials “${name}” created` });
  await expect(created.getByText("Copy the client secret now")).toBeVisible();
  const clientId = await created.getByTestId("new-client-id").inputValue();
  const clientSecret = await created.getByTestId("new-client-secret").inputValue();
  expect(clientId).toMatch(/^g2pc_[0-9A-Za-z]{16}$/);
  expect(clientSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
  await created.screenshot({ path: test.info().outputPath("oauth-client-created.png") });
  await created.getByRole("button", { name: "I have copied the secret" }).click();
  await expect(created).toBeHidden();

  // Listed without the secret; the create dialog opens empty again.
  const row = page.getByTestId(`oauth-client-${clientId}`);
  await expect(row).toContainText(name);
  await expect(row).toContainText(senderId);
  await expect(row).toContainText("Active");
  expect(await page.content()).not.toContain(clientSecret);
  await section.getByRole("button", { name: "Create client credentials" }).click();
  await expect(page.getByRole("dialog", { name: "Create client credentials" }).getByRole("textbox", { name: "Name" })).toHaveValue("");
  await page.getByRole("dialog", { name: "Create client credentials" }).getByRole("button", { name: "Cancel" }).click();

  // The token endpoint (real HTTP through the proxy) takes them.
  const form = { grant_type: "client_credentials", client_id: clientId, client_secret: clientSecret };
  const token = await page.request.post("/oauth2/client/token", { form });
  expect(token.status()).toBe(200);
  expect(await token.json()).toMatchObject({ token_type: "Bearer", expires_in: 300, scope: "write:disbursements" });

  // --- Revoke, behind a confirmation: the token endpoint refuses them from then on.
  await row.getByRole("button", { name: "Revoke" }).click();
  const confirm = page.getByRole("alertdialog");
  await expect(confirm).toContainText(clientId);
  await confirm.getByRole("button", { name: "Revoke credentials" }).click();
  await expect(row).toContainText("Revoked");
  await expect(row.getByRole("button", { name: "Revoke" })).toHaveCount(0);
  const refused = await page.request.post("/oauth2/client/token", { form });
  expect(refused.status()).toBe(401);
  expect((await refused.json()).error).toBe("invalid_client");
});
