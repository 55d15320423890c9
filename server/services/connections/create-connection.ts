import type { z } from "zod";
import { paymentConnections } from "@/db/schema";
import { createConnectionInput } from "@/server/schemas/connections.schema";
import { recordAuditEvent } from "../audit/record-audit-event";
import { assertCan, type OrgContext } from "../context";
import { conflict, notFound } from "../errors";
import { assertEndpointUrls, assertPemCredentials, checkCurrencyMapping, parseInput } from "./connection-input";
import { connectionViews } from "./connection-view";
import { sealCredentials } from "./credentials-box";

export const duplicateName = (name: string) =>
  conflict(`A connection named "${name}" already exists.`, { name: "Another connection of this organization has this name." }, "ALREADY_EXISTS");

/**
 * Add a payment connection: a rail type, a name (unique per organization, any case), its settings
 * checked for the rail, credentials sealed at rest, and the assets it pays. Several connections of
 * one rail type are allowed (two banks, several Stellar distribution accounts).
 */
export async function createConnection(ctx: OrgContext, raw: z.input<typeof createConnectionInput>) {
  assertCan(ctx, "connections:manage");
  const input = parseInput(createConnectionInput, raw);
  assertEndpointUrls(input.rail_type, input.settings);
  assertPemCredentials(input.rail_type, input.credentials);
  const currencyMapping = await checkCurrencyMapping(ctx, input.rail_type, input.currency_mapping);
  const id = await ctx.db.transaction(async (tx) => {
    const now = new Date();
    const [row] = await tx
      .insert(paymentConnections)
      .values({
        orgId: ctx.org.id,
        railType: input.rail_type,
        name: input.name,
        enabled: input.enabled,
        settings: input.settings,
        credentialsSealed: input.credentials ? sealCredentials(input.credentials) : null,
        credentialsUpdatedAt: input.credentials ? now : null,
        currencyMapping,
        fieldMapping: input.field_mapping,
        createdBy: ctx.actor.userId,
      })
      .onConflictDoNothing()
      .returning({ id: paymentConnections.id });
    if (!row) throw duplicateName(input.name);
    await recordAuditEvent(tx, {
      orgId: ctx.org.id,
      actorUserId: ctx.actor.userId,
      action: "connection.created",
      targetId: row.id,
      details: {
        rail_type: input.rail_type,
        name: input.name,
        enabled: input.enabled,
        settings: input.settings,
        credentials: input.credentials ? "set" : "not set",
        currency_mapping: currencyMapping,
        ...(ctx.apiKeyId ? { api_key_id: ctx.apiKeyId } : {}),
      },
    });
    return row.id;
  });
  const [view] = await connectionViews(ctx, id);
  if (!view) throw notFound("The connection");
  return view;
}
