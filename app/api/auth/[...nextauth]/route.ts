import NextAuth from "next-auth";
import { authOptions } from "@/server/auth/options";
import { refuseCrossOrigin } from "@/server/http/same-origin";

const handler = NextAuth(authOptions);

type RouteContext = { params: Promise<{ nextauth: string[] }> };

/** Sign-in and sign-out POSTs come from the app's own pages only (docs/security.md, "CSRF"). */
async function post(request: Request, context: RouteContext) {
  const refused = refuseCrossOrigin(request);
  if (refused) return refused;
  return handler(request, context);
}

export { handler as GET, post as POST };
