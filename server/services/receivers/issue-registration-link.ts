import { and, eq } from "drizzle-orm";
import type { z } from "zod";
import { receiverWallets } from "@/db/schema";
import { recordAuditEvent } from "../audit/record-audit-event";
import { assertCan, type OrgContext } from "../context";
import { conflict, notFound } from "../errors";
import { appUrl } from "../sep/config";
import { issueRegistrationToken, registrationUrl } from "../registration/registration-token";
import { issueRegistrationLinkInput } from "@/server/schemas/receivers.schema";

export { issueRegistrationLinkInput } from "@/server/schemas/receivers.schema";

/**
 * Staff: a fresh registration link for a READY receiver wallet (earlier links stop working). The
 * link is a bearer secret, so only roles with `receivers:secrets` get one (docs/security.md).
 */
export async function issueRegistrationLink(ctx: OrgContext, raw: z.input<typeof issueRegistrationLinkInput>) {
  assertCan(ctx, "receivers:secrets");
  const parsed = issueRegistrationLinkInput.safeParse(raw);
  if (!parsed.success) throw notFound("The receiver wallet");
  return ctx.db.transaction(async (tx) => {
    const [rw] = await tx
      .select({ id: receiverWallets.id, status: receiverWallets.status, receiverId: receiverWallets.receiverId })
      .from(receiverWallets)
      .where(and(eq(receiverWallets.id, parsed.data.receiverWalletId), eq(receiverWallets.orgId, ctx.org.id)))
      .for("update");
    if (!rw) throw notFound("The receiver wallet");
    if (rw.status !== "READY") throw conflict("Only a wallet waiting for registration (READY) can get a registration link.", undefined, "INVALID_STATE");
    const token = await issueRegistrationToken(tx, { orgId: ctx.org.id, receiverWalletId: rw.id });
    await recordAuditEvent(tx, { orgId: ctx.org.id, actorUserId: ctx.actor.userId, action: "receiver_wallet.link_issued", targetId: rw.id });
    return { url: registrationUrl(appUrl(), token) };
  });
}
