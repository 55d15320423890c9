import type { Permission } from "@/server/domain/permissions";

export type NavItem = { href: string; label: string; permission: Permission; icon: NavIcon };
export type NavIcon =
  | "home"
  | "disbursements"
  | "receivers"
  | "payments"
  | "wallets"
  | "distribution"
  | "team"
  | "keys"
  | "settings"
  | "outbox"
  | "integrations"
  | "connections"
  | "routing"
  | "reconciliation";

/** The sidebar, in order; each entry shows only to roles holding its permission. */
export const NAV_ITEMS: NavItem[] = [
  { href: "/", label: "Home", permission: "organization:read", icon: "home" },
  { href: "/disbursements", label: "Disbursements", permission: "disbursements:read", icon: "disbursements" },
  { href: "/receivers", label: "Receivers", permission: "disbursements:read", icon: "receivers" },
  { href: "/payments", label: "Payments", permission: "disbursements:read", icon: "payments" },
  { href: "/outbox", label: "Outbox", permission: "disbursements:read", icon: "outbox" },
  { href: "/reconciliation", label: "Reconciliation", permission: "bank_files:read", icon: "reconciliation" },
  { href: "/wallets", label: "Wallets & assets", permission: "organization:read", icon: "wallets" },
  { href: "/distribution-account", label: "Distribution account", permission: "organization:read", icon: "distribution" },
  { href: "/connections", label: "Connections", permission: "connections:read", icon: "connections" },
  { href: "/routing", label: "Routing rules", permission: "connections:read", icon: "routing" },
  { href: "/team", label: "Team", permission: "users:manage", icon: "team" },
  { href: "/api-keys", label: "API keys", permission: "api_keys:manage", icon: "keys" },
  { href: "/integrations", label: "Integrations", permission: "integrations:manage", icon: "integrations" },
  { href: "/settings", label: "Settings", permission: "organization:read", icon: "settings" },
];
