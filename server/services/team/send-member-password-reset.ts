import { eq } from "drizzle-orm";
import { users } from "@/db/schema";
import { requestPasswordReset } from "../auth/request-password-reset";
import { recordAuditEvent } from "../audit/record-audit-event";
import { assertCan, type OrgContext } from "../context";
import { badRequest } from "../errors";
import { lockMember } from "./guard-owner-rules";
import { isInvitationPending, memberInput } from "./remove-member";

/**
 * "Send password reset e-mail": the member gets the self-service reset link at their own address;
 * the owner never sees it (docs/security.md). For a pending invitation there is nothing to reset.
 */
export async function sendMemberPasswordReset(ctx: OrgContext, raw: { userId: string }) {
  assertCan(ctx, "users:manage");
  const input = memberInput.parse(raw);
  const email = await ctx.db.transaction(async (tx) => {
    const member = await lockMember(tx, ctx, input.userId);
    const user = await tx.query.users.findFirst({ where: eq(users.id, input.userId) });
    if (!user || isInvitationPending({ acceptedAt: member.acceptedAt, passwordHash: user.passwordHash })) {
      throw badRequest("This person has not set up their account yet: send them a new invitation link instead.", undefined, "INVALID_STATE");
    }
    return user.email;
  });
  // Counted like any other request for this address (and per organization in place of a client address).
  await requestPasswordReset(ctx.db, { email, ip: `org:${ctx.org.id}` });
  await recordAuditEvent(ctx.db, {
    orgId: ctx.org.id,
    actorUserId: ctx.actor.userId,
    action: "user.password_reset_sent",
    targetId: input.userId,
  });
  return { email };
}
