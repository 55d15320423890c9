import { generateKeyPairSync } from "node:crypto";
import { expect, test } from "@playwright/test";
import { signIn, unique } from "./helpers";

/**
 * G2P encrypted messages on the Integrations page (docs/g2p-connect.md#encrypted-messages): the
 * owner sees this platform's encryption key as a JWK (X25519, with a copy button) on the platform
 * card, registers a sender, is told why a private JWK is refused in the sender dialog's
 * "Encryption key" field, then pastes the sender's public JWK, which is kept and shown again.
 */

test("an owner sees our encryption key and pastes a sender's public encryption key", async ({ page }) => {
  await signIn(page, "owner@demo.local");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Integrations" }).click();
  await expect(page.getByRole("heading", { name: "Integrations", level: 1 })).toBeVisible();

  // --- Our encryption key: a public X25519 JWK (no private part), with a copy button.
  const platform = page.getByRole("region", { name: "This platform" });
  const jwkText = (await platform.getByTestId("platform-encryption-jwk").textContent())?.trim() ?? "";
  const jwk = JSON.parse(jwkText) as Record<string, string>;
  expect(jwk).toMatchObject({ kty: "OKP", crv: "X25519", use: "enc" });
  expect(jwk.x).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(jwk.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(jwk).not.toHaveProperty("d");
  await expect(platform.getByRole("button", { name: "Copy encryption key (JWK)" })).toBeVisible();
  await expect(platform.getByText(/ECDH-ES\+A256KW/)).toBeVisible();
  await platform.getByTestId("platform-encryption-jwk").scrollIntoViewIfNeeded();
  await page.screenshot({ path: test.info().outputPath("platform-encryption-key.png"), fullPage: false });

  // --- A sender with an Ed25519 signing key; then its encryption key in the edit dialog.
  const senderId = unique("enc-registry");
  const name = unique("Encrypting registry");
  await page.getByRole("button", { name: "Register sender" }).first().click();
  const create = page.getByRole("dialog", { name: "Register a sender" });
  await create.getByRole("textbox", { name: "Sender id" }).fill(senderId);
  await create.getByRole("textbox", { name: "Name" }).fill(name);
  await create.getByRole("textbox", { name: "Callback URL" }).fill("https://registry.example.org/g2p");
  await create.getByRole("textbox", { name: "Public key" }).fill(generateKeyPairSync("ed25519").publicKey.export({ format: "pem", type: "spki" }).toString());
  await create.getByRole("combobox", { name: "Wallet" }).selectOption({ label: "Demo Wallet" });

  // A private JWK pasted by mistake is refused on the field, in words.
  const pair = generateKeyPairSync("x25519");
  const privateJwk = pair.privateKey.export({ format: "jwk" });
  const encField = create.getByRole("textbox", { name: "Encryption key" });
  await encField.fill(JSON.stringify(privateJwk));
  await create.getByRole("button", { name: "Register sender" }).click();
  await expect(create.getByText(/That JWK holds private key material \("d"\): paste the sender's public key only/)).toBeVisible();
  await expect(encField).toHaveAttribute("aria-invalid", "true");

  // Registered without one, then the public key pasted in the edit dialog.
  await encField.fill("");
  await create.getByRole("button", { name: "Register sender" }).click();
  await expect(create).toBeHidden();
  const row = page.getByTestId(`sender-${senderId}`);
  await expect(row).toContainText(name);
  await expect(row).not.toContainText("Encryption key set");

  await row.getByRole("button", { name: /Edit/ }).click();
  const edit = page.getByRole("dialog", { name: `Edit ${name}` });
  const publicJwk = pair.publicKey.export({ format: "jwk" });
  await edit.getByRole("textbox", { name: "Encryption key" }).fill(JSON.stringify({ ...publicJwk, kid: "registry-enc-2026" }));
  await edit.screenshot({ path: test.info().outputPath("sender-encryption-key.png") });
  await edit.getByRole("button", { name: "Save changes" }).click();
  await expect(edit).toBeHidden();
  await expect(row).toContainText("Encryption key set");

  // Opened again: the key as stored (public members, kid, use "enc"), shown indented.
  await row.getByRole("button", { name: /Edit/ }).click();
  const again = page.getByRole("dialog", { name: `Edit ${name}` });
  const stored = JSON.parse(await again.getByRole("textbox", { name: "Encryption key" }).inputValue()) as Record<string, string>;
  expect(stored).toEqual({ kty: "OKP", crv: "X25519", x: publicJwk.x, kid: "registry-enc-2026", use: "enc" });
});
