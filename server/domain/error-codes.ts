/**
 * Stable domain reasons for refused requests: the "why" beside the HTTP-like class of a
 * ServiceError (server/services/errors.ts). Clients branch on these, never on messages or extras
 * keys. No server imports: the browser reads this file too (components/trpc/errors.ts).
 * A reason, once published, keeps its name and meaning; docs/errors.md lists them.
 */
export const ERROR_REASONS = {
  VALIDATION_FAILED: { status: [400], meaning: "The input or uploaded file failed validation; extras name each field or CSV line." },
  INVALID_TRANSITION: { status: [400, 409], meaning: "The state machine refuses this status change from the current status." },
  INVALID_STATE: { status: [400, 409], meaning: "The current status of the resource does not allow this action (not itself a status change)." },
  ENVELOPE_INCOMPLETE: { status: [400], meaning: "A G2P envelope has not received (or the file does not fit) the payment count or total it declares." },
  ENVELOPE_NOT_DUE: { status: [400], meaning: "A G2P envelope is complete but its schedule date has not come; it cannot start yet." },
  G2P_MANAGED: { status: [400], meaning: "The disbursement's payments come from a G2P Connect sender; upload and delete are refused." },
  RESOURCE_DISABLED: { status: [400], meaning: "The wallet or asset involved is disabled." },
  SELF_ACTION: { status: [400], meaning: "A member cannot change their own role, deactivate, revoke or remove themselves." },
  LAST_OWNER: { status: [400], meaning: "The organization must keep at least one active owner." },
  LINK_INVALID: { status: [400, 403, 404], meaning: "A registration or password link is unknown, expired or already used." },
  INVALID_CODE: { status: [400, 401], meaning: "A one-time or two-factor code is wrong, expired or was not requested." },
  INVALID_CREDENTIALS: { status: [400, 401], meaning: "The e-mail and password (or the current password) do not match." },
  UNAUTHENTICATED: { status: [401], meaning: "Not signed in, or the API key is missing, unknown, revoked, expired or used from a refused address." },
  FORBIDDEN_ROLE: { status: [403], meaning: "The member's role does not allow this action." },
  FORBIDDEN_SCOPE: { status: [403], meaning: "The API key's scopes do not allow this action." },
  NO_MEMBERSHIP: { status: [403], meaning: "The account has no active membership in an organization." },
  MFA_REQUIRED: { status: [403], meaning: "The organization requires two-factor authentication and the account has not enrolled." },
  APPROVAL_REQUIRED: { status: [403], meaning: "Two-person rule: someone other than the disbursement's creator or uploader must start it." },
  ACCOUNT_DEACTIVATED: { status: [403], meaning: "The account is deactivated in its organization." },
  NOT_FOUND: { status: [404], meaning: "The resource does not exist or belongs to another organization." },
  ALREADY_EXISTS: { status: [409], meaning: "A resource with the same name, e-mail, phone, address or id already exists." },
  CONFLICT: { status: [409], meaning: "The request conflicts with the resource's current state (fallback for conflicts)." },
  CONCURRENT_CHANGE: { status: [409], meaning: "The data changed while the request was processed; sending it again resolves it." },
  INSUFFICIENT_BALANCE: { status: [409], meaning: "The distribution account cannot cover this disbursement plus the payments already in flight." },
  UNROUTED_PAYMENTS: { status: [409], meaning: "No enabled routing rule routes some payments of the disbursement to a usable connection; extras list the first ones." },
  RAIL_NOT_DISPATCHED: { status: [409], meaning: "Some payments route to a connection whose rail the platform cannot pay through yet; extras list the first ones." },
  PAYLOAD_TOO_LARGE: { status: [400, 413], meaning: "The request body or uploaded file exceeds the size limit." },
  DELIVERY_FAILED: { status: [422], meaning: "A message (such as a one-time code) could not be sent to the receiver." },
  UNPROCESSABLE: { status: [422], meaning: "The request is well formed but cannot be carried out (fallback for 422)." },
  RATE_LIMITED: { status: [429], meaning: "Too many attempts or requests; wait before trying again." },
  INTERNAL: { status: [500], meaning: "An unexpected server error; the details are in the server log only." },
} as const satisfies Record<string, { status: readonly number[]; meaning: string }>;

export type ErrorReason = keyof typeof ERROR_REASONS;

export const ERROR_REASON_NAMES = Object.keys(ERROR_REASONS) as ErrorReason[];

export function isErrorReason(value: unknown): value is ErrorReason {
  return typeof value === "string" && Object.hasOwn(ERROR_REASONS, value);
}
