import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { memberships, users } from "@/db/schema";
import { ROLES } from "@/server/domain/roles";
import { createPasswordToken, setPasswordPath } from "../auth/password-tokens";
import { recordAuditEvent } from "../audit/record-audit-event";
import { assertCan, type OrgContext } from "../context";
import { conflict } from "../errors";

export const inviteUserInput = z.object({
  // Normalise first, then validate: z.email().trim() would check the format before trimming.
  email: z.string().trim().toLowerCase().pipe(z.email("Enter a valid email address.").max(254)),
  name: z.string().trim().min(1, "Enter the person's name.").max(120),
  role: z.enum(ROLES, { error: "Choose a role." }),
});

/**
 * Add a person to the organization. A new user gets a one-time set-password link (shown on
 * screen until mail exists); an existing user without a password gets a fresh one.
 */
export async function inviteUser(ctx: OrgContext, raw: z.input<typeof inviteUserInput>) {
  assertCan(ctx, "users:manage");
  const input = inviteUserInput.parse(raw);
  return ctx.db.transaction(async (tx) => {
    let user = await tx.query.users.findFirst({ where: eq(users.email, input.email) });
    if (user) {
      const existing = await tx.query.memberships.findFirst({
        where: and(eq(memberships.orgId, ctx.org.id), eq(memberships.userId, user.id)),
      });
      if (existing) throw conflict(`${input.email} is already a member of this organization.`, { email: "already a member" });
    } else {
      [user] = await tx.insert(users).values({ email: input.email, name: input.name }).returning();
    }
    if (!user) throw new Error("user insert returned nothing");
    await tx.insert(memberships).values({ orgId: ctx.org.id, userId: user.id, role: input.role, invitedBy: ctx.actor.userId });
    const link = user.passwordHash ? null : setPasswordPath(await createPasswordToken(tx, user.id, "invite"));
    await recordAuditEvent(tx, {
      orgId: ctx.org.id,
      actorUserId: ctx.actor.userId,
      action: "user.invited",
      targetId: user.id,
      details: { email: user.email, role: input.role },
    });
    return { userId: user.id, email: user.email, setPasswordLink: link };
  });
}
