import type { DbOrTx } from "@/db/client";
import { scopesAllow } from "@/server/domain/api-scopes";
import { can, type Permission } from "@/server/domain/permissions";
import type { Role } from "@/server/domain/roles";
import { forbidden } from "./errors";

/**
 * What every organization-scoped service verb receives: who acts, in which organization,
 * with which role, and the database handle (a pool or the caller's open transaction). The layer
 * rules: docs/architecture.md#layers.
 */
export type OrgContext = {
  db: DbOrTx;
  actor: { userId: string };
  org: { id: string };
  role: Role;
  /**
   * Set when an API key acts (server/services/api-keys/authenticate-api-key.ts): the key's scopes,
   * which every permission check must also satisfy (server/domain/api-scopes.ts).
   */
  scopes?: readonly string[];
  /** The acting API key, for logs and audit details. */
  apiKeyId?: string;
};

/** Services re-check permissions so the REST API and the worker cannot bypass them. */
export function assertCan(ctx: Pick<OrgContext, "role" | "scopes">, permission: Permission) {
  if (!can(ctx.role, permission)) throw forbidden();
  if (ctx.scopes && !scopesAllow(ctx.scopes, permission)) throw forbidden("This API key's scopes do not allow this.", "FORBIDDEN_SCOPE");
}
