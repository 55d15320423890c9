import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { paymentConnections } from "@/db/schema";
import { fieldMappingProblems, SETTINGS_SCHEMAS, updateConnectionInput } from "@/server/schemas/connections.schema";
import { recordAuditEvent } from "../audit/record-audit-event";
import { assertCan, type OrgContext } from "../context";
import { badRequest, notFound } from "../errors";
import { assertEndpointUrls, checkCurrencyMapping, parseInput } from "./connection-input";
import { connectionViews } from "./connection-view";
import { duplicateName } from "./create-connection";

const isUniqueViolation = (error: unknown) =>
  (error as { code?: string; cause?: { code?: string } })?.code === "23505" || (error as { cause?: { code?: string } })?.cause?.code === "23505";

/**
 * Change a connection's name, settings (checked for its rail type, which never changes), currency
 * mapping or field mapping; what is not given stays. New settings make the last health check
 * meaningless, so the health goes back to UNKNOWN until the next test.
 */
export async function updateConnection(ctx: OrgContext, raw: z.input<typeof updateConnectionInput>) {
  assertCan(ctx, "connections:manage");
  const input = parseInput(updateConnectionInput, raw);
  const [current] = await ctx.db
    .select()
    .from(paymentConnections)
    .where(and(eq(paymentConnections.id, input.id), eq(paymentConnections.orgId, ctx.org.id)));
  if (!current) throw notFound("The connection");
  const settings =
    input.settings === undefined
      ? undefined
      : (parseInput(z.object({ settings: SETTINGS_SCHEMAS[current.railType] }), { settings: input.settings }).settings as Record<string, unknown>);
  if (settings) assertEndpointUrls(current.railType, settings);
  if (input.field_mapping) {
    const problems = Object.entries(fieldMappingProblems(current.railType, input.field_mapping));
    if (problems.length > 0) {
      const [key, message] = problems[0]!;
      throw badRequest(`field_mapping.${key}: ${message}`, Object.fromEntries(problems.map(([k, m]) => [`field_mapping.${k}`, m])));
    }
  }
  const currencyMapping = input.currency_mapping === undefined ? undefined : await checkCurrencyMapping(ctx, current.railType, input.currency_mapping);

  const changed: Record<string, unknown> = {};
  if (input.name !== undefined && input.name !== current.name) changed.name = input.name;
  if (settings && JSON.stringify(settings) !== JSON.stringify(current.settings)) changed.settings = settings;
  if (currencyMapping && JSON.stringify(currencyMapping) !== JSON.stringify(current.currencyMapping)) changed.currency_mapping = currencyMapping;
  if (input.field_mapping && JSON.stringify(input.field_mapping) !== JSON.stringify(current.fieldMapping)) changed.field_mapping = input.field_mapping;

  if (Object.keys(changed).length > 0) {
    try {
      await ctx.db.transaction(async (tx) => {
        const [row] = await tx
          .update(paymentConnections)
          .set({
            ...(changed.name !== undefined ? { name: input.name } : {}),
            ...(changed.settings !== undefined ? { settings, healthStatus: "UNKNOWN" as const, healthMessage: null, healthCheckedAt: null } : {}),
            ...(changed.currency_mapping !== undefined ? { currencyMapping } : {}),
            ...(changed.field_mapping !== undefined ? { fieldMapping: input.field_mapping } : {}),
            updatedAt: new Date(),
          })
          .where(and(eq(paymentConnections.id, input.id), eq(paymentConnections.orgId, ctx.org.id)))
          .returning({ id: paymentConnections.id });
        if (!row) throw notFound("The connection");
        await recordAuditEvent(tx, {
          orgId: ctx.org.id,
          actorUserId: ctx.actor.userId,
          action: "connection.updated",
          targetId: row.id,
          details: { name: current.name, rail_type: current.railType, changed, ...(ctx.apiKeyId ? { api_key_id: ctx.apiKeyId } : {}) },
        });
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw duplicateName(input.name ?? current.name);
      throw error;
    }
  }
  const [view] = await connectionViews(ctx, input.id);
  if (!view) throw notFound("The connection");
  return view;
}
