import { decryptSecret, encryptSecret } from "../crypto/secret-box";

/**
 * A connection's credentials at rest: JSON sealed with AES-256-GCM under its own subkey of
 * ENCRYPTION_KEY (server/services/crypto/secret-box.ts). Opened only by the code that calls the
 * rail (the test action, the health loop, the dispatcher); never logged, never sent to a browser.
 */
const PURPOSE = "connection-credentials";

export function sealCredentials(credentials: Record<string, string>): string {
  return encryptSecret(JSON.stringify(credentials), PURPOSE);
}

export function openCredentials(sealed: string | null): Record<string, string> {
  if (!sealed) return {};
  const parsed = JSON.parse(decryptSecret(sealed, PURPOSE)) as unknown;
  if (typeof parsed !== "object" || parsed === null) throw new Error("stored connection credentials are not an object");
  return Object.fromEntries(Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === "string"));
}
