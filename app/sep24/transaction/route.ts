import { getDb } from "@/db/client";
import { sepErrorResponse, sepJson, sepPreflight } from "@/server/adapters/sep/http";
import { requireSep10Session } from "@/server/services/sep/sep10";
import { getSep24Transaction } from "@/server/services/sep/sep24";

export const dynamic = "force-dynamic";

/** SEP-24: one of the authenticated account's transactions, by `id`. */
export async function GET(request: Request) {
  try {
    const session = requireSep10Session(request);
    return sepJson(await getSep24Transaction(getDb(), session, new URL(request.url).searchParams.get("id")));
  } catch (error) {
    return sepErrorResponse(error, "sep24 transaction");
  }
}

export function OPTIONS() {
  return sepPreflight();
}
