import type { z } from "zod";
import { g2pSenders } from "@/db/schema";
import { recordAuditEvent } from "../audit/record-audit-event";
import { assertCan, type OrgContext } from "../context";
import { conflict } from "../errors";
import { senderViews } from "./list-g2p-senders";
import { assertSenderReferences, createG2pSenderInput } from "./sender-input";

export { createG2pSenderInput };

/**
 * Register a system allowed to send G2P Connect requests: its `sender_id` (what its headers name),
 * where callbacks go, the Ed25519 key its messages are signed with (and optionally the public key
 * we encrypt to when it sends encrypted messages), and the wallet its payees
 * register with. A sender_id is registered once per organization.
 */
export async function createG2pSender(ctx: OrgContext, raw: z.input<typeof createG2pSenderInput>) {
  assertCan(ctx, "integrations:manage");
  const input = createG2pSenderInput.parse(raw);
  await assertSenderReferences(ctx, input);
  const id = await ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .insert(g2pSenders)
      .values({
        orgId: ctx.org.id,
        senderId: input.sender_id,
        name: input.name,
        callbackUrl: input.callback_url,
        publicKey: input.public_key,
        encryptionPublicKey: input.encryption_public_key ?? null,
        walletId: input.wallet_id,
        defaultAssetId: input.default_asset_id,
        createdBy: ctx.actor.userId,
      })
      .onConflictDoNothing()
      .returning({ id: g2pSenders.id });
    if (!row) {
      throw conflict(
        `A sender with the id "${input.sender_id}" is already registered.`,
        {
          sender_id: "This sender id is already registered in this organization.",
        },
        "ALREADY_EXISTS",
      );
    }
    await recordAuditEvent(tx, {
      orgId: ctx.org.id,
      actorUserId: ctx.actor.userId,
      action: "g2p_sender.created",
      targetId: row.id,
      details: {
        sender_id: input.sender_id,
        name: input.name,
        callback_url: input.callback_url,
        encryption_key: input.encryption_public_key ? "set" : "none",
        wallet_id: input.wallet_id,
        default_asset_id: input.default_asset_id,
      },
    });
    return row.id;
  });
  const [view] = await senderViews(ctx, id);
  return view!;
}
