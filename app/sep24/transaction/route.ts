import { getDb } from "@/db/client";
import { sepErrorResponse, sepJson, sepPreflight } from "@/server/adapters/sep/http";
import { requireSep10Session } from "@/server/services/sep/sep10";
import { getSep24Transaction } from "@/server/services/sep/sep24";

export const dynamic = "force-dynamic";

/** SEP-24: one of the authenticated account's transactions, by `id`, `stellar_transaction_id` or `external_transaction_id`. */
export async function GET(request: Request) {
  try {
    const session = requireSep10Session(request);
    const q = new URL(request.url).searchParams;
    return sepJson(
      await getSep24Transaction(getDb(), session, {
        id: q.get("id"),
        stellarTransactionId: q.get("stellar_transaction_id"),
        externalTransactionId: q.get("external_transaction_id"),
      }),
    );
  } catch (error) {
    return sepErrorResponse(error, "sep24 transaction");
  }
}

export function OPTIONS() {
  return sepPreflight();
}
