import { createChallenge, verifyChallenge } from "@/server/services/sep/sep10";
import { readFields, sepErrorResponse, sepJson, sepPreflight } from "@/server/adapters/sep/http";

export const dynamic = "force-dynamic";

/** SEP-10: a challenge transaction for `account` (optional memo, home_domain, client_domain). */
export async function GET(request: Request) {
  try {
    const q = new URL(request.url).searchParams;
    return sepJson(await createChallenge({ account: q.get("account"), memo: q.get("memo"), homeDomain: q.get("home_domain"), clientDomain: q.get("client_domain") }));
  } catch (error) {
    return sepErrorResponse(error, "sep10 challenge");
  }
}

/** SEP-10: the signed challenge (`transaction`, JSON or form) in exchange for a JWT. */
export async function POST(request: Request) {
  try {
    const fields = await readFields(request);
    const { token } = await verifyChallenge(fields.transaction);
    return sepJson({ token });
  } catch (error) {
    return sepErrorResponse(error, "sep10 token");
  }
}

export function OPTIONS() {
  return sepPreflight();
}
