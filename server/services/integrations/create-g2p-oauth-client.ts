import { randomBytes, randomInt } from "node:crypto";
import { and, eq } from "drizzle-orm";
import type { z } from "zod";
import { g2pOauthClients, g2pSenders } from "@/db/schema";
import { grantableScopes } from "@/server/domain/api-scopes";
import { createG2pOauthClientInput } from "@/server/schemas/g2p-oauth.schema";
import { recordAuditEvent } from "../audit/record-audit-event";
import { assertCan, type OrgContext } from "../context";
import { badRequest, notFound } from "../errors";
import { hashOauthClientSecret } from "../g2p/oauth-tokens";
import { oauthClientView } from "./list-g2p-oauth-clients";

export { createG2pOauthClientInput } from "@/server/schemas/g2p-oauth.schema";

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/**
 * Create OAuth2 client credentials for one of the organization's G2P senders
 * (docs/g2p-connect.md#authorization). The secret (32 random bytes, base64url) is in the answer and
 * never again; only its salted keyed hash is stored. The client acts as its creator (like an API
 * key), with the chosen G2P scopes, and only for this sender.
 */
export async function createG2pOauthClient(ctx: OrgContext, raw: z.input<typeof createG2pOauthClientInput>) {
  assertCan(ctx, "integrations:manage");
  const input = createG2pOauthClientInput.parse(raw);
  const secret = randomBytes(32).toString("base64url");
  return ctx.db.transaction(async (tx) => {
    const [sender] = await tx
      .select({ id: g2pSenders.id, senderId: g2pSenders.senderId })
      .from(g2pSenders)
      .where(and(eq(g2pSenders.id, input.sender_row_id), eq(g2pSenders.orgId, ctx.org.id)));
    if (!sender) throw notFound("The sender");
    // As for API keys: the credentials cannot do more than their creator may grant.
    const allowed = grantableScopes(ctx.role);
    const refused = input.scopes.filter((s) => !allowed.includes(s));
    if (refused.length > 0) {
      throw badRequest("Your role cannot grant some of these scopes.", {
        scopes: `Your role cannot grant ${refused.join(", ")}. You may grant: ${allowed.filter((s) => s.endsWith(":disbursements")).join(", ") || "none of the G2P scopes"}.`,
      });
    }
    // A client_id collision (62^16 space) is astronomically unlikely; retry a few times anyway.
    for (let attempt = 0; attempt < 5; attempt++) {
      let clientId = "g2pc_";
      for (let i = 0; i < 16; i++) clientId += BASE62[randomInt(BASE62.length)];
      const [row] = await tx
        .insert(g2pOauthClients)
        .values({
          orgId: ctx.org.id,
          senderRowId: sender.id,
          name: input.name,
          clientId,
          secretHash: hashOauthClientSecret(secret),
          scopes: input.scopes,
          createdBy: ctx.actor.userId,
        })
        .onConflictDoNothing()
        .returning();
      if (!row) continue;
      await recordAuditEvent(tx, {
        orgId: ctx.org.id,
        actorUserId: ctx.actor.userId,
        action: "g2p_oauth_client.created",
        targetId: row.id,
        details: { name: row.name, client_id: clientId, sender_id: sender.senderId, scopes: row.scopes },
      });
      return { ...oauthClientView(row, sender, null), client_secret: secret };
    }
    throw new Error("could not allocate a unique client_id");
  });
}
