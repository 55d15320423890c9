import { eq } from "drizzle-orm";
import type { z } from "zod";
import { memberships, organizations, users } from "@/db/schema";
import { ROLE_LABELS } from "@/server/domain/roles";
import { inviteUserInput } from "@/server/schemas/team.schema";
import { createPasswordToken, setPasswordPath } from "../auth/password-tokens";
import { recordAuditEvent } from "../audit/record-audit-event";
import { assertCan, type OrgContext } from "../context";
import { conflict } from "../errors";
import { appLink, deliverAccountMessage, queueAccountMessage } from "../messaging/send-account-message";

export { inviteUserInput };

/**
 * How the invitation e-mail went: `sent` (the e-mail server took it), `queued` (it refused or was
 * unreachable: the worker tries again, server/services/team/retry-account-invitations.ts) or
 * `outbox` (no e-mail server is configured: only the link shown here reaches the person).
 */
export type InvitationEmail = "sent" | "queued" | "outbox";

export type InviteAnswer = { userId: string; email: string; invitationLink: string; invitationEmail: InvitationEmail };

/**
 * Invite a person (docs/security.md, "Memberships by consent"). A new email gets an account
 * without a password and a membership; an email that already has an account gets a PENDING
 * membership that only its holder can accept after signing in, and the account itself is never
 * touched. Both get an invitation link and an e-mail, and the answer has the same shape either
 * way, so inviting does not reveal whether an account exists.
 */
export async function inviteUser(ctx: OrgContext, raw: z.input<typeof inviteUserInput>): Promise<InviteAnswer> {
  assertCan(ctx, "users:manage");
  const input = inviteUserInput.parse(raw);
  const { answer, queued } = await ctx.db.transaction(async (tx) => {
    // A concurrent invitation of the same new email by another organization: insert-or-read.
    const [created] = await tx.insert(users).values({ email: input.email, name: input.name }).onConflictDoNothing().returning();
    const user = created ?? (await tx.query.users.findFirst({ where: eq(users.email, input.email) }));
    if (!user) throw new Error("user insert returned nothing");
    const [membership] = await tx
      .insert(memberships)
      .values({
        orgId: ctx.org.id,
        userId: user.id,
        role: input.role,
        invitedBy: ctx.actor.userId,
        // Consent: only an account this invitation created joins at once (it has no password yet).
        acceptedAt: created ? new Date() : null,
      })
      .onConflictDoNothing()
      .returning({ id: memberships.id });
    if (!membership) {
      throw conflict(`${input.email} is already a member of this organization or invited to it.`, { email: "already a member or invited" }, "ALREADY_EXISTS");
    }
    const token = await createPasswordToken(tx, user.id, "invite", { orgId: ctx.org.id });
    const org = await tx.query.organizations.findFirst({ where: eq(organizations.id, ctx.org.id) });
    const inviter = await tx.query.users.findFirst({ where: eq(users.id, ctx.actor.userId) });
    const path = setPasswordPath(token);
    const orgName = org?.name ?? "an organization";
    const queued = await queueAccountMessage(tx, {
      type: "ACCOUNT_INVITATION",
      orgId: ctx.org.id,
      userId: user.id,
      destination: user.email,
      subject: `Invitation to join ${orgName}`,
      body: invitationBody({ orgName, inviterName: inviter?.name ?? null, role: ROLE_LABELS[input.role], link: appLink(path) }),
    });
    await recordAuditEvent(tx, {
      orgId: ctx.org.id,
      actorUserId: ctx.actor.userId,
      action: "user.invited",
      targetId: user.id,
      details: { email: user.email, role: input.role },
    });
    return { answer: { userId: user.id, email: user.email, invitationLink: path }, queued };
  });
  const delivery = await deliverAccountMessage(ctx.db, queued);
  const invitationEmail: InvitationEmail = queued.transport === "outbox" ? "outbox" : delivery.status === "SUCCESS" ? "sent" : "queued";
  return { ...answer, invitationEmail };
}

function invitationBody(p: { orgName: string; inviterName: string | null; role: string; link: string }) {
  return [
    `${p.inviterName ?? "Someone"} invited you to join ${p.orgName} as ${p.role}.`,
    "",
    `Open this link to accept: ${p.link}`,
    "",
    "If you do not have an account yet, the link lets you choose a password. If you already have one, sign in and accept the invitation on the Invitations page.",
    "The link works once and expires in 72 hours. If you did not expect this invitation, ignore this e-mail.",
  ].join("\n");
}
