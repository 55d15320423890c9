import { getDb } from "@/db/client";
import { refuseCrossOrigin } from "@/server/http/same-origin";
import { SepError } from "@/server/services/sep/errors";
import { sepErrorResponse } from "@/server/adapters/sep/http";
import { submitInteractiveContact } from "@/server/services/sep/sep24";

export const dynamic = "force-dynamic";

/**
 * The interactive page's form (works without JavaScript): sends the registration link to the
 * contact when the organization knows it, then shows the same neutral page either way.
 */
export async function POST(request: Request) {
  // Only the interactive page's own form may post here (docs/security.md, "CSRF").
  const refused = refuseCrossOrigin(request);
  if (refused) return refused;
  const form = await request.formData().catch(() => null);
  const field = (name: string) => (typeof form?.get(name) === "string" ? (form.get(name) as string) : "");
  const transactionId = field("transaction_id");
  const token = field("token");
  const back = new URL("/sep24/interactive", request.url);
  back.searchParams.set("transaction_id", transactionId);
  back.searchParams.set("token", token);
  try {
    await submitInteractiveContact(getDb(), { transactionId, token, contact: field("contact") });
    back.searchParams.set("sent", "1");
  } catch (error) {
    if (!(error instanceof SepError)) return sepErrorResponse(error, "sep24 interactive contact");
    back.searchParams.set("error", error.status === 400 ? "contact" : "expired");
  }
  return new Response(null, { status: 303, headers: { location: `${back.pathname}${back.search}` } });
}
