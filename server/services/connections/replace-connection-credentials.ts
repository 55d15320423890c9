import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { paymentConnections } from "@/db/schema";
import { CREDENTIALS_SCHEMAS, replaceConnectionCredentialsInput } from "@/server/schemas/connections.schema";
import { recordAuditEvent } from "../audit/record-audit-event";
import { assertCan, type OrgContext } from "../context";
import { badRequest, notFound } from "../errors";
import { assertPemCredentials, parseInput } from "./connection-input";
import { connectionViews } from "./connection-view";
import { sealCredentials } from "./credentials-box";

/**
 * Replace a connection's credentials (write-only: they are never shown, only "set on <date>").
 * The health goes back to UNKNOWN: the old check said nothing about the new key.
 */
export async function replaceConnectionCredentials(ctx: OrgContext, raw: z.input<typeof replaceConnectionCredentialsInput>) {
  assertCan(ctx, "connections:manage");
  const input = parseInput(replaceConnectionCredentialsInput, raw);
  await ctx.db.transaction(async (tx) => {
    const [current] = await tx
      .select({ railType: paymentConnections.railType, name: paymentConnections.name })
      .from(paymentConnections)
      .where(and(eq(paymentConnections.id, input.id), eq(paymentConnections.orgId, ctx.org.id)))
      .for("update");
    if (!current) throw notFound("The connection");
    if (current.railType === "STELLAR") {
      throw badRequest("A Stellar connection has no credentials: it pays from the organization's distribution account, whose key the platform keeps.", {
        credentials: "Stellar connections have no credentials.",
      });
    }
    const credentials = parseInput(z.object({ credentials: CREDENTIALS_SCHEMAS[current.railType] }), { credentials: input.credentials }).credentials as Record<
      string,
      string
    >;
    if (Object.keys(credentials).length === 0) {
      // A Mojaloop connection's keys are both optional, but replacing them with nothing is a mistake, not a removal.
      const message = "Give the JWS signing key, the switch's public key or certificate, or both.";
      throw badRequest(message, { credentials: message });
    }
    assertPemCredentials(current.railType, credentials);
    const now = new Date();
    await tx
      .update(paymentConnections)
      .set({
        credentialsSealed: sealCredentials(credentials),
        credentialsUpdatedAt: now,
        healthStatus: "UNKNOWN",
        healthMessage: null,
        healthCheckedAt: null,
        updatedAt: now,
      })
      .where(and(eq(paymentConnections.id, input.id), eq(paymentConnections.orgId, ctx.org.id)));
    await recordAuditEvent(tx, {
      orgId: ctx.org.id,
      actorUserId: ctx.actor.userId,
      action: "connection.credentials_replaced",
      targetId: input.id,
      details: { name: current.name, rail_type: current.railType, ...(ctx.apiKeyId ? { api_key_id: ctx.apiKeyId } : {}) },
    });
  });
  const [view] = await connectionViews(ctx, input.id);
  if (!view) throw notFound("The connection");
  return view;
}
