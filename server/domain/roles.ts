/** The six roles of SDP (docs/domain.md#roles-and-permissions). A user holds exactly one per organization. */
export const ROLES = ["owner", "financial_controller", "developer", "business", "initiator", "approver"] as const;

export type Role = (typeof ROLES)[number];

export const ROLE_LABELS: Record<Role, string> = {
  owner: "Owner",
  financial_controller: "Financial controller",
  developer: "Developer",
  business: "Business user",
  initiator: "Initiator",
  approver: "Approver",
};

export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}
