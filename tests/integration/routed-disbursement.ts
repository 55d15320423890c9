import { disbursements, payments, receivers, receiverWallets } from "@/db/schema";
import type { Db } from "@/db/client";
import type { DestinationKind } from "@/server/domain/rails";
import type { RegistrationContactType } from "@/server/domain/disbursement-types";
import { randomSuffix } from "./helpers";

/** One payee of `insertStartedDisbursement`: its wallet's destination and the connection its payment is routed to. */
export type RoutedLine = {
  amount: string;
  connectionId: string | null;
  destinationKind: DestinationKind;
  destinationValue: string;
  destinationDetails?: { bankCode?: string; holderName?: string };
  /** The wallet provider, for wallet payees (none for bank accounts). */
  walletId?: string;
  /** REGISTERED unless said otherwise. */
  walletStatus?: "READY" | "REGISTERED";
};

/**
 * A STARTED disbursement whose READY payments are routed line by line as given, rows written directly
 * as start would leave them (line numbers from 2, one receiver and wallet per line).
 */
export async function insertStartedDisbursement(
  db: Db,
  disbursement: { orgId: string; name: string; assetId: string; walletId?: string; registrationContactType: RegistrationContactType },
  lines: RoutedLine[],
): Promise<{ disbursementId: string; paymentIds: string[] }> {
  const { orgId } = disbursement;
  const [d] = await db
    .insert(disbursements)
    .values({ ...disbursement, name: `${disbursement.name} ${randomSuffix()}`, status: "STARTED" })
    .returning();
  const paymentIds: string[] = [];
  for (const [i, line] of lines.entries()) {
    const [r] = await db
      .insert(receivers)
      .values({ orgId, externalId: `payee-${randomSuffix()}` })
      .returning();
    const [w] = await db
      .insert(receiverWallets)
      .values({
        orgId,
        receiverId: r!.id,
        walletId: line.walletId,
        status: line.walletStatus ?? "REGISTERED",
        destinationKind: line.destinationKind,
        destinationValue: line.destinationValue,
        destinationDetails: line.destinationDetails,
      })
      .returning();
    const [p] = await db
      .insert(payments)
      .values({
        orgId,
        disbursementId: d!.id,
        receiverId: r!.id,
        receiverWalletId: w!.id,
        assetId: disbursement.assetId,
        amount: line.amount,
        status: "READY",
        lineNumber: i + 2,
        connectionId: line.connectionId,
      })
      .returning();
    paymentIds.push(p!.id);
  }
  return { disbursementId: d!.id, paymentIds };
}
