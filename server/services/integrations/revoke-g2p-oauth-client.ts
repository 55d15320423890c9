import { and, eq, isNull } from "drizzle-orm";
import type { z } from "zod";
import { g2pOauthClients } from "@/db/schema";
import { revokeG2pOauthClientInput } from "@/server/schemas/g2p-oauth.schema";
import { recordAuditEvent } from "../audit/record-audit-event";
import { assertCan, type OrgContext } from "../context";
import { notFound } from "../errors";
import { oauthClientViews } from "./list-g2p-oauth-clients";

export { revokeG2pOauthClientInput } from "@/server/schemas/g2p-oauth.schema";

/**
 * Revoke client credentials for good: the token endpoint refuses them (invalid_client) and every
 * access token already issued to them is refused from the next request on (401). Revoking twice
 * is harmless.
 */
export async function revokeG2pOauthClient(ctx: OrgContext, raw: z.input<typeof revokeG2pOauthClientInput>) {
  assertCan(ctx, "integrations:manage");
  const input = revokeG2pOauthClientInput.parse(raw);
  await ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .update(g2pOauthClients)
      .set({ revokedAt: new Date() })
      .where(and(eq(g2pOauthClients.id, input.id), eq(g2pOauthClients.orgId, ctx.org.id), isNull(g2pOauthClients.revokedAt)))
      .returning();
    if (row) {
      await recordAuditEvent(tx, {
        orgId: ctx.org.id,
        actorUserId: ctx.actor.userId,
        action: "g2p_oauth_client.revoked",
        targetId: row.id,
        details: { name: row.name, client_id: row.clientId },
      });
    }
  });
  const [view] = await oauthClientViews(ctx, input.id);
  if (!view) throw notFound("The client credentials");
  return view;
}
