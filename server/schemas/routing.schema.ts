import { z } from "zod";
import { toStroops } from "@/server/domain/money";
import { DESTINATION_KINDS } from "@/server/domain/rails";

/**
 * Input schemas of routing rules (docs/rails.md "Routing rules"), shared by the services, the tRPC
 * router, the REST routes and the rule form. Checks that need the database (the connections and
 * assets belong to the organization) are the service's (server/services/routing/rule-input.ts).
 */

export const RULE_NAME_MAX = 120;
export const ATTRIBUTE_NAME_MAX = 40;
export const ATTRIBUTE_VALUE_MAX = 100;
export const ATTRIBUTE_VALUES_MAX = 50;
export const RULE_ASSETS_MAX = 50;
/** Plenty for an ordered list people read; keeps one evaluation statement small. */
export const RULES_MAX = 100;

/** Lower-case letters, digits and underscores: the receiver attribute keys (a CSV column, a G2P meta field). */
export const ATTRIBUTE_NAME_PATTERN = /^[a-z][a-z0-9_]*$/;
const AMOUNT_PATTERN = /^\d{1,12}(\.\d{1,7})?$/;

const blankToUndefined = (v: string | undefined) => (v === undefined || v.trim() === "" ? undefined : v.trim());

const amountField = z
  .string()
  .optional()
  .transform(blankToUndefined)
  .refine((v) => v === undefined || AMOUNT_PATTERN.test(v), "Enter an amount such as 500 or 12.50 (at most 7 decimals).");

export const ruleNameField = z.string().trim().min(1, "Enter a name.").max(RULE_NAME_MAX, `Use at most ${RULE_NAME_MAX} characters.`);

export const routingConditionsInput = z
  .object({
    min_amount: amountField,
    max_amount: amountField,
    asset_ids: z
      .array(z.uuid("Choose an asset."))
      .max(RULE_ASSETS_MAX)
      .optional()
      .transform((v) => (v?.length ? [...new Set(v)] : undefined)),
    destination_kinds: z
      .array(z.enum(DESTINATION_KINDS, { error: `destination kind must be one of ${DESTINATION_KINDS.join(", ")}` }))
      .optional()
      .transform((v) => (v?.length ? [...new Set(v)] : undefined)),
    attribute: z
      .object({
        name: z
          .string()
          .trim()
          .toLowerCase()
          .min(1, "Enter the attribute's name, e.g. region.")
          .max(ATTRIBUTE_NAME_MAX, `Use at most ${ATTRIBUTE_NAME_MAX} characters.`)
          .regex(ATTRIBUTE_NAME_PATTERN, "Use lower-case letters, digits and _ (a CSV column name such as region)."),
        values: z
          .array(z.string().trim().min(1, "A value cannot be empty.").max(ATTRIBUTE_VALUE_MAX, `Use at most ${ATTRIBUTE_VALUE_MAX} characters.`))
          .min(1, "Enter at least one value.")
          .max(ATTRIBUTE_VALUES_MAX, `Use at most ${ATTRIBUTE_VALUES_MAX} values.`),
      })
      .nullish()
      .transform((v) => v ?? undefined),
  })
  .refine((c) => c.min_amount === undefined || c.max_amount === undefined || toStroops(c.min_amount) <= toStroops(c.max_amount), {
    message: "The minimum amount must not be above the maximum.",
    path: ["max_amount"],
  });

export type RoutingConditionsInput = z.input<typeof routingConditionsInput>;

const ruleFields = {
  name: ruleNameField,
  enabled: z.boolean().optional(),
  conditions: routingConditionsInput.optional().transform((v) => v ?? {}),
  connection_id: z.uuid("Choose the connection."),
  fallback_connection_id: z
    .uuid("Choose the fallback connection.")
    .nullish()
    .transform((v) => v ?? null),
};

const fallbackDiffers = (r: { connection_id?: string; fallback_connection_id?: string | null }) =>
  !r.fallback_connection_id || !r.connection_id || r.fallback_connection_id !== r.connection_id;
const FALLBACK_MESSAGE = { message: "The fallback must be another connection than the target.", path: ["fallback_connection_id"] };

export const createRoutingRuleInput = z.object(ruleFields).refine(fallbackDiffers, FALLBACK_MESSAGE);
export type CreateRoutingRuleInput = z.input<typeof createRoutingRuleInput>;

/** Every field but the id may be left out: what is given replaces the rule's value. */
export const updateRoutingRuleFields = z.object({
  id: z.uuid(),
  name: ruleNameField.optional(),
  enabled: z.boolean().optional(),
  conditions: routingConditionsInput.optional(),
  connection_id: z.uuid("Choose the connection.").optional(),
  fallback_connection_id: z.uuid("Choose the fallback connection.").nullable().optional(),
});
export const updateRoutingRuleInput = updateRoutingRuleFields.refine(fallbackDiffers, FALLBACK_MESSAGE);
export type UpdateRoutingRuleInput = z.input<typeof updateRoutingRuleInput>;

export const routingRuleIdInput = z.object({ id: z.uuid() });
export const setRoutingRuleEnabledInput = z.object({ id: z.uuid(), enabled: z.boolean() });

/** The organization's rules in their new order: every rule id exactly once. */
export const reorderRoutingRulesInput = z.object({
  ids: z
    .array(z.uuid())
    .min(1, "List the rules in their new order.")
    .max(RULES_MAX)
    .refine((ids) => new Set(ids).size === ids.length, "A rule is listed twice."),
});

export const routingPreviewInput = z.object({ disbursement_id: z.uuid() });

/** How many unrouted payments a preview or a refused start lists. */
export const UNROUTED_LISTED = 50;
