import "server-only";
import { can, type Permission } from "@/server/domain/permissions";
import { ROLE_LABELS } from "@/server/domain/roles";
import { requireMembership } from "./session";

/** For server pages: the membership plus whether its role holds the permission the page needs. */
export async function pageAccess(permission: Permission) {
  const membership = await requireMembership();
  return { ...membership, allowed: can(membership.role, permission), roleLabel: ROLE_LABELS[membership.role] };
}
