import { and, eq, isNull } from "drizzle-orm";
import type { z } from "zod";
import { apiKeys } from "@/db/schema";
import { recordAuditEvent } from "../audit/record-audit-event";
import { assertCan, type OrgContext } from "../context";
import { notFound } from "../errors";
import { apiKeyView } from "./list-api-keys";
import { revokeApiKeyInput } from "@/server/schemas/api-keys.schema";

export { revokeApiKeyInput } from "@/server/schemas/api-keys.schema";

/** Revoke a key for good: the next request with it gets 401. Revoking twice is harmless. */
export async function revokeApiKey(ctx: OrgContext, raw: z.input<typeof revokeApiKeyInput>) {
  assertCan(ctx, "api_keys:manage");
  const input = revokeApiKeyInput.parse(raw);
  return ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .update(apiKeys)
      .set({ revokedAt: new Date() })
      .where(and(eq(apiKeys.id, input.id), eq(apiKeys.orgId, ctx.org.id), isNull(apiKeys.revokedAt)))
      .returning();
    if (row) {
      await recordAuditEvent(tx, {
        orgId: ctx.org.id,
        actorUserId: ctx.actor.userId,
        action: "api_key.revoked",
        targetId: row.id,
        details: { name: row.name, prefix: row.prefix },
      });
      return apiKeyView(row, null);
    }
    const existing = await tx.query.apiKeys.findFirst({ where: and(eq(apiKeys.id, input.id), eq(apiKeys.orgId, ctx.org.id)) });
    if (!existing) throw notFound("The API key");
    return apiKeyView(existing, null);
  });
}
