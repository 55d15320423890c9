import { cookies } from "next/headers";
import { ACTIVE_ORG_COOKIE } from "@/server/auth/constants";
import { getSessionIdentity } from "@/server/auth/session";
import { refuseCrossOrigin } from "@/server/http/same-origin";
import { answerTrpcRequest } from "@/server/trpc/http-handler";

async function handler(req: Request) {
  if (req.method !== "GET") {
    // Every mutation is a cookie-authenticated state change: same origin only, JSON only (no
    // form-encodable bodies a cross-site <form> could send; docs/security.md, "CSRF").
    const refused = refuseCrossOrigin(req);
    if (refused) return refused;
    const type = (req.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
    if (type !== "application/json") {
      return Response.json(
        { error: { message: `tRPC requests must be sent as application/json, not ${type || "a body without a content type"}.`, code: "UNSUPPORTED_MEDIA_TYPE" } },
        { status: 415, headers: { "cache-control": "no-store" } },
      );
    }
  }
  // Signed in only while the cookie's server-side session is live (server/auth/session.ts).
  const identity = await getSessionIdentity();
  const activeOrgId = (await cookies()).get(ACTIVE_ORG_COOKIE)?.value ?? null;
  return answerTrpcRequest(req, { identity, activeOrgId });
}

export { handler as GET, handler as POST };
