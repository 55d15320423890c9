import { and, eq } from "drizzle-orm";
import type { z } from "zod";
import type { DbOrTx } from "@/db/client";
import type { VerificationField } from "@/server/domain/disbursement-types";
import { receiverVerifications, receivers } from "@/db/schema";
import { verificationValueProblem } from "@/server/domain/csv-instructions";
import { setReceiverVerificationInput } from "@/server/schemas/receivers.schema";
import { recordAuditEvent } from "../audit/record-audit-event";
import { assertCan, type OrgContext } from "../context";
import { badRequest, notFound } from "../errors";
import { hashVerificationValue } from "./verification-hash";

export { setReceiverVerificationInput };

/**
 * Staff: set or replace a receiver's verification value (docs/security.md, "Receivers' secrets").
 * Checked with the CSV rules (server/domain/csv-instructions.ts), stored only as a keyed hash; the
 * value's attempts, lock and confirmation start over, so the receiver verifies against the new
 * value. The audit row names the field, never the value.
 */
export async function setReceiverVerification(ctx: OrgContext, raw: z.input<typeof setReceiverVerificationInput>) {
  assertCan(ctx, "receivers:write");
  const input = setReceiverVerificationInput.parse(raw);
  const value = input.value.trim();
  const problem = value ? verificationValueProblem(input.verificationField, value) : "Enter the new value.";
  if (problem) throw badRequest(`The verification value is not valid: ${problem}.`, { value: problem });
  const now = new Date();
  return ctx.db.transaction(async (tx) => {
    const [r] = await tx
      .select({ id: receivers.id })
      .from(receivers)
      .where(and(eq(receivers.id, input.id), eq(receivers.orgId, ctx.org.id)))
      .for("update");
    if (!r) throw notFound("The receiver");
    const before = await upsertVerificationValue(tx, { orgId: ctx.org.id, receiverId: r.id, field: input.verificationField, value, now });
    await recordAuditEvent(tx, {
      orgId: ctx.org.id,
      actorUserId: ctx.actor.userId,
      action: "receiver.verification_updated",
      targetId: r.id,
      details: {
        verification_field: input.verificationField,
        replaced: before !== undefined,
        was_confirmed: before?.confirmedAt != null,
        was_locked: before?.failedAt != null,
        ...(ctx.apiKeyId ? { api_key_id: ctx.apiKeyId } : {}),
      },
    });
    return { id: r.id, verification_field: input.verificationField, confirmed: false, locked: false };
  });
}

/**
 * Store a checked verification value as its keyed hash, replacing any earlier one: attempts, lock
 * and confirmation start over. Returns the earlier row's state (undefined when there was none).
 * Also used by PATCH /receivers/{id} (update-receiver.ts). The caller holds the receiver's row lock.
 */
export async function upsertVerificationValue(
  tx: DbOrTx,
  v: { orgId: string; receiverId: string; field: VerificationField; value: string; now: Date },
): Promise<{ confirmedAt: Date | null; failedAt: Date | null } | undefined> {
  const [before] = await tx
    .select({ confirmedAt: receiverVerifications.confirmedAt, failedAt: receiverVerifications.failedAt })
    .from(receiverVerifications)
    .where(and(eq(receiverVerifications.receiverId, v.receiverId), eq(receiverVerifications.verificationField, v.field)))
    .for("update");
  const hashedValue = hashVerificationValue(v.field, v.value);
  await tx
    .insert(receiverVerifications)
    .values({ receiverId: v.receiverId, orgId: v.orgId, verificationField: v.field, hashedValue })
    .onConflictDoUpdate({
      target: [receiverVerifications.receiverId, receiverVerifications.verificationField],
      set: { hashedValue, attempts: 0, failedAt: null, confirmedAt: null, updatedAt: v.now },
    });
  return before;
}
