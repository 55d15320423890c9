import { and, eq, ne } from "drizzle-orm";
import { isValidPhoneNumber } from "libphonenumber-js";
import { z } from "zod";
import { receivers } from "@/db/schema";
import { updateReceiverContactInput } from "@/server/schemas/receivers.schema";
import { recordAuditEvent } from "../audit/record-audit-event";
import { assertCan, type OrgContext } from "../context";
import { badRequest, conflict, notFound } from "../errors";
import { receiverView } from "./list-receivers";

export { updateReceiverContactInput };

/** Staff: edit a receiver's phone number, email and external id (validated; unique within the organization). */
export async function updateReceiverContact(ctx: OrgContext, raw: z.input<typeof updateReceiverContactInput>) {
  assertCan(ctx, "receivers:write");
  const input = updateReceiverContactInput.parse(raw);
  const phone = input.phoneNumber;
  const email = input.email?.toLowerCase() ?? null;
  if (phone && !(/^\+\d{10,15}$/.test(phone) && isValidPhoneNumber(phone))) {
    throw badRequest("Enter a valid phone number in international format, e.g. +447911123456.", { phoneNumber: "Invalid phone number." });
  }
  if (email && !z.email().safeParse(email).success) throw badRequest("Enter a valid email address.", { email: "Invalid email address." });
  if (!phone && !email) throw badRequest("A receiver needs a phone number or an email.", { phoneNumber: "Give a phone number or an email." });
  return ctx.db.transaction(async (tx) => {
    const [r] = await tx
      .select()
      .from(receivers)
      .where(and(eq(receivers.id, input.id), eq(receivers.orgId, ctx.org.id)))
      .for("update");
    if (!r) throw notFound("The receiver");
    if (phone) {
      const [other] = await tx
        .select({ id: receivers.id })
        .from(receivers)
        .where(and(eq(receivers.orgId, ctx.org.id), eq(receivers.phoneNumber, phone), ne(receivers.id, r.id)));
      if (other) throw conflict("Another receiver already has this phone number.", { phoneNumber: "Already used by another receiver." }, "ALREADY_EXISTS");
    }
    if (email) {
      const [other] = await tx
        .select({ id: receivers.id })
        .from(receivers)
        .where(and(eq(receivers.orgId, ctx.org.id), eq(receivers.email, email), ne(receivers.id, r.id)));
      if (other) throw conflict("Another receiver already has this email.", { email: "Already used by another receiver." }, "ALREADY_EXISTS");
    }
    const [updated] = await tx
      .update(receivers)
      .set({ phoneNumber: phone, email, externalId: input.externalId, updatedAt: new Date() })
      .where(eq(receivers.id, r.id))
      .returning();
    await recordAuditEvent(tx, {
      orgId: ctx.org.id,
      actorUserId: ctx.actor.userId,
      action: "receiver.contact_updated",
      targetId: r.id,
      details: { fields: [r.phoneNumber !== phone && "phone_number", r.email !== email && "email", r.externalId !== input.externalId && "external_id"].filter(Boolean) },
    });
    return receiverView(updated!);
  });
}
