import { createPublicKey, generateKeyPairSync } from "node:crypto";
import { expect, test } from "@playwright/test";
import { signIn, unique } from "./helpers";

/**
 * The Integrations page as an owner: this platform's identity (receiver id, public key, endpoints),
 * registering a G2P sender with a fresh Ed25519 key after a bad key and a plain-http callback were
 * refused with readable messages, then editing and disabling it. A role without
 * integrations:manage sees neither the menu entry nor the page.
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
