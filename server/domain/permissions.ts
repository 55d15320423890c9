import type { Role } from "./roles";

/**
 * The permission matrix (docs/domain.md#roles-and-permissions): the single table both the server and the
 * UI read. A procedure or route guards with one permission; the UI shows only what the role may do.
 */
export const PERMISSIONS = {
  "users:manage": ["owner"],
  "api_keys:manage": ["owner", "developer"],
  "organization:read": ["owner", "financial_controller", "developer", "business", "initiator", "approver"],
  "organization:write": ["owner", "financial_controller"],
  "disbursements:read": ["owner", "financial_controller", "business", "initiator", "approver"],
  "disbursements:write": ["owner", "financial_controller", "initiator"],
  "disbursements:start": ["owner", "financial_controller", "approver"],
  "payments:retry": ["owner", "financial_controller", "business"],
  "payments:cancel": ["owner", "financial_controller"],
  "receivers:write": ["owner", "financial_controller", "initiator", "approver"],
  /** Receivers' one-time codes and registration links (Outbox bodies, staff-issued links): docs/security.md. */
  "receivers:secrets": ["owner", "financial_controller"],
  "assets:write": ["owner", "financial_controller", "developer"],
  "wallets:write": ["owner", "developer"],
  "exports:read": ["owner", "financial_controller", "initiator", "approver"],
  "integrations:manage": ["owner", "developer"],
  /** Payment connections and routing rules (docs/rails.md): everyone reads, money people change them. */
  "connections:read": ["owner", "financial_controller", "developer", "business", "initiator", "approver"],
  "connections:manage": ["owner", "financial_controller"],
  "routing:manage": ["owner", "financial_controller"],
  /** Bank files (status reports, statements) and their reconciliation (docs/bank-files.md). */
  "bank_files:read": ["owner", "financial_controller", "business", "initiator", "approver"],
  "bank_files:import": ["owner", "financial_controller"],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof PERMISSIONS;

export const ALL_PERMISSIONS = Object.keys(PERMISSIONS) as Permission[];

export function can(role: Role | null | undefined, permission: Permission): boolean {
  if (!role) return false;
  return (PERMISSIONS[permission] as readonly Role[]).includes(role);
}

export function permissionsOf(role: Role): Permission[] {
  return ALL_PERMISSIONS.filter((p) => can(role, p));
}
