import { and, eq, sql, type SQL } from "drizzle-orm";
import type { z } from "zod";
import type { Db, DbOrTx } from "@/db/client";
import { receiverWallets } from "@/db/schema";
import { renderTemplate } from "@/server/domain/message-template";
import { logger } from "@/server/log";
import { recordAuditEvent } from "../audit/record-audit-event";
import { assertCan, type OrgContext } from "../context";
import { badRequest, notFound } from "../errors";
import { issueRegistrationToken, registrationUrl } from "../registration/registration-token";
import { sepConfig } from "../sep/config";
import { invitationLinkFor } from "../sep/deep-link";
import { sendMessage } from "./send-message";
import { config } from "@/server/config";
import { resendInvitationInput } from "@/server/schemas/receivers.schema";

export { resendInvitationInput } from "@/server/schemas/receivers.schema";

/**
 * Receiver invitations (docs/domain.md#receivers-and-registration). A receiver wallet is invited while it
 * is READY (not yet REGISTERED) and has a payment in a STARTED disbursement whose contact type is EMAIL
 * or PHONE_NUMBER, in an organization with invitations on: first when none was sent, then again each time
 * the organization's resend interval has passed since the last one, up to its maximum number of resends
 * (so 1 + max messages in all). Every message goes through the message log.
 */

/** The base URL receivers open (links in invitations). */
export function appUrlFromEnv(): string {
  return config().APP_URL || "http://localhost:3000";
}

/** A wallet to invite, with what the message needs. */
type InvitationCandidate = {
  receiver_wallet_id: string;
  org_id: string;
  receiver_id: string;
  invitations_sent: number;
  organization_name: string;
  organization_template: string | null;
  disbursement_id: string;
  disbursement_template: string | null;
  contact_type: "EMAIL" | "PHONE_NUMBER";
  email: string | null;
  phone_number: string | null;
  wallet_id: string;
  deep_link_schema: string;
  sep10_client_domain: string;
  asset_code: string;
  asset_issuer: string;
};

/**
 * One row per receiver wallet with its most recently created qualifying disbursement (the one whose
 * template and contact type the invitation uses). `extra` narrows further; `lock` claims the row.
 */
function candidateQuery(where: SQL, lock: "skip" | "wait" | null, limit: number) {
  return sql`
    select rw.id as receiver_wallet_id, rw.org_id, rw.receiver_id, rw.invitations_sent,
           o.name as organization_name, o.invitation_message_template as organization_template,
           d.id as disbursement_id, d.receiver_registration_message_template as disbursement_template,
           d.registration_contact_type as contact_type,
           r.email, r.phone_number,
           w.id as wallet_id, w.deep_link_schema, w.sep10_client_domain,
           a.code as asset_code, a.issuer as asset_issuer
    from receiver_wallets rw
    join organizations o on o.id = rw.org_id
    join receivers r on r.id = rw.receiver_id
    join wallets w on w.id = rw.wallet_id
    join lateral (
      select d.id, d.receiver_registration_message_template, d.registration_contact_type, d.asset_id
      from payments p join disbursements d on d.id = p.disbursement_id
      where p.receiver_wallet_id = rw.id and d.org_id = rw.org_id
        and d.status = 'STARTED' and d.registration_contact_type in ('EMAIL', 'PHONE_NUMBER')
      order by d.created_at desc, d.id
      limit 1
    ) d on true
    join assets a on a.id = d.asset_id
    where rw.status = 'READY'
      and ((d.registration_contact_type = 'EMAIL' and r.email is not null)
        or (d.registration_contact_type = 'PHONE_NUMBER' and r.phone_number is not null))
      and ${where}
    order by rw.last_invitation_at asc nulls first, rw.id
    limit ${limit}
    ${lock === "skip" ? sql`for update of rw skip locked` : lock === "wait" ? sql`for update of rw` : sql``}`;
}

/** Due for the scheduler at `now`. */
function dueCondition(now: Date, orgId?: string) {
  return sql`o.invitations_enabled
    and (rw.invitations_sent = 0
      or (rw.last_invitation_at + make_interval(hours => o.invitation_resend_interval_hours) <= ${now.toISOString()}::timestamptz
        and rw.invitations_sent <= o.invitation_max_resends))
    ${orgId ? sql`and rw.org_id = ${orgId}` : sql``}`;
}

/** Issue a fresh link, render, send over the contact's channel and count it. Call inside the transaction holding the wallet lock. */
async function deliverInvitation(tx: DbOrTx, c: InvitationCandidate, options: { now: Date; appUrl: string }) {
  const token = await issueRegistrationToken(tx, { orgId: c.org_id, receiverWalletId: c.receiver_wallet_id, now: options.now });
  // Wallets with their own app get SDP's signed deep link (the app then runs SEP-10/24 with us);
  // otherwise, or when the schema points at this platform, our registration page.
  const link = invitationLinkFor({
    appUrl: options.appUrl,
    registrationUrl: registrationUrl(options.appUrl, token),
    deepLinkSchema: c.deep_link_schema,
    homeDomain: sepConfig().homeDomain,
    orgName: c.organization_name,
    assetCode: c.asset_code,
    assetIssuer: c.asset_issuer || null,
  });
  const body = renderTemplate(c.disbursement_template || c.organization_template, { organizationName: c.organization_name, registrationLink: link });
  const email = c.contact_type === "EMAIL";
  const result = await sendMessage(tx, {
    orgId: c.org_id,
    receiverId: c.receiver_id,
    receiverWalletId: c.receiver_wallet_id,
    disbursementId: c.disbursement_id,
    type: "RECEIVER_INVITATION",
    channel: email ? "EMAIL" : "SMS",
    destination: (email ? c.email : c.phone_number)!,
    subject: email ? `A payment is waiting for you from ${c.organization_name}` : null,
    body,
  });
  // A failed delivery counts too (it is in the log with its error): the next try waits for the
  // resend interval instead of hammering a broken server; staff can resend by hand.
  await tx
    .update(receiverWallets)
    .set({ invitationsSent: sql`${receiverWallets.invitationsSent} + 1`, lastInvitationAt: options.now, updatedAt: new Date() })
    .where(eq(receiverWallets.id, c.receiver_wallet_id));
  return result;
}

export type InvitationRunResult = { sent: number; failed: number; messageIds: string[] };

/**
 * The scheduler verb: send every invitation due at `now` (first sends and resends), one wallet per
 * transaction with the wallet row locked `FOR UPDATE SKIP LOCKED`, so any number of schedulers
 * (workers) share the work and never send the same invitation twice. The due condition is
 * re-checked under the lock, so a wallet another scheduler just served is not due any more.
 */
export async function sendDueInvitations(db: Db, options: { now?: Date; appUrl?: string; orgId?: string; limit?: number } = {}): Promise<InvitationRunResult> {
  const now = options.now ?? new Date();
  const appUrl = options.appUrl ?? appUrlFromEnv();
  const limit = options.limit ?? 1000;
  const result: InvitationRunResult = { sent: 0, failed: 0, messageIds: [] };
  while (result.sent + result.failed < limit) {
    const outcome = await db.transaction(async (tx) => {
      const [candidate] = [...(await tx.execute<InvitationCandidate>(candidateQuery(dueCondition(now, options.orgId), "skip", 1)))];
      if (!candidate) return null;
      return deliverInvitation(tx, candidate, { now, appUrl });
    });
    if (!outcome) break;
    result.messageIds.push(outcome.id);
    if (outcome.status === "SUCCESS") result.sent++;
    else result.failed++;
  }
  if (result.sent + result.failed > 0) logger.info({ event: "invitations.sent", ...result, messageIds: undefined }, "receiver invitations sent");
  return result;
}

/**
 * Staff resend from the receiver page: a new invitation now, whatever the schedule or the
 * organization's on/off switch; only for READY wallets of this organization.
 */
export async function resendInvitation(ctx: OrgContext, raw: z.input<typeof resendInvitationInput>, options: { appUrl?: string; now?: Date } = {}) {
  assertCan(ctx, "receivers:write");
  const input = resendInvitationInput.parse(raw);
  const now = options.now ?? new Date();
  return ctx.db.transaction(async (tx) => {
    const [wallet] = await tx
      .select({ id: receiverWallets.id, status: receiverWallets.status })
      .from(receiverWallets)
      .where(and(eq(receiverWallets.id, input.receiverWalletId), eq(receiverWallets.orgId, ctx.org.id)))
      .for("update");
    if (!wallet) throw notFound("The receiver wallet");
    if (wallet.status !== "READY") {
      throw badRequest(`Only a wallet waiting for registration (READY) can be invited; this one is ${wallet.status}.`, undefined, "INVALID_STATE");
    }
    const [candidate] = [...(await tx.execute<InvitationCandidate>(candidateQuery(sql`rw.id = ${wallet.id} and rw.org_id = ${ctx.org.id}`, null, 1)))];
    if (!candidate) {
      throw badRequest("This receiver has no started disbursement that invites by email or phone, or no contact for it.", undefined, "INVALID_STATE");
    }
    const message = await deliverInvitation(tx, candidate, { now, appUrl: options.appUrl ?? appUrlFromEnv() });
    await recordAuditEvent(tx, {
      orgId: ctx.org.id,
      actorUserId: ctx.actor.userId,
      action: "receiver.invitation_resent",
      targetId: wallet.id,
      details: { message_id: message.id, status: message.status },
    });
    return { receiver_wallet_id: wallet.id, message_id: message.id, status: message.status, error: message.error };
  });
}
