import { configFrom, type ConfigSource } from "@/server/config";
/**
 * Whether cookies carry the Secure attribute (docs/security.md, "Cookies"): yes whenever the app
 * is served over https (APP_URL, else NEXTAUTH_URL). next-auth's own cookies follow the same rule
 * (`useSecureCookies`), and proxy.ts reads the session cookie under the matching name. Pure.
 */
export function secureCookies(env?: ConfigSource): boolean {
  const { APP_URL, NEXTAUTH_URL } = configFrom(env);
  const url = APP_URL || NEXTAUTH_URL || "";
  return /^https:\/\//i.test(url.trim());
}

/** A Set-Cookie value for an app cookie: HttpOnly, SameSite=Lax, Path=/ and Secure under https. */
export function appCookie(name: string, value: string, maxAgeSeconds: number, env?: ConfigSource): string {
  return `${name}=${value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAgeSeconds}${secureCookies(env) ? "; Secure" : ""}`;
}
