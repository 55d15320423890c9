import { z } from "zod";
import { EMAIL_MAX, PERSON_NAME_MAX } from "./team.schema";

/** Input schemas of sign-in, password reset, MFA and the Profile page, shared by the services, routers and the forms. */

/** The stable marker sign-in answers when the password was right and a second factor is needed. */
export const MFA_REQUIRED = "MFA_REQUIRED";

/** Longest code the MFA forms accept: a 6-digit TOTP or a recovery code. */
export const MFA_CODE_MAX = 32;
export const PASSWORD_MAX = 200;

const code = z
  .string({ error: "Enter the code from your authenticator app." })
  .trim()
  .min(1, "Enter the code from your authenticator app.")
  .max(MFA_CODE_MAX, "That code is too long.");

export const confirmMfaInput = z.object({ code });
export const regenerateRecoveryCodesInput = z.object({ code });
export const disableMfaInput = z.object({
  password: z.string().min(1, "Enter your current password.").max(1000),
  code,
});

export const requestPasswordResetInput = z.object({
  email: z.string().trim().toLowerCase().pipe(z.email("Enter a valid email address.").max(EMAIL_MAX)),
});

export const updateNameInput = z.object({
  name: z.string().trim().min(1, "Enter your name.").max(PERSON_NAME_MAX, `Name must be at most ${PERSON_NAME_MAX} characters.`),
});

/** The new password's rules are checked by the service (server/services/auth/password.ts). */
export const changePasswordInput = z.object({
  currentPassword: z.string().min(1, "Enter your current password.").max(PASSWORD_MAX),
  newPassword: z.string().min(1, "Enter a new password.").max(PASSWORD_MAX),
});

export const endSessionInput = z.object({ sessionId: z.uuid() });
