import { getDb } from "@/db/client";
import { sepErrorResponse, sepJson, sepPreflight } from "@/server/adapters/sep/http";
import { sep24Info } from "@/server/services/sep/sep24";

export const dynamic = "force-dynamic";

/** SEP-24 info: deposits of the organizations' assets; no withdrawals, no fee endpoint. */
export async function GET() {
  try {
    return sepJson(await sep24Info(getDb()));
  } catch (error) {
    return sepErrorResponse(error, "sep24 info");
  }
}

export function OPTIONS() {
  return sepPreflight();
}
