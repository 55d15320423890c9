import { eq } from "drizzle-orm";
import type { z } from "zod";
import { users } from "@/db/schema";
import { createPasswordToken, hasOtherAcceptedMembership, setPasswordPath } from "../auth/password-tokens";
import { recordAuditEvent } from "../audit/record-audit-event";
import { assertCan, type OrgContext } from "../context";
import { badRequest } from "../errors";
import { lockMember } from "./guard-owner-rules";
import { createPasswordLinkInput } from "@/server/schemas/team.schema";

export { createPasswordLinkInput } from "@/server/schemas/team.schema";

export const PASSWORD_LINK_REFUSAL =
  "You can only make a set-password link for someone who has no password yet and belongs to no other organization. " +
  "Send them a password reset e-mail instead: only they can choose a new password.";

/**
 * A fresh one-time invitation link (docs/security.md). For an invitation still waiting for its
 * holder's consent it is a new invitation link (which, like the first one, only sets a password
 * for an account that has none and belongs nowhere else — so the answer reveals nothing about the
 * account). For a member it is allowed only while the account has no password and this is its only
 * organization; earlier links of this organization for the person stop working.
 */
export async function createPasswordLink(ctx: OrgContext, raw: z.input<typeof createPasswordLinkInput>) {
  assertCan(ctx, "users:manage");
  const input = createPasswordLinkInput.parse(raw);
  return ctx.db.transaction(async (tx) => {
    const member = await lockMember(tx, ctx, input.userId);
    if (member.acceptedAt !== null) {
      const user = await tx.query.users.findFirst({ where: eq(users.id, input.userId) });
      if (!user || user.passwordHash || (await hasOtherAcceptedMembership(tx, input.userId, ctx.org.id))) {
        throw badRequest(PASSWORD_LINK_REFUSAL, undefined, "INVALID_STATE");
      }
    }
    const token = await createPasswordToken(tx, input.userId, "invite", { orgId: ctx.org.id });
    await recordAuditEvent(tx, {
      orgId: ctx.org.id,
      actorUserId: ctx.actor.userId,
      action: "user.password_link_created",
      targetId: input.userId,
    });
    return { setPasswordLink: setPasswordPath(token) };
  });
}
