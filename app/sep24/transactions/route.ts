import { getDb } from "@/db/client";
import { sepErrorResponse, sepJson, sepPreflight } from "@/server/adapters/sep/http";
import { requireSep10Session } from "@/server/services/sep/sep10";
import { listSep24Transactions } from "@/server/services/sep/sep24";

export const dynamic = "force-dynamic";

/** SEP-24: the authenticated account's transactions in `asset_code` (limit, kind, no_older_than, paging_id). */
export async function GET(request: Request) {
  try {
    const session = requireSep10Session(request);
    const q = new URL(request.url).searchParams;
    return sepJson(
      await listSep24Transactions(getDb(), session, {
        asset_code: q.get("asset_code"),
        limit: q.get("limit"),
        kind: q.get("kind"),
        no_older_than: q.get("no_older_than"),
        paging_id: q.get("paging_id"),
      }),
    );
  } catch (error) {
    return sepErrorResponse(error, "sep24 transactions");
  }
}

export function OPTIONS() {
  return sepPreflight();
}
