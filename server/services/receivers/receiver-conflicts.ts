import { and, eq, ne, sql, type SQL } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { receivers, receiverWallets } from "@/db/schema";
import { conflict, type ServiceError } from "../errors";

/**
 * Duplicate contacts, external ids and wallet addresses within an organization, refused as SDP
 * refuses them (409, `{error, extras: {<field>: "<field> must be unique"}}`) but in words naming
 * the field. Used by create-receiver.ts and update-receiver.ts (SDP's POST and PATCH /receivers).
 */
export async function findReceiverConflict(
  tx: DbOrTx,
  orgId: string,
  want: { email?: string | null; phone?: string | null; externalId?: string; walletAddress?: string | null },
  exceptReceiverId?: string,
): Promise<ServiceError | null> {
  const other = (cond: SQL) => and(eq(receivers.orgId, orgId), cond, exceptReceiverId ? ne(receivers.id, exceptReceiverId) : undefined);
  const exists = async (cond: SQL) => (await tx.select({ id: receivers.id }).from(receivers).where(other(cond)).limit(1)).length > 0;
  if (want.phone && (await exists(eq(receivers.phoneNumber, want.phone)))) {
    return conflict("Another receiver already has this phone number.", { phone_number: "phone number must be unique" }, "ALREADY_EXISTS");
  }
  if (want.email && (await exists(eq(receivers.email, want.email)))) {
    return conflict("Another receiver already has this email.", { email: "email must be unique" }, "ALREADY_EXISTS");
  }
  if (want.externalId && (await exists(eq(receivers.externalId, want.externalId)))) {
    return conflict("Another receiver already has this external id.", { external_id: "external_id must be unique" }, "ALREADY_EXISTS");
  }
  if (want.walletAddress) {
    const [held] = await tx
      .select({ id: receiverWallets.id })
      .from(receiverWallets)
      .where(
        and(
          eq(receiverWallets.orgId, orgId),
          eq(receiverWallets.destinationKind, "STELLAR_ADDRESS"),
          eq(receiverWallets.destinationValue, want.walletAddress),
          exceptReceiverId ? ne(receiverWallets.receiverId, exceptReceiverId) : undefined,
        ),
      )
      .limit(1);
    if (held) return conflict("Another receiver already has this wallet address.", { wallet_address: "wallet address must be unique" }, "ALREADY_EXISTS");
  }
  return null;
}

/** A unique index on phone or email fired (a concurrent writer won the race): the same 409. */
export function uniqueViolationConflict(error: unknown): ServiceError | null {
  const e = error as { code?: string; constraint_name?: string; cause?: { code?: string; constraint_name?: string } };
  const pg = e?.code ? e : e?.cause;
  if (pg?.code !== "23505") return null;
  if (pg.constraint_name === "receivers_org_phone_key")
    return conflict("Another receiver already has this phone number.", { phone_number: "phone number must be unique" }, "ALREADY_EXISTS");
  if (pg.constraint_name === "receivers_org_email_key") return conflict("Another receiver already has this email.", { email: "email must be unique" }, "ALREADY_EXISTS");
  return conflict("The receivers changed while this was saved; try again.", undefined, "CONCURRENT_CHANGE");
}

/** Serializes receiver creation and contact changes of one organization (the duplicate checks above are read-then-write). */
export async function lockReceiverWrites(tx: DbOrTx, orgId: string) {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`receiver-writes:${orgId}`}))`);
}
