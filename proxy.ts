import { getToken } from "next-auth/jwt";
import { NextResponse, type NextRequest } from "next/server";

// "/.well-known", "/sep10", "/sep24": Stellar wallet interop (SEP-1/10/24), public; wallets authenticate with SEP-10 JWTs.
const PUBLIC_PAGES = ["/login", "/set-password", "/r", "/.well-known", "/sep10", "/sep24"];

/**
 * Gives every request an id (logged by handlers) and sends signed-out visitors of app pages to
 * /login. This is only a convenience: every page, procedure and route checks access on its own.
 */
export async function proxy(request: NextRequest) {
  const requestId = request.headers.get("x-request-id") || crypto.randomUUID();
  const headers = new Headers(request.headers);
  headers.set("x-request-id", requestId);

  const { pathname, search } = request.nextUrl;
  // One structured line per request (pino's shape), correlated with handler logs by reqId.
  if (process.env.LOG_LEVEL !== "silent" && process.env.LOG_LEVEL !== "warn" && process.env.LOG_LEVEL !== "error") {
    console.log(
      JSON.stringify({ level: 30, time: new Date().toISOString(), service: "web", reqId: requestId, method: request.method, path: pathname, msg: "request" }),
    );
  }
  const isPage = !pathname.startsWith("/api/");
  if (isPage && !PUBLIC_PAGES.some((p) => pathname === p || pathname.startsWith(`${p}/`))) {
    const token = await getToken({ req: request, secret: process.env.AUTH_SECRET });
    if (!token?.sub) {
      const login = new URL("/login", request.url);
      if (pathname !== "/") login.searchParams.set("callbackUrl", pathname + search);
      return NextResponse.redirect(login);
    }
  }
  const response = NextResponse.next({ request: { headers } });
  response.headers.set("x-request-id", requestId);
  return response;
}

export const config = {
  matcher: ["/((?!_next/static|_next/image|favicon.ico|.*\\.(?:png|svg|ico|webp|jpg)$).*)"],
};
