import { request as playwrightRequest, type APIRequestContext } from "@playwright/test";

/**
 * A browser-less client of the running app over real HTTP, for the security suites: signs in
 * through next-auth's credentials endpoint like the login form does and calls tRPC procedures
 * with superjson bodies. Cookies live in the context, so an old cookie can be replayed by
 * copying `storageState()` into a new context.
 */
export type HttpSession = { ctx: APIRequestContext; baseURL: string };

export async function newHttpSession(
  baseURL: string,
  options: { origin?: string | null; storageState?: Awaited<ReturnType<APIRequestContext["storageState"]>> } = {},
): Promise<HttpSession> {
  const origin = options.origin === undefined ? baseURL : options.origin;
  const ctx = await playwrightRequest.newContext({
    baseURL,
    extraHTTPHeaders: origin ? { origin } : {},
    storageState: options.storageState,
    maxRedirects: 0,
  });
  return { ctx, baseURL };
}

/** Sign in over HTTP. Returns the HTTP status and next-auth's error text (null on success). */
export async function signInOverHttp(
  s: HttpSession,
  email: string,
  password: string,
  extra: Record<string, string> = {},
): Promise<{ ok: boolean; error: string | null; status: number }> {
  const csrf = await s.ctx.get("/api/auth/csrf");
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const res = await s.ctx.post("/api/auth/callback/credentials", {
    form: { csrfToken, email, password, json: "true", callbackUrl: `${s.baseURL}/`, ...extra },
  });
  const location = res.headers()["location"] ?? "";
  let error: string | null = null;
  // With json=true next-auth answers { url } (200 on success, 401 for refused credentials) instead of a redirect.
  const body = location ? {} : ((await res.json().catch(() => ({}))) as { url?: string });
  if (body.url) {
    error = new URL(body.url, s.baseURL).searchParams.get("error");
  } else if (location) {
    error = new URL(location, s.baseURL).searchParams.get("error");
  } else {
    error = `HTTP ${res.status()}`;
  }
  return { ok: error === null && res.status() < 400, error, status: res.status() };
}

type TrpcAnswer<T> = { status: number; data: T | undefined; error: { message: string; code: string } | undefined };

async function readTrpc<T>(res: Awaited<ReturnType<APIRequestContext["get"]>>): Promise<TrpcAnswer<T>> {
  const body = (await res.json().catch(() => null)) as { result?: { data?: { json?: T } }; error?: { json?: { message: string; data?: { code: string } } } } | null;
  return {
    status: res.status(),
    data: body?.result?.data?.json,
    error: body?.error?.json ? { message: body.error.json.message, code: body.error.json.data?.code ?? "" } : undefined,
  };
}

/** Call a tRPC mutation ("team.invite") over HTTP. */
export async function trpcMutation<T = unknown>(s: HttpSession, path: string, input?: unknown, headers: Record<string, string> = {}) {
  const res = await s.ctx.post(`/api/trpc/${path}`, {
    data: input === undefined ? {} : { json: input },
    headers: { "content-type": "application/json", ...headers },
  });
  return readTrpc<T>(res);
}

/** Call a tRPC query over HTTP. */
export async function trpcQuery<T = unknown>(s: HttpSession, path: string, input?: unknown) {
  const qs = input === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify({ json: input }))}`;
  return readTrpc<T>(await s.ctx.get(`/api/trpc/${path}${qs}`));
}

/**
 * Run the operator CLI (`npm run cli -- …`) against the database of the app under test: the
 * embedded cluster the launcher started in E2E_DATA_DIR, or E2E_DATABASE_URL. Returns stdout.
 */
export async function runCli(args: string[]): Promise<string> {
  const { execFileSync } = await import("node:child_process");
  const { readFileSync } = await import("node:fs");
  const path = await import("node:path");
  let databaseUrl = process.env.E2E_DATABASE_URL;
  const dataDir = path.resolve(process.env.E2E_DATA_DIR || ".test-data/e2e");
  if (!databaseUrl) {
    const password = readFileSync(path.join(dataDir, "postgres-password"), "utf8").trim();
    databaseUrl = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${process.env.E2E_PG_PORT || "54339"}/disbursements`;
  }
  const encryptionKey = readFileSync(path.join(dataDir, "encryption-key"), "utf8").trim();
  return execFileSync(process.execPath, [path.join("node_modules", "tsx", "dist", "cli.mjs"), "scripts/cli.ts", ...args], {
    env: { ...process.env, DATABASE_URL: databaseUrl, ENCRYPTION_KEY: encryptionKey, DATA_DIR: dataDir, LOG_LEVEL: "silent" },
    encoding: "utf8",
  });
}
