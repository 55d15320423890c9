import { createApiKey, createApiKeyInput } from "@/server/services/api-keys/create-api-key";
import { listApiKeys } from "@/server/services/api-keys/list-api-keys";
import { revokeApiKey } from "@/server/services/api-keys/revoke-api-key";
import { requirePermission, router } from "../init";
import { revokeApiKeyInput } from "@/server/schemas/api-keys.schema";

const manageKeys = requirePermission("api_keys:manage");

export const apiKeysRouter = router({
  list: manageKeys.query(({ ctx }) => listApiKeys(ctx.service)),
  create: manageKeys.input(createApiKeyInput).mutation(({ ctx, input }) => createApiKey(ctx.service, input)),
  revoke: manageKeys.input(revokeApiKeyInput).mutation(({ ctx, input }) => revokeApiKey(ctx.service, input)),
});
