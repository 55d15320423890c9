/** Cookie naming the organization the user is working in (validated against memberships per request). */
export const ACTIVE_ORG_COOKIE = "active_org";
