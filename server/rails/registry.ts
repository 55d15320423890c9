import type { RailType } from "@/server/domain/rails";
import { bankRail } from "./bank/bank-rail";
import { mojaloopRail } from "./mojaloop/mojaloop-rail";
import type { PaymentRail } from "./payment-rail";
import { stellarRail } from "./stellar/stellar-rail";

/** Every rail the platform speaks, by type (docs/rails.md). Callers speak only the PaymentRail port. */
// MOJALOOP is paid through the dispatcher's stored batches by its own batch steps (PaymentRail.advanceBatch).
const RAILS: Record<RailType, PaymentRail> = { STELLAR: stellarRail, BANK: bankRail, MOJALOOP: mojaloopRail };

export function railFor(type: RailType): PaymentRail {
  const rail = RAILS[type];
  if (!rail) throw new Error(`No rail for the type ${type}`);
  return rail;
}
