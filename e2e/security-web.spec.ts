import http from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test, type Page, type Response } from "@playwright/test";
import { DEMO_PASSWORD, signIn, unique } from "./helpers";
import { newHttpSession, signInOverHttp, trpcMutation, trpcQuery, type HttpSession } from "./http-session";

/**
 * Web hardening seen from a browser (docs/security.md, "Headers", "CSRF", "Redirects", "Limits"):
 * security headers on pages and APIs, a nonce CSP the app works under, no framing, no open
 * redirect after sign-in, no cross-origin state change, and the CSV_MAX_BYTES upload limit.
 * The "attacker" is a small HTTP server on another loopback port: same site as the app (so a
 * SameSite=Lax cookie rides along), different origin.
 */

const OWNER = "owner@demo.local";
const MB = 1024 * 1024;
const CSV_MAX_BYTES = Number(process.env.CSV_MAX_BYTES || 20 * MB);

let attacker: http.Server;
let attackerOrigin = "";
const attackerPages = new Map<string, string>();

test.beforeAll(async () => {
  attacker = http.createServer((req, res) => {
    const html = attackerPages.get(new URL(req.url ?? "/", "http://x").pathname);
    res.writeHead(html ? 200 : 404, { "content-type": "text/html; charset=utf-8" });
    res.end(html ?? "not found");
  });
  await new Promise<void>((resolve) => attacker.listen(0, "127.0.0.1", resolve));
  attackerOrigin = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}`;
});

test.afterAll(async () => {
  await new Promise((resolve) => attacker.close(resolve));
});

/** Where screenshots go: E2E_SCREENSHOT_DIR when set (test-results/ is shared and cleared by every run). */
function shot(name: string): string {
  return process.env.E2E_SCREENSHOT_DIR ? `${process.env.E2E_SCREENSHOT_DIR}/${name}` : test.info().outputPath(name);
}

function directives(csp: string): Map<string, string[]> {
  return new Map(
    csp
      .split(";")
      .map((d) => d.trim().split(/\s+/))
      .filter((parts) => parts[0])
      .map((parts) => [parts[0]!, parts.slice(1)]),
  );
}

function expectCommonHeaders(headers: Record<string, string>) {
  expect(headers["x-content-type-options"]).toBe("nosniff");
  expect(headers["x-frame-options"]).toBe("DENY");
  expect(headers["permissions-policy"]).toContain("camera=()");
  expect(directives(headers["content-security-policy"] ?? "").get("frame-ancestors")).toEqual(["'none'"]);
}

/** Collects CSP violations the page reports (console and securitypolicyviolation events). */
async function watchViolations(page: Page): Promise<string[]> {
  const violations: string[] = [];
  page.on("console", (m) => {
    if (/Content Security Policy|Refused to (execute|load|apply)/i.test(m.text())) violations.push(m.text());
  });
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      console.error(`Refused to execute (CSP ${e.violatedDirective}): ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}`);
    });
  });
  return violations;
}

/** A new DRAFT disbursement, created over tRPC from the app's own origin (the guard lets it through). */
async function createDraft(s: HttpSession): Promise<string> {
  const wallets = await trpcQuery<{ id: string; name: string }[]>(s, "catalog.wallets", { enabled: true });
  const assets = await trpcQuery<{ id: string; code: string }[]>(s, "catalog.assets");
  const wallet = wallets.data?.find((w) => w.name === "Demo Wallet") ?? wallets.data?.[0];
  const asset = assets.data?.find((a) => a.code === "USDC") ?? assets.data?.[0];
  expect(wallet && asset, "the demo organization has a wallet and an asset").toBeTruthy();
  const created = await trpcMutation<{ id: string }>(s, "disbursements.create", {
    name: unique("E2E security"),
    wallet_id: wallet!.id,
    asset_id: asset!.id,
    registration_contact_type: "PHONE_NUMBER",
    verification_field: "DATE_OF_BIRTH",
  });
  expect(created.error, JSON.stringify(created.error)).toBeUndefined();
  return created.data!.id;
}

async function ownerSession(baseURL: string): Promise<HttpSession> {
  const s = await newHttpSession(baseURL);
  const signedIn = await signInOverHttp(s, OWNER, DEMO_PASSWORD);
  expect(signedIn.error).toBeNull();
  return s;
}

test("security headers on pages, the sign-in page and APIs; the CSP has a nonce and the app works under it", async ({ page, request }) => {
  const violations = await watchViolations(page);
  const login = await page.goto("/login");
  const loginHeaders = login!.headers();
  expectCommonHeaders(loginHeaders);
  expect(loginHeaders["referrer-policy"]).toBe("strict-origin-when-cross-origin");
  const csp = directives(loginHeaders["content-security-policy"]!);
  const scriptSrc = csp.get("script-src")!;
  const nonce = scriptSrc.find((s) => s.startsWith("'nonce-"))?.slice(7, -1);
  expect(nonce, `script-src ${scriptSrc.join(" ")}`).toBeTruthy();
  expect(scriptSrc).not.toContain("'unsafe-inline'");
  expect(scriptSrc).not.toContain("'unsafe-eval'");
  for (const [name, value] of [
    ["base-uri", ["'self'"]],
    ["form-action", ["'self'"]],
    ["object-src", ["'none'"]],
    ["connect-src", ["'self'"]],
  ] as const) {
    expect(csp.get(name), name).toEqual(value);
  }
  // Every script Next.js rendered carries this request's nonce.
  const scriptNonces = await page.evaluate(() => [...document.scripts].map((s) => s.nonce));
  expect(scriptNonces.length).toBeGreaterThan(0);
  expect(new Set(scriptNonces)).toEqual(new Set([nonce]));

  // A second request gets a different nonce.
  const again = await request.get("/login");
  expect(again.headers()["content-security-policy"]).not.toContain(`'nonce-${nonce}'`);

  // The sign-in form only works once React has hydrated, i.e. once the nonce'd scripts ran.
  await page.getByLabel("Email").fill(OWNER);
  await page.getByLabel("Password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("button", { name: /Account menu/ })).toBeVisible();
  const home = await page.goto("/disbursements");
  expectCommonHeaders(home!.headers());
  await expect(page.getByRole("heading", { name: "Disbursements" }).first()).toBeVisible();
  await page.screenshot({ path: shot("csp-disbursements.png") });
  expect(violations).toEqual([]);

  for (const path of ["/api/health", "/api/trpc/session.me", "/api/v1/disbursements"]) {
    const res = await request.get(path);
    const headers = res.headers();
    expectCommonHeaders(headers);
    expect(headers["referrer-policy"], path).toBe("strict-origin-when-cross-origin");
    expect(directives(headers["content-security-policy"]!).get("default-src"), path).toEqual(["'none'"]);
  }

  // Token pages never send their URL as a Referer.
  for (const path of ["/r/not-a-real-token", "/set-password?token=not-a-real-token", "/sep24/interactive"]) {
    const res = await request.get(path);
    expect(res.headers()["referrer-policy"], path).toBe("no-referrer");
  }
});

test("a signed-in page does not render inside another site's frame", async ({ page }) => {
  await signIn(page, OWNER);
  const app = new URL(page.url()).origin;
  attackerPages.set(
    "/frame",
    `<!doctype html><title>framer</title><iframe id="f" src="${app}/disbursements" width="800" height="600" onload="document.title='frame loaded'"></iframe>`,
  );
  await page.goto(`${attackerOrigin}/frame`);
  // The frame's load event fires whether the browser showed the app or blocked it.
  await expect(page).toHaveTitle("frame loaded");
  const child = page.frames().find((f) => f !== page.mainFrame())!;
  expect(child).toBeTruthy();
  // The framed document never becomes the app: the browser blocks it (frame-ancestors 'none', X-Frame-Options: DENY).
  await page.screenshot({ path: shot("framed-by-attacker.png") });
  const framedText = await child.evaluate(() => document.body?.innerText ?? "").catch(() => "blocked");
  expect(framedText).not.toContain("Disbursements");
  expect(
    await child
      .getByRole("button", { name: /Account menu/ })
      .count()
      .catch(() => 0),
  ).toBe(0);
});

test("sign-in never redirects to another host, whatever the callbackUrl", async ({ page }) => {
  test.setTimeout(360_000);
  attackerPages.set("/landed", "<!doctype html><title>attacker</title><h1>attacker landed</h1>");
  const evilHost = new URL(attackerOrigin).host;
  const variants = [
    `/\\${evilHost}/landed`,
    `/\\/${evilHost}/landed`,
    `/\t/${evilHost}/landed`,
    `/\n/${evilHost}/landed`,
    `//${evilHost}/landed`,
    `\\\\${evilHost}/landed`,
    `${attackerOrigin}/landed`,
    `/..//${evilHost}/landed`,
    "javascript:document.title='pwned'",
  ];
  for (const variant of variants) {
    await page.goto(`/login?callbackUrl=${encodeURIComponent(variant)}`);
    await page.getByLabel("Email").fill(OWNER);
    await page.getByLabel("Password").fill(DEMO_PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("button", { name: /Account menu/ }), JSON.stringify(variant)).toBeVisible();
    const landed = new URL(page.url());
    expect(landed.origin, JSON.stringify(variant)).not.toBe(attackerOrigin);
    expect(landed.pathname, JSON.stringify(variant)).toBe("/");
    expect(await page.title()).not.toBe("pwned");
  }
  // A same-origin path is still honoured.
  await page.goto(`/login?callbackUrl=${encodeURIComponent("/payments")}`);
  await page.getByLabel("Email").fill(OWNER);
  await page.getByLabel("Password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/payments$/);
});

test("a page on another origin cannot upload instructions, call a tRPC mutation, sign the victim out or in", async ({ page, baseURL }) => {
  test.setTimeout(360_000);
  const s = await ownerSession(baseURL!);
  const draft = await createDraft(s);
  const tag = unique("csrf");
  const original = `phone,id,amount,verification\r\n+1415555${String(1000 + Math.floor(Math.random() * 8000))},${tag},10.50,1990-01-31\r\n`;
  const uploaded = await s.ctx.post(`/api/disbursements/${draft}/instructions`, {
    multipart: { file: { name: "original.csv", mimeType: "text/csv", buffer: Buffer.from(original) } },
  });
  expect(uploaded.status(), await uploaded.text()).toBe(200);

  // The victim is signed in in this browser.
  await signIn(page, OWNER);
  const app = new URL(page.url()).origin;
  const forged = "phone,id,amount,verification\\r\\n+14155559999,attacker-1,99999,1990-01-31\\r\\n";
  attackerPages.set(
    "/csrf",
    `<!doctype html><title>csrf</title>
<form id="upload" method="POST" enctype="multipart/form-data" action="${app}/api/disbursements/${draft}/instructions">
  <input type="file" name="file" id="file">
</form>
<script>
  (async () => {
    const file = new File(["${forged}"], "forged.csv", { type: "text/csv" });
    const upload = new FormData();
    upload.append("file", file);
    const opts = (body) => ({ method: "POST", mode: "no-cors", credentials: "include", body });
    await fetch("${app}/api/disbursements/${draft}/instructions", opts(upload)).catch(() => {});
    const del = new FormData();
    del.append("id", "${draft}");
    await fetch("${app}/api/trpc/disbursements.delete", opts(del)).catch(() => {});
    await fetch("${app}/api/trpc/disbursements.delete", { ...opts(JSON.stringify({ json: { id: "${draft}" } })), headers: { "content-type": "text/plain" } }).catch(() => {});
    await fetch("${app}/api/auth/signout", { ...opts(new URLSearchParams({ json: "true" })) }).catch(() => {});
    await fetch("${app}/api/auth/callback/credentials", opts(new URLSearchParams({ email: "${OWNER}", password: "${DEMO_PASSWORD}", json: "true" }))).catch(() => {});
    document.title = "fetched";
    // Last, a plain auto-submitted form (a top-level navigation, as an old-school CSRF page would do).
    const dt = new DataTransfer();
    dt.items.add(file);
    document.getElementById("file").files = dt.files;
    document.getElementById("upload").submit();
  })();
</script>`,
  );

  const seen: { url: string; status: number; method: string }[] = [];
  const onResponse = (r: Response) => {
    if (r.url().startsWith(app) && r.request().method() === "POST") seen.push({ url: r.url().slice(app.length), status: r.status(), method: r.request().method() });
  };
  page.on("response", onResponse);
  await page.goto(`${attackerOrigin}/csrf`);
  await expect.poll(() => seen.length, { timeout: 60_000 }).toBe(6);
  page.off("response", onResponse);
  // Every forged request was refused by the server (403), not merely unreadable by the attacker.
  expect(seen.map((r) => `${r.url} ${r.status}`)).toEqual([
    `/api/disbursements/${draft}/instructions 403`,
    "/api/trpc/disbursements.delete 403",
    "/api/trpc/disbursements.delete 403",
    "/api/auth/signout 403",
    "/api/auth/callback/credentials 403",
    `/api/disbursements/${draft}/instructions 403`,
  ]);

  // Nothing changed: the stored file is the original, the disbursement exists, the victim is still signed in.
  const stored = await s.ctx.get(`/api/disbursements/${draft}/instructions?original=true`); // byte for byte (the default neutralizes the +phone)
  expect(stored.status()).toBe(200);
  const storedText = await stored.text();
  expect(storedText).toContain(tag);
  expect(storedText).not.toContain("attacker-1");
  const still = await trpcQuery<{ id: string; status: string }>(s, "disbursements.get", { id: draft });
  expect(still.data?.status ?? JSON.stringify(still)).toBe("READY");
  await page.goto(`${app}/disbursements/${draft}`);
  await expect(page.getByRole("button", { name: /Account menu/ })).toBeVisible();

  // tRPC takes JSON only, even from the app's own origin.
  const multipart = await s.ctx.post("/api/trpc/disbursements.delete", { multipart: { id: draft } });
  expect(multipart.status()).toBe(415);
  const formEncoded = await s.ctx.post("/api/trpc/disbursements.delete", { form: { id: draft } });
  expect(formEncoded.status()).toBe(415);
});

test("the upload limit is CSV_MAX_BYTES end to end: a file at the limit is read, a larger one gets 413 in words", async ({ baseURL }) => {
  test.setTimeout(540_000);
  const s = await ownerSession(baseURL!);
  const draft = await createDraft(s);

  // Exactly CSV_MAX_BYTES: one header and one row whose verification value fills the file. The CSV
  // validator refuses the row (a CSV error is fine); the multipart body must be read in full.
  const head = "phone,id,amount,verification\r\n+14155550100,limit-1,1,";
  const atLimit = Buffer.alloc(CSV_MAX_BYTES, "1");
  atLimit.write(head, 0, "utf8");
  atLimit.write("\r\n", CSV_MAX_BYTES - 2, "utf8");
  const read = await s.ctx.post(`/api/disbursements/${draft}/instructions`, {
    multipart: { file: { name: "at-limit.csv", mimeType: "text/csv", buffer: atLimit } },
    timeout: 120_000,
  });
  const readBody = await read.text();
  expect(read.status(), readBody.slice(0, 300)).not.toBe(413);
  expect(readBody).not.toMatch(/multipart/i);
  expect(readBody).toMatch(/line 2|could not parse csv file/);

  // 25.3 MB: refused from Content-Length, before the body is read.
  const over = Buffer.alloc(Math.round(25.3 * MB), "1");
  const refused = await s.ctx.post(`/api/disbursements/${draft}/instructions`, {
    multipart: { file: { name: "too-big.csv", mimeType: "text/csv", buffer: over } },
    timeout: 120_000,
  });
  expect(refused.status()).toBe(413);
  const body = (await refused.json()) as { error: string };
  expect(body.error).toBe(`The file is 25.3 MB; the limit is ${CSV_MAX_BYTES / MB} MB.`);

  // The REST API route has the same limit (API-key authenticated, so no Origin is needed).
  const key = await trpcMutation<{ key: string }>(s, "apiKeys.create", { name: unique("limit"), scopes: ["write:disbursements", "read:disbursements"] });
  expect(key.error, JSON.stringify(key.error)).toBeUndefined();
  const bearer = { authorization: `Bearer ${key.data!.key}` };
  const restRead = await s.ctx.post(`/api/v1/disbursements/${draft}/instructions`, {
    headers: bearer,
    multipart: { file: { name: "at-limit.csv", mimeType: "text/csv", buffer: atLimit } },
    timeout: 120_000,
  });
  const restReadBody = await restRead.text();
  expect(restRead.status(), restReadBody.slice(0, 300)).toBe(400);
  expect(restReadBody).not.toMatch(/multipart/i);
  const restRefused = await s.ctx.post(`/api/v1/disbursements/${draft}/instructions`, {
    headers: bearer,
    multipart: { file: { name: "too-big.csv", mimeType: "text/csv", buffer: over } },
    timeout: 120_000,
  });
  expect(restRefused.status()).toBe(413);
  expect(((await restRefused.json()) as { error: string }).error).toBe(`The file is 25.3 MB; the limit is ${CSV_MAX_BYTES / MB} MB.`);

  // No Content-Length (chunked): refused while streaming.
  const cookie = (await s.ctx.storageState()).cookies.map((c) => `${c.name}=${c.value}`).join("; ");
  const boundary = "----limit";
  const status = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const url = new URL(`/api/disbursements/${draft}/instructions`, baseURL);
    const req = http.request(url, {
      method: "POST",
      headers: { cookie, origin: baseURL!, "content-type": `multipart/form-data; boundary=${boundary}`, "transfer-encoding": "chunked" },
    });
    req.on("response", (res) => {
      let text = "";
      res.on("data", (c) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on("error", reject);
    req.write(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="chunked.csv"\r\nContent-Type: text/csv\r\n\r\n`);
    const chunk = Buffer.alloc(MB, "1");
    let sent = 0;
    const pump = () => {
      while (sent < 26) {
        sent++;
        if (!req.write(chunk)) return void req.once("drain", pump);
      }
      req.end(`\r\n--${boundary}--\r\n`);
    };
    pump();
  });
  expect(status.status, status.body.slice(0, 300)).toBe(413);
  expect((JSON.parse(status.body) as { error: string }).error).toMatch(new RegExp(`^The file is more than [\\d.]+ MB; the limit is ${CSV_MAX_BYTES / MB} MB\\.$`));
});
