import { and, eq } from "drizzle-orm";
import type { z } from "zod";
import { g2pSenders } from "@/db/schema";
import { recordAuditEvent } from "../audit/record-audit-event";
import { assertCan, type OrgContext } from "../context";
import { notFound } from "../errors";
import { senderViews } from "./list-g2p-senders";
import { assertSenderReferences, updateG2pSenderInput } from "./sender-input";

export { updateG2pSenderInput };

/** Change a sender's name, callback URL, keys, wallet or default asset; its sender_id stays. */
export async function updateG2pSender(ctx: OrgContext, raw: z.input<typeof updateG2pSenderInput>) {
  assertCan(ctx, "integrations:manage");
  const input = updateG2pSenderInput.parse(raw);
  const [current] = await ctx.db
    .select()
    .from(g2pSenders)
    .where(and(eq(g2pSenders.id, input.id), eq(g2pSenders.orgId, ctx.org.id)));
  if (!current) throw notFound("The sender");
  // A wallet or asset disabled since registration may stay; choosing a disabled one anew may not.
  await assertSenderReferences(ctx, input, {
    wallet: input.wallet_id !== current.walletId,
    asset: input.default_asset_id !== current.defaultAssetId,
  });
  // Absent: the stored encryption key stays (callers that predate the field change nothing).
  const encryptionKey = input.encryption_public_key === undefined ? current.encryptionPublicKey : input.encryption_public_key;
  await ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .update(g2pSenders)
      .set({
        name: input.name,
        callbackUrl: input.callback_url,
        publicKey: input.public_key,
        encryptionPublicKey: encryptionKey,
        walletId: input.wallet_id,
        defaultAssetId: input.default_asset_id,
        updatedAt: new Date(),
      })
      .where(and(eq(g2pSenders.id, input.id), eq(g2pSenders.orgId, ctx.org.id)))
      .returning({ id: g2pSenders.id });
    if (!row) throw notFound("The sender");
    const changed: Record<string, unknown> = {};
    if (input.name !== current.name) changed.name = input.name;
    if (input.callback_url !== current.callbackUrl) changed.callback_url = input.callback_url;
    if (input.public_key !== current.publicKey) changed.public_key = "replaced";
    if (encryptionKey !== current.encryptionPublicKey)
      changed.encryption_key = encryptionKey === null ? "removed" : current.encryptionPublicKey === null ? "added" : "replaced";
    if (input.wallet_id !== current.walletId) changed.wallet_id = input.wallet_id;
    if (input.default_asset_id !== current.defaultAssetId) changed.default_asset_id = input.default_asset_id;
    await recordAuditEvent(tx, {
      orgId: ctx.org.id,
      actorUserId: ctx.actor.userId,
      action: "g2p_sender.updated",
      targetId: row.id,
      details: { sender_id: current.senderId, changed },
    });
  });
  const [view] = await senderViews(ctx, input.id);
  if (!view) throw notFound("The sender");
  return view;
}
