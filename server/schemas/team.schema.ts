import { z } from "zod";
import { ROLES } from "@/server/domain/roles";

/** Input schemas and limits of team management, shared by the services, routers and the forms. */

export const PERSON_NAME_MAX = 120;
/** The longest email address a mailbox can have (RFC 5321 path limit). */
export const EMAIL_MAX = 254;

export const inviteUserInput = z.object({
  // Normalise first, then validate: z.email().trim() would check the format before trimming.
  email: z.string().trim().toLowerCase().pipe(z.email("Enter a valid email address.").max(EMAIL_MAX)),
  name: z.string().trim().min(1, "Enter the person's name.").max(PERSON_NAME_MAX),
  role: z.enum(ROLES, { error: "Choose a role." }),
});

export const changeRoleInput = z.object({ userId: z.uuid(), role: z.enum(ROLES) });

export const setMemberActiveInput = z.object({ userId: z.uuid(), active: z.boolean() });
export const createPasswordLinkInput = z.object({ userId: z.uuid() });
/** Remove a member or revoke their pending invitation. */
export const memberInput = z.object({ userId: z.uuid() });
/** Accept or decline an invitation to an organization (the invited account's own action). */
export const invitationInput = z.object({ orgId: z.uuid() });
