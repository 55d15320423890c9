import { MuxedAccount, StellarToml, StrKey, WebAuth, type Transaction } from "@stellar/stellar-sdk";
import { parse as parseToml } from "smol-toml";
import { guardedRequest } from "@/server/net/guarded-fetch";
import { subkey } from "../crypto/keys";
import { sepConfig, type SepConfig } from "./config";
import { SepError } from "./errors";
import { signJwt, verifyJwt, type JwtClaims } from "./jwt";
import { stellarConfig } from "@/server/stellar/network";

/**
 * SEP-10 web authentication (docs/domain.md#sep-10-and-sep-24): a challenge transaction signed by the
 * server key that the wallet signs with its account's key(s); a verified challenge is exchanged for a JWT
 * (HS256 under `subkey("sep10-jwt")`) whose `sub` is the account (`account:memo` with an ID memo).
 */
export const CHALLENGE_TIMEOUT_SECONDS = 900;
export const TOKEN_LIFETIME_SECONDS = 24 * 3600;

export type AccountSigners = { signers: { key: string; weight: number }[]; thresholds: { med_threshold: number } };
/** Load an account's signers and thresholds from the ledger; null when the account does not exist. */
export type AccountLoader = (accountId: string) => Promise<AccountSigners | null>;
/** The SIGNING_KEY from a wallet's (client domain's) stellar.toml. */
export type ClientSigningKeyResolver = (clientDomain: string) => Promise<string>;

export const horizonAccountLoader: AccountLoader = async (accountId) => {
  const { horizonUrl } = stellarConfig();
  const response = await fetch(`${horizonUrl}/accounts/${encodeURIComponent(accountId)}`, { signal: AbortSignal.timeout(10_000) });
  if (response.status === 404) return null;
  if (!response.ok) throw new Error(`horizon answered ${response.status} loading ${accountId}`);
  const body = (await response.json()) as AccountSigners;
  return { signers: body.signers ?? [], thresholds: { med_threshold: Number(body.thresholds?.med_threshold ?? 0) } };
};

/**
 * `client_domain` comes from an unauthenticated request, so its stellar.toml is fetched through the
 * guarded client (server/net/guarded-fetch.ts): non-public addresses are refused unless listed in
 * OUTBOUND_ALLOW_HOSTS, the answer is capped, redirects are not followed.
 */
export const tomlClientSigningKeyResolver: ClientSigningKeyResolver = async (clientDomain) => {
  const local = /^(localhost|127\.0\.0\.1)(:\d+)?$/.test(clientDomain);
  const res = await guardedRequest(`${local ? "http" : "https"}://${clientDomain}/.well-known/stellar.toml`, {
    headers: { accept: "text/plain, application/toml" },
    timeoutMs: 10_000,
    maxResponseBytes: StellarToml.STELLAR_TOML_MAX_SIZE,
  });
  if (res.status !== 200 || res.truncated) throw new Error(`stellar.toml answered HTTP ${res.status}${res.truncated ? " (too large)" : ""}`);
  const toml = parseToml(res.body.toString("utf8")) as { SIGNING_KEY?: unknown };
  const key = toml.SIGNING_KEY;
  if (typeof key !== "string" || !StrKey.isValidEd25519PublicKey(key)) throw new Error("no valid SIGNING_KEY");
  return key;
};

const DOMAIN_PATTERN = /^[a-z0-9.-]+(:\d{1,5})?$/i;

function baseAccountId(account: string): string {
  return account.startsWith("M") ? MuxedAccount.fromAddress(account, "0").baseAccount().accountId() : account;
}

export type ChallengeRequest = { account?: string | null; memo?: string | null; homeDomain?: string | null; clientDomain?: string | null };

export async function createChallenge(
  input: ChallengeRequest,
  deps: { resolveClientSigningKey?: ClientSigningKeyResolver; config?: SepConfig } = {},
): Promise<{ transaction: string; network_passphrase: string }> {
  const config = deps.config ?? sepConfig();
  const account = input.account?.trim() ?? "";
  if (!StrKey.isValidEd25519PublicKey(account) && !StrKey.isValidMed25519PublicKey(account)) throw new SepError(400, "invalid 'account'");
  const memo = input.memo?.trim() || null;
  if (memo !== null) {
    if (account.startsWith("M")) throw new SepError(400, "'memo' cannot be used with a muxed account");
    if (!/^\d{1,20}$/.test(memo) || BigInt(memo) > 18446744073709551615n) throw new SepError(400, "invalid 'memo': must be an ID memo");
  }
  const homeDomain = input.homeDomain?.trim() || config.homeDomain;
  if (homeDomain !== config.homeDomain) throw new SepError(400, `invalid 'home_domain': expected ${config.homeDomain}`);
  const clientDomain = input.clientDomain?.trim() || null;
  let clientSigningKey: string | null = null;
  if (clientDomain) {
    if (!DOMAIN_PATTERN.test(clientDomain)) throw new SepError(400, "invalid 'client_domain'");
    try {
      clientSigningKey = await (deps.resolveClientSigningKey ?? tomlClientSigningKeyResolver)(clientDomain);
    } catch {
      throw new SepError(400, "unable to fetch the SIGNING_KEY of 'client_domain'");
    }
  }
  // The SDK adds manage_data("<home_domain> auth", 48 random bytes base64) sourced by the client
  // account and manage_data("web_auth_domain", host) (and "client_domain") sourced by the server.
  const transaction = WebAuth.buildChallengeTx(
    config.signingKeypair,
    account,
    homeDomain,
    CHALLENGE_TIMEOUT_SECONDS,
    config.networkPassphrase,
    config.webAuthDomain,
    memo,
    clientDomain,
    clientSigningKey,
  );
  return { transaction, network_passphrase: config.networkPassphrase };
}

export type Sep10Session = { account: string; memo: string | null; clientDomain: string | null; sub: string };

function clientDomainOf(tx: Transaction): string | null {
  for (const op of tx.operations) {
    if (op.type === "manageData" && op.name === "client_domain" && op.value) return Buffer.from(op.value).toString("utf8");
  }
  return null;
}

/** Verify a signed challenge and issue the SEP-10 JWT. */
export async function verifyChallenge(
  transaction: string | null | undefined,
  deps: { loadAccount?: AccountLoader; config?: SepConfig; now?: Date } = {},
): Promise<{ token: string; session: Sep10Session }> {
  const config = deps.config ?? sepConfig();
  if (!transaction || typeof transaction !== "string") throw new SepError(400, "'transaction' is required");
  const serverAccount = config.signingKeypair.publicKey();
  const domains = [config.homeDomain];
  let read: ReturnType<typeof WebAuth.readChallengeTx>;
  try {
    read = WebAuth.readChallengeTx(transaction, serverAccount, config.networkPassphrase, domains, config.webAuthDomain);
  } catch (error) {
    throw new SepError(400, `invalid challenge: ${error instanceof Error ? error.message : String(error)}`);
  }
  const { tx, clientAccountID, memo } = read;
  const accountId = baseAccountId(clientAccountID);
  let account: AccountSigners | null;
  try {
    account = await (deps.loadAccount ?? horizonAccountLoader)(accountId);
  } catch {
    throw new SepError(503, "unable to load the account from the Stellar network");
  }
  try {
    if (account) {
      // An existing account: its signers must reach the medium threshold.
      WebAuth.verifyChallengeTxThreshold(
        transaction,
        serverAccount,
        config.networkPassphrase,
        account.thresholds.med_threshold,
        account.signers.map((s) => ({ key: s.key, weight: s.weight, type: "ed25519_public_key" })),
        domains,
        config.webAuthDomain,
      );
    } else {
      // Not on the ledger yet: the master key's signature suffices.
      const found = WebAuth.verifyChallengeTxSigners(transaction, serverAccount, config.networkPassphrase, [accountId], domains, config.webAuthDomain);
      if (!found.includes(accountId)) throw new Error("not signed by the client account");
    }
  } catch (error) {
    // SEP-10: a challenge that fails verification is a bad request (400), as the anchor test suite checks.
    throw new SepError(400, `challenge verification failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  const clientDomain = clientDomainOf(tx);
  const sub = memo ? `${clientAccountID}:${memo}` : clientAccountID;
  const iat = Math.floor((deps.now ?? new Date()).getTime() / 1000);
  const claims: JwtClaims = {
    iss: config.webAuthEndpoint,
    sub,
    iat,
    exp: iat + TOKEN_LIFETIME_SECONDS,
    jti: Buffer.from(tx.hash()).toString("hex"),
    home_domain: config.homeDomain,
    ...(clientDomain ? { client_domain: clientDomain } : {}),
  };
  return { token: signJwt(claims, subkey("sep10-jwt")), session: { account: clientAccountID, memo: memo ?? null, clientDomain, sub } };
}

/** The session of a valid SEP-10 JWT issued by this server; null when forged, expired or foreign. */
export function readSep10Token(token: string, options: { config?: SepConfig; now?: Date } = {}): Sep10Session | null {
  const config = options.config ?? sepConfig();
  const claims = verifyJwt(token, subkey("sep10-jwt"), options.now);
  if (!claims || claims.iss !== config.webAuthEndpoint || typeof claims.sub !== "string") return null;
  const [account, memo] = claims.sub.split(":") as [string, string | undefined];
  if (!StrKey.isValidEd25519PublicKey(account) && !StrKey.isValidMed25519PublicKey(account)) return null;
  const clientDomain = typeof claims.client_domain === "string" ? claims.client_domain : null;
  return { account, memo: memo ?? null, clientDomain, sub: claims.sub };
}

/**
 * `Authorization: Bearer <jwt>` → session. Missing, forged or expired: 403 `{type: "authentication_required"}`,
 * the answer SEP-24 prescribes for every endpoint that needs a token.
 */
export function requireSep10Session(request: Request, options: { config?: SepConfig; now?: Date } = {}): Sep10Session {
  const header = request.headers.get("authorization") ?? "";
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  if (!match) throw new SepError(403, "authentication required: send a SEP-10 token as 'Authorization: Bearer <token>'", AUTHENTICATION_REQUIRED);
  const session = readSep10Token(match[1]!, options);
  if (!session) throw new SepError(403, "authentication required: the SEP-10 token is invalid or expired", AUTHENTICATION_REQUIRED);
  return session;
}

const AUTHENTICATION_REQUIRED = { type: "authentication_required" };
