import { createRoutingRule } from "@/server/services/routing/create-routing-rule";
import { deleteRoutingRule } from "@/server/services/routing/delete-routing-rule";
import { listRoutingRules, routingRuleOptions } from "@/server/services/routing/list-routing-rules";
import { previewDisbursementRouting } from "@/server/services/routing/preview-disbursement-routing";
import { reorderRoutingRules } from "@/server/services/routing/reorder-routing-rules";
import { setRoutingRuleEnabled } from "@/server/services/routing/set-routing-rule-enabled";
import { updateRoutingRule } from "@/server/services/routing/update-routing-rule";
import {
  createRoutingRuleInput,
  reorderRoutingRulesInput,
  routingPreviewInput,
  routingRuleIdInput,
  setRoutingRuleEnabledInput,
  updateRoutingRuleInput,
} from "@/server/schemas/routing.schema";
import { requirePermission, router } from "../init";

const read = requirePermission("connections:read");
const manage = requirePermission("routing:manage");
// Amounts per connection of a disbursement: the disbursement readers (who all read connections too).
const readDisbursement = requirePermission("disbursements:read");

/** The Routing rules page and the disbursement's routing preview (docs/rails.md "Routing rules"). */
export const routingRouter = router({
  list: read.query(({ ctx }) => listRoutingRules(ctx.service)),
  options: read.query(({ ctx }) => routingRuleOptions(ctx.service)),
  preview: readDisbursement.input(routingPreviewInput).query(({ ctx, input }) => previewDisbursementRouting(ctx.service, input)),
  create: manage.input(createRoutingRuleInput).mutation(({ ctx, input }) => createRoutingRule(ctx.service, input)),
  update: manage.input(updateRoutingRuleInput).mutation(({ ctx, input }) => updateRoutingRule(ctx.service, input)),
  setEnabled: manage.input(setRoutingRuleEnabledInput).mutation(({ ctx, input }) => setRoutingRuleEnabled(ctx.service, input)),
  reorder: manage.input(reorderRoutingRulesInput).mutation(({ ctx, input }) => reorderRoutingRules(ctx.service, input)),
  delete: manage.input(routingRuleIdInput).mutation(({ ctx, input }) => deleteRoutingRule(ctx.service, input)),
});
