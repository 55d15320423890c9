import { and, eq } from "drizzle-orm";
import { receivers } from "@/db/schema";
import { checkUpdateReceiver } from "@/server/domain/receiver-fields";
import { updateReceiverInput, type UpdateReceiverInput } from "@/server/schemas/receivers.schema";
import { recordAuditEvent } from "../audit/record-audit-event";
import { assertCan, type OrgContext } from "../context";
import { badRequest, notFound } from "../errors";
import { findReceiverConflict, lockReceiverWrites, uniqueViolationConflict } from "./receiver-conflicts";
import { upsertVerificationValue } from "./set-receiver-verification";

export { updateReceiverInput };

/**
 * Staff or an API key: change a receiver as SDP's `PATCH /receivers/{id}` does
 * (docs/security/receivers-write.md): the contact fields and external id given replace the
 * receiver's, and each verification value given (date_of_birth, year_month, pin, national_id)
 * replaces that value's hash, its attempts, lock and confirmation starting over (as
 * set-receiver-verification.ts). Blank fields are left as they are; `null` clears a contact.
 * One transaction with one audit row naming the fields, never the values.
 */
export async function updateReceiver(ctx: OrgContext, raw: UpdateReceiverInput): Promise<{ id: string }> {
  assertCan(ctx, "receivers:write");
  const input = updateReceiverInput.parse(raw);
  const checked = checkUpdateReceiver(input);
  if (!checked.ok) {
    const message = checked.problems.body ? "Nothing to change: give at least one field." : `The change is not valid: ${Object.values(checked.problems)[0]}.`;
    throw badRequest(message, checked.problems);
  }
  const c = checked.value;
  const now = new Date();
  try {
    return await ctx.db.transaction(async (tx) => {
      await lockReceiverWrites(tx, ctx.org.id);
      const [r] = await tx
        .select()
        .from(receivers)
        .where(and(eq(receivers.id, input.id), eq(receivers.orgId, ctx.org.id)))
        .for("update");
      if (!r) throw notFound("The receiver");
      const phone = c.phone === undefined ? r.phoneNumber : c.phone;
      const email = c.email === undefined ? r.email : c.email;
      if (!phone && !email)
        throw badRequest("A receiver needs a phone number or an email.", {
          [c.phone === null ? "phone_number" : "email"]: "a receiver needs a phone number or an email",
        });
      const clash = await findReceiverConflict(
        tx,
        ctx.org.id,
        {
          phone: c.phone !== undefined && c.phone !== r.phoneNumber ? c.phone : null,
          email: c.email !== undefined && c.email !== r.email ? c.email : null,
          externalId: c.externalId !== undefined && c.externalId !== r.externalId ? c.externalId : undefined,
        },
        r.id,
      );
      if (clash) throw clash;
      const changed = [
        r.phoneNumber !== phone && "phone_number",
        r.email !== email && "email",
        c.externalId !== undefined && r.externalId !== c.externalId && "external_id",
      ].filter((f): f is string => typeof f === "string");
      if (changed.length > 0 || c.verifications.length > 0) {
        await tx
          .update(receivers)
          .set({ phoneNumber: phone, email, externalId: c.externalId ?? r.externalId, updatedAt: now })
          .where(eq(receivers.id, r.id));
      }
      const replaced: string[] = [];
      for (const v of c.verifications) {
        const before = await upsertVerificationValue(tx, { orgId: ctx.org.id, receiverId: r.id, field: v.field, value: v.value, now });
        if (before) replaced.push(v.field);
      }
      await recordAuditEvent(tx, {
        orgId: ctx.org.id,
        actorUserId: ctx.actor.userId,
        action: "receiver.updated",
        targetId: r.id,
        details: {
          fields: changed,
          verification_fields: c.verifications.map((v) => v.field),
          replaced_verifications: replaced,
          ...(ctx.apiKeyId ? { api_key_id: ctx.apiKeyId } : {}),
        },
      });
      return { id: r.id };
    });
  } catch (error) {
    throw uniqueViolationConflict(error) ?? error;
  }
}
