import { getDb } from "@/db/client";
import { readFields, sepErrorResponse, sepJson, sepPreflight } from "@/server/adapters/sep/http";
import { requireSep10Session } from "@/server/services/sep/sep10";
import { startInteractiveDeposit } from "@/server/services/sep/sep24";

export const dynamic = "force-dynamic";

/** SEP-24: start an interactive deposit for the authenticated account. */
export async function POST(request: Request) {
  try {
    const session = requireSep10Session(request);
    return sepJson(await startInteractiveDeposit(getDb(), session, await readFields(request)));
  } catch (error) {
    return sepErrorResponse(error, "sep24 deposit");
  }
}

export function OPTIONS() {
  return sepPreflight();
}
