/**
 * Whether cookies carry the Secure attribute (docs/security.md, "Cookies"): yes whenever the app
 * is served over https (APP_URL, else NEXTAUTH_URL). next-auth's own cookies follow the same rule
 * (`useSecureCookies`), and proxy.ts reads the session cookie under the matching name. Pure.
 */
export function secureCookies(env: Record<string, string | undefined> = process.env): boolean {
  const url = env.APP_URL || env.NEXTAUTH_URL || "";
  return /^https:\/\//i.test(url.trim());
}

/** A Set-Cookie value for an app cookie: HttpOnly, SameSite=Lax, Path=/ and Secure under https. */
export function appCookie(name: string, value: string, maxAgeSeconds: number, env: Record<string, string | undefined> = process.env): string {
  return `${name}=${value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAgeSeconds}${secureCookies(env) ? "; Secure" : ""}`;
}
