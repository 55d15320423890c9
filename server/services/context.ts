import type { DbOrTx } from "@/db/client";
import { can, type Permission } from "@/server/domain/permissions";
import type { Role } from "@/server/domain/roles";
import { forbidden } from "./errors";

/**
 * What every organization-scoped service verb receives: who acts, in which organization,
 * with which role, and the database handle (a pool or the caller's open transaction).
 */
export type OrgContext = {
  db: DbOrTx;
  actor: { userId: string };
  org: { id: string };
  role: Role;
};

/** Services re-check permissions so the REST API and the worker cannot bypass them. */
export function assertCan(ctx: Pick<OrgContext, "role">, permission: Permission) {
  if (!can(ctx.role, permission)) throw forbidden();
}
