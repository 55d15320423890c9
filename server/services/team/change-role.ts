import { and, eq } from "drizzle-orm";
import type { z } from "zod";
import { memberships } from "@/db/schema";
import { changeRoleInput } from "@/server/schemas/team.schema";
import { recordAuditEvent } from "../audit/record-audit-event";
import { assertCan, type OrgContext } from "../context";
import { badRequest } from "../errors";
import { assertAnotherActiveOwner, lockMember } from "./guard-owner-rules";

export { changeRoleInput };

export async function changeRole(ctx: OrgContext, raw: z.input<typeof changeRoleInput>) {
  assertCan(ctx, "users:manage");
  const input = changeRoleInput.parse(raw);
  if (input.userId === ctx.actor.userId) throw badRequest("You cannot change your own role.", undefined, "SELF_ACTION");
  return ctx.db.transaction(async (tx) => {
    const member = await lockMember(tx, ctx, input.userId);
    if (member.role === input.role) return { userId: input.userId, role: input.role };
    if (member.role === "owner") await assertAnotherActiveOwner(tx, ctx, input.userId);
    await tx
      .update(memberships)
      .set({ role: input.role, updatedAt: new Date() })
      .where(and(eq(memberships.orgId, ctx.org.id), eq(memberships.userId, input.userId)));
    await recordAuditEvent(tx, {
      orgId: ctx.org.id,
      actorUserId: ctx.actor.userId,
      action: "user.role_changed",
      targetId: input.userId,
      details: { from: member.role, to: input.role },
    });
    return { userId: input.userId, role: input.role };
  });
}
