import { eq } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { users } from "@/db/schema";
import { newTotpSecretBase32, otpauthUri } from "./totp";
import { encryptSecret } from "../../crypto/secret-box";
import { conflict, notFound } from "../../errors";
import { MFA_SECRET_PURPOSE } from "./mfa-guard";
import { qrSvg } from "./qr-code";

/** The name authenticator apps show above the code. */
export const TOTP_ISSUER = "Disbursements";

/**
 * Start enrolling an authenticator app: a new secret is stored encrypted as pending (replacing an
 * unconfirmed one) and returned once as a QR code and as base32 for typing in by hand. MFA turns on
 * only when confirmMfaEnrolment receives a code from it.
 */
export async function startMfaEnrolment(db: DbOrTx, input: { userId: string }) {
  const user = await db.query.users.findFirst({ where: eq(users.id, input.userId) });
  if (!user) throw notFound("The account");
  if (user.mfaEnabledAt) {
    throw conflict("Two-factor authentication is already on. Turn it off first to move it to another app.", undefined, "INVALID_STATE");
  }
  const secret = newTotpSecretBase32();
  await db
    .update(users)
    .set({ mfaPendingSecretEncrypted: encryptSecret(secret, MFA_SECRET_PURPOSE), updatedAt: new Date() })
    .where(eq(users.id, user.id));
  const uri = otpauthUri(secret, user.email, TOTP_ISSUER);
  return { secret, otpauthUri: uri, qr: qrSvg(uri), account: user.email, issuer: TOTP_ISSUER };
}
