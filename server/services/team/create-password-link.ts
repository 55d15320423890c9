import { z } from "zod";
import { createPasswordToken, setPasswordPath } from "../auth/password-tokens";
import { recordAuditEvent } from "../audit/record-audit-event";
import { assertCan, type OrgContext } from "../context";
import { lockMember } from "./guard-owner-rules";

export const createPasswordLinkInput = z.object({ userId: z.uuid() });

/** A fresh one-time link for a member to set (or reset) their password; earlier links stop working. */
export async function createPasswordLink(ctx: OrgContext, raw: z.input<typeof createPasswordLinkInput>) {
  assertCan(ctx, "users:manage");
  const input = createPasswordLinkInput.parse(raw);
  return ctx.db.transaction(async (tx) => {
    await lockMember(tx, ctx, input.userId);
    const token = await createPasswordToken(tx, input.userId, "reset");
    await recordAuditEvent(tx, {
      orgId: ctx.org.id,
      actorUserId: ctx.actor.userId,
      action: "user.password_link_created",
      targetId: input.userId,
    });
    return { setPasswordLink: setPasswordPath(token) };
  });
}
