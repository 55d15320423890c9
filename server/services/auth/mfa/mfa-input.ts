import { z } from "zod";

/**
 * Inputs of the MFA procedures. No server imports: the Profile page's forms use these too.
 */
/** The stable marker sign-in answers when the password was right and a second factor is needed. */
export const MFA_REQUIRED = "MFA_REQUIRED";

const code = z
  .string({ error: "Enter the code from your authenticator app." })
  .trim()
  .min(1, "Enter the code from your authenticator app.")
  .max(32, "That code is too long.");

export const confirmMfaInput = z.object({ code });
export const regenerateRecoveryCodesInput = z.object({ code });
export const disableMfaInput = z.object({
  password: z.string().min(1, "Enter your current password.").max(1000),
  code,
});
