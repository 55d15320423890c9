import type { DisbursementStatus, StatusHistoryEntry } from "./disbursement-types";
import { can } from "./permissions";
import type { Role } from "./roles";
import { DELETABLE_DISBURSEMENT_STATUSES, DISBURSEMENT_TRANSITIONS, UPLOADABLE_DISBURSEMENT_STATUSES } from "./state-machines";

/** The two-person rule's test: did this user author the DRAFT or READY step? */
export function authoredDraftOrReady(history: Pick<StatusHistoryEntry, "user_id" | "status">[], userId: string): boolean {
  return history.some((h) => h.user_id === userId && (h.status === "DRAFT" || h.status === "READY"));
}

export type DisbursementAction = "upload" | "start" | "pause" | "resume" | "delete";

/**
 * What this user may do to this disbursement now: the transition table, the role's permissions
 * and the two-person rule combined. The UI shows exactly these buttons; the server re-checks.
 */
export function disbursementActions(input: {
  status: DisbursementStatus;
  statusHistory: StatusHistoryEntry[];
  role: Role;
  userId: string;
  approvalRequired: boolean;
}): { allowed: DisbursementAction[]; startBlockedReason: string | null } {
  const { status, role } = input;
  const allowed: DisbursementAction[] = [];
  let startBlockedReason: string | null = null;
  const next = DISBURSEMENT_TRANSITIONS[status];
  if (can(role, "disbursements:write") && UPLOADABLE_DISBURSEMENT_STATUSES.includes(status)) allowed.push("upload");
  if (can(role, "disbursements:start")) {
    if (status === "READY" && next.includes("STARTED")) {
      if (input.approvalRequired && authoredDraftOrReady(input.statusHistory, input.userId)) {
        startBlockedReason = "Approval is required: someone other than the creator or uploader must start this disbursement.";
      } else allowed.push("start");
    }
    if (status === "STARTED" && next.includes("PAUSED")) allowed.push("pause");
    if (status === "PAUSED" && next.includes("STARTED")) allowed.push("resume");
  }
  if (can(role, "disbursements:write") && DELETABLE_DISBURSEMENT_STATUSES.includes(status)) allowed.push("delete");
  return { allowed, startBlockedReason };
}
