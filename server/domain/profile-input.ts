import { z } from "zod";

/** Inputs of the Profile page (server/trpc/routers/profile.ts); no server imports, the browser uses them too. */
export const updateNameInput = z.object({
  name: z
    .string()
    .trim()
    .min(1, "Enter your name.")
    .max(120, "Name must be at most 120 characters."),
});

/** The new password's rules are checked by the service (server/services/auth/password.ts). */
export const changePasswordInput = z.object({
  currentPassword: z.string().min(1, "Enter your current password.").max(200),
  newPassword: z.string().min(1, "Enter a new password.").max(200),
});

export const endSessionInput = z.object({ sessionId: z.uuid() });
