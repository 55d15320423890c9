import { and, eq } from "drizzle-orm";
import type { z } from "zod";
import { memberships } from "@/db/schema";
import { revokeUserSessions } from "../auth/sessions";
import { recordAuditEvent } from "../audit/record-audit-event";
import { assertCan, type OrgContext } from "../context";
import { badRequest } from "../errors";
import { assertAnotherActiveOwner, lockMember } from "./guard-owner-rules";
import { setMemberActiveInput } from "@/server/schemas/team.schema";

export { setMemberActiveInput } from "@/server/schemas/team.schema";

/**
 * Deactivate or reactivate a member. Deactivation also ends every session of the person at once
 * (server/services/auth/sessions.ts), not only their access to this organization.
 */
export async function setMemberActive(ctx: OrgContext, raw: z.input<typeof setMemberActiveInput>) {
  assertCan(ctx, "users:manage");
  const input = setMemberActiveInput.parse(raw);
  if (input.userId === ctx.actor.userId) throw badRequest("You cannot deactivate yourself.", undefined, "SELF_ACTION");
  return ctx.db.transaction(async (tx) => {
    const member = await lockMember(tx, ctx, input.userId);
    if (member.isActive === input.active) return { userId: input.userId, active: input.active };
    if (!input.active && member.role === "owner") await assertAnotherActiveOwner(tx, ctx, input.userId);
    await tx
      .update(memberships)
      .set({ isActive: input.active, updatedAt: new Date() })
      .where(and(eq(memberships.orgId, ctx.org.id), eq(memberships.userId, input.userId)));
    if (!input.active) await revokeUserSessions(tx, input.userId);
    await recordAuditEvent(tx, {
      orgId: ctx.org.id,
      actorUserId: ctx.actor.userId,
      action: input.active ? "user.reactivated" : "user.deactivated",
      targetId: input.userId,
    });
    return { userId: input.userId, active: input.active };
  });
}
