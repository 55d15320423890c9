import type { DisbursementStatus, StatusHistoryEntry } from "./disbursement-types";
import { envelopeCancellationProblem, envelopeStartProblem, type EnvelopeState } from "./g2p/envelope-rules";
import { can } from "./permissions";
import type { Role } from "./roles";
import { DELETABLE_DISBURSEMENT_STATUSES, DISBURSEMENT_TRANSITIONS, UPLOADABLE_DISBURSEMENT_STATUSES } from "./state-machines";

/**
 * The two-person rule's one wording: the service's refusal (APPROVAL_REQUIRED), the actions'
 * startBlockedReason and the detail page all show this sentence.
 */
export const APPROVAL_REQUIRED_MESSAGE = "Approval is required: someone other than the disbursement's creator or uploader must start it.";

/** The two-person rule's test: did this user author the DRAFT or READY step? */
export function authoredDraftOrReady(history: Pick<StatusHistoryEntry, "user_id" | "status">[], userId: string): boolean {
  return history.some((h) => h.user_id === userId && (h.status === "DRAFT" || h.status === "READY"));
}

export type DisbursementAction = "upload" | "start" | "pause" | "resume" | "cancel" | "delete";

/**
 * What this user may do to this disbursement now: the transition table, the role's permissions,
 * the envelope rules (complete and due to start, before the schedule date to cancel) and the
 * two-person rule combined. The UI shows exactly these buttons; the server re-checks.
 */
export function disbursementActions(input: {
  status: DisbursementStatus;
  statusHistory: StatusHistoryEntry[];
  role: Role;
  userId: string;
  approvalRequired: boolean;
  /** Declared against received, and the schedule date; absent: nothing declared, no schedule. */
  envelope?: EnvelopeState | null;
  /** Made by a G2P Connect sender: its payments are the sender's items (no upload), and it is cancelled, not deleted. */
  fromG2p?: boolean;
  now?: Date;
}): { allowed: DisbursementAction[]; startBlockedReason: string | null } {
  const { status, role } = input;
  const now = input.now ?? new Date();
  const allowed: DisbursementAction[] = [];
  let startBlockedReason: string | null = null;
  const next = DISBURSEMENT_TRANSITIONS[status];
  if (can(role, "disbursements:write") && UPLOADABLE_DISBURSEMENT_STATUSES.includes(status) && !input.fromG2p) allowed.push("upload");
  if (can(role, "disbursements:start")) {
    if (status === "READY" && next.includes("STARTED")) {
      const envelopeProblem = input.envelope ? envelopeStartProblem(input.envelope, now) : null;
      if (envelopeProblem) startBlockedReason = envelopeProblem;
      else if (input.approvalRequired && authoredDraftOrReady(input.statusHistory, input.userId)) {
        startBlockedReason = APPROVAL_REQUIRED_MESSAGE;
      } else allowed.push("start");
    }
    if (status === "STARTED" && next.includes("PAUSED")) allowed.push("pause");
    if (status === "PAUSED" && next.includes("STARTED")) allowed.push("resume");
  }
  const write = can(role, "disbursements:write");
  const deletable = write && DELETABLE_DISBURSEMENT_STATUSES.includes(status) && !input.fromG2p;
  // DRAFT → CANCELED is an envelope's transition (a G2P sender's, or one declared or scheduled:
  // state-machines.ts); a plain draft is deleted, so it offers Delete only, not both.
  const envelope = input.envelope;
  const isEnvelope = input.fromG2p || (envelope != null && (envelope.scheduledAt !== null || envelope.declaredCount !== null));
  const plainDraft = status === "DRAFT" && !isEnvelope;
  if (write && !plainDraft && next.includes("CANCELED") && envelopeCancellationProblem({ status, scheduledAt: input.envelope?.scheduledAt ?? null }, now) === null) {
    allowed.push("cancel");
  }
  if (deletable) allowed.push("delete");
  return { allowed, startBlockedReason };
}
