import { receivers, receiverVerifications, receiverWallets } from "@/db/schema";
import type { StatusHistoryEntry } from "@/server/domain/disbursement-types";
import { checkCreateReceiver } from "@/server/domain/receiver-fields";
import { createReceiverInput, type CreateReceiverInput } from "@/server/schemas/receivers.schema";
import { recordAuditEvent } from "../audit/record-audit-event";
import { assertCan, type OrgContext } from "../context";
import { badRequest } from "../errors";
import { findReceiverConflict, lockReceiverWrites, uniqueViolationConflict } from "./receiver-conflicts";
import { hashVerificationValue } from "./verification-hash";

export { createReceiverInput };

/**
 * Staff or an API key: add a receiver as SDP's `POST /receivers` does (docs/security/receivers-write.md):
 * a phone number or an email, an external id, and verification values and/or one Stellar wallet.
 * Verification values are stored only as keyed hashes (verification-hash.ts). The wallet is
 * registered at once with its address, without a wallet provider (SDP puts it under its
 * "user managed" wallet; here the provider is null as for a direct payee's destination). Duplicate
 * phone, email, external id or wallet address in the organization: 409 naming the field.
 */
export async function createReceiver(ctx: OrgContext, raw: CreateReceiverInput): Promise<{ id: string }> {
  assertCan(ctx, "receivers:write");
  const input = createReceiverInput.parse(raw);
  const checked = checkCreateReceiver(input);
  if (!checked.ok) throw badRequest(`The receiver is not valid: ${Object.values(checked.problems)[0]}.`, checked.problems);
  const r = checked.value;
  const now = new Date();
  try {
    return await ctx.db.transaction(async (tx) => {
      await lockReceiverWrites(tx, ctx.org.id);
      const clash = await findReceiverConflict(tx, ctx.org.id, { email: r.email, phone: r.phone, externalId: r.externalId, walletAddress: r.wallet?.address });
      if (clash) throw clash;
      const [created] = await tx
        .insert(receivers)
        .values({ orgId: ctx.org.id, externalId: r.externalId, phoneNumber: r.phone, email: r.email, createdAt: now, updatedAt: now })
        .returning({ id: receivers.id });
      const id = created!.id;
      if (r.verifications.length > 0) {
        await tx
          .insert(receiverVerifications)
          .values(r.verifications.map((v) => ({ receiverId: id, orgId: ctx.org.id, verificationField: v.field, hashedValue: hashVerificationValue(v.field, v.value) })));
      }
      if (r.wallet) {
        const history: StatusHistoryEntry[] = [{ user_id: ctx.actor.userId, status: "REGISTERED", timestamp: now.toISOString() }];
        await tx.insert(receiverWallets).values({
          orgId: ctx.org.id,
          receiverId: id,
          walletId: null,
          status: "REGISTERED",
          destinationKind: "STELLAR_ADDRESS",
          destinationValue: r.wallet.address,
          destinationMemo: r.wallet.memo,
          statusHistory: history,
        });
      }
      // Which fields were given, never their values (docs/security.md, "Receivers' secrets").
      await recordAuditEvent(tx, {
        orgId: ctx.org.id,
        actorUserId: ctx.actor.userId,
        action: "receiver.created",
        targetId: id,
        details: {
          fields: [r.phone && "phone_number", r.email && "email", "external_id"].filter(Boolean),
          verification_fields: r.verifications.map((v) => v.field),
          wallet: r.wallet !== null,
          ...(ctx.apiKeyId ? { api_key_id: ctx.apiKeyId } : {}),
        },
      });
      return { id };
    });
  } catch (error) {
    throw uniqueViolationConflict(error) ?? error;
  }
}
