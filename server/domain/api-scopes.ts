import { PERMISSIONS, can, type Permission } from "./permissions";
import type { Role } from "./roles";

/**
 * API key scopes (docs/domain.md#api-keys-and-scopes): `read:<area>` / `write:<area>` per area, plus
 * `read:all` and `write:all`. A write scope implies the read scope of the same area. Pure: the server and
 * the UI read the same tables.
 */
export const API_SCOPE_AREAS = ["disbursements", "payments", "receivers", "wallets", "assets", "organization", "connections", "statements"] as const;
export type ApiScopeArea = (typeof API_SCOPE_AREAS)[number];
export type ApiScopeLevel = "read" | "write";
export type ApiScope = `${ApiScopeLevel}:${ApiScopeArea | "all"}`;

export const API_SCOPES: readonly ApiScope[] = ["read:all", "write:all", ...API_SCOPE_AREAS.flatMap((area) => [`read:${area}`, `write:${area}`] as const)];

export const API_SCOPE_LABELS: Record<ApiScopeArea | "all", string> = {
  all: "Everything",
  disbursements: "Disbursements",
  payments: "Payments",
  receivers: "Receivers",
  wallets: "Wallets",
  assets: "Assets",
  organization: "Organization",
  connections: "Connections and routing",
  statements: "Bank files",
};

export function isApiScope(value: unknown): value is ApiScope {
  return typeof value === "string" && (API_SCOPES as readonly string[]).includes(value);
}

/**
 * Which scopes let a key use a permission: any one of them suffices. `null` means never through a
 * key: managing users, API keys and integrations (G2P senders) stays with people signed in to the app.
 *
 * The permission matrix has no separate read permission for payments and receivers (both are
 * read under `disbursements:read`), so any of the three read scopes passes that service check; the
 * REST route then requires its own area's scope (server/rest/openapi.ts lists it per route), so a
 * `read:payments` key can list payments but not disbursements. Likewise wallets and assets are
 * read under `organization:read`.
 */
export const PERMISSION_SCOPES: Record<Permission, readonly ApiScope[] | null> = {
  "users:manage": null,
  "api_keys:manage": null,
  "organization:read": ["read:organization", "read:wallets", "read:assets"],
  "organization:write": ["write:organization"],
  "disbursements:read": ["read:disbursements", "read:payments", "read:receivers"],
  "disbursements:write": ["write:disbursements"],
  "disbursements:start": ["write:disbursements"],
  "payments:retry": ["write:payments"],
  "payments:cancel": ["write:payments"],
  "receivers:write": ["write:receivers"],
  // Receivers' one-time codes and registration links: shown to people in the app only.
  "receivers:secrets": null,
  "assets:write": ["write:assets"],
  "wallets:write": ["write:wallets"],
  "exports:read": ["read:disbursements", "read:payments", "read:receivers"],
  // Registering G2P senders decides who may move money: people only, never a key.
  "integrations:manage": null,
  "connections:read": ["read:connections"],
  "connections:manage": ["write:connections"],
  "routing:manage": ["write:connections"],
  "bank_files:read": ["read:statements"],
  // A bank posting its statement back uses a key with this scope (docs/bank-files.md).
  "bank_files:import": ["write:statements"],
};

function parse(scope: ApiScope): { level: ApiScopeLevel; area: string } {
  const [level, area] = scope.split(":") as [ApiScopeLevel, string];
  return { level, area };
}

/** Whether granted scopes cover `needed` (`write:x` covers `read:x`; `<level>:all` covers every area). */
export function hasScope(granted: readonly string[], needed: ApiScope): boolean {
  const { level, area } = parse(needed);
  const covering = level === "read" ? [`read:${area}`, "read:all", `write:${area}`, "write:all"] : [`write:${area}`, "write:all"];
  return covering.some((s) => granted.includes(s));
}

/** Whether a key with these scopes may use the permission (the role check comes on top). */
export function scopesAllow(granted: readonly string[], permission: Permission): boolean {
  const options = PERMISSION_SCOPES[permission];
  return options !== null && options.some((s) => hasScope(granted, s));
}

/** Every permission a scope unlocks. */
export function permissionsOfScope(scope: ApiScope): Permission[] {
  return (Object.keys(PERMISSIONS) as Permission[]).filter((p) => scopesAllow([scope], p));
}

/**
 * Scopes a member of this role may put on a new key: only those whose every unlocked permission
 * the role holds itself, so a developer cannot mint a key that reads disbursements.
 */
export function grantableScopes(role: Role): ApiScope[] {
  return API_SCOPES.filter((scope) => permissionsOfScope(scope).every((p) => can(role, p)));
}

/** Sorted, deduplicated scopes with redundant ones dropped (`read:x` beside `write:x`, areas beside `all`). */
export function normalizeScopes(scopes: readonly ApiScope[]): ApiScope[] {
  const set = new Set(scopes);
  return API_SCOPES.filter((s) => {
    if (!set.has(s)) return false;
    const others = [...set].filter((o) => o !== s);
    return !hasScope(others, s);
  });
}
