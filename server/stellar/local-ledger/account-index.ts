/**
 * Secondary indexes over the committed accounts, kept up to date on every write of the account store
 * (state.ts AccountStore.put), so `/accounts?signer=|asset=|sponsor=` and `/assets` never scan all
 * accounts:
 *  - signer → accounts it can sign for (the master key counts while its weight is above 0, as in
 *    Horizon's account signers);
 *  - asset (`CODE:ISSUER`) → accounts holding a trustline to it;
 *  - sponsor → accounts whose entry or a subentry (trustline, signer, data entry) it sponsors;
 *  - per asset: number of trustlines and their balances by authorization state (Horizon's asset stats).
 */
import type { AccountState, Trustline } from "./state";

// TrustLineFlags (XDR); state.ts has the same constants but imports this file (no import cycle).
const TL_AUTHORIZED = 0x1;
const TL_AUTHORIZED_TO_MAINTAIN_LIABILITIES = 0x2;

export interface AssetStats {
  type: "credit_alphanum4" | "credit_alphanum12";
  code: string;
  issuer: string;
  accounts: { authorized: number; maintain: number; unauthorized: number };
  balances: { authorized: bigint; maintain: bigint; unauthorized: bigint };
}

type Bucket = "authorized" | "maintain" | "unauthorized";

const bucketOf = (t: Trustline): Bucket =>
  (t.flags & TL_AUTHORIZED) !== 0 ? "authorized" : (t.flags & TL_AUTHORIZED_TO_MAINTAIN_LIABILITIES) !== 0 ? "maintain" : "unauthorized";

function keysOf(a: AccountState | undefined): Set<string> {
  const keys = new Set<string>();
  if (!a) return keys;
  if (a.thresholds.master > 0) keys.add(`signer:${a.id}`);
  for (const s of a.signers) {
    keys.add(`signer:${s.key}`);
    if (s.sponsor) keys.add(`sponsor:${s.sponsor}`);
  }
  for (const t of a.trustlines.values()) {
    keys.add(`asset:${t.code}:${t.issuer}`);
    if (t.sponsor) keys.add(`sponsor:${t.sponsor}`);
  }
  for (const d of a.data.values()) if (d.sponsor) keys.add(`sponsor:${d.sponsor}`);
  if (a.sponsor) keys.add(`sponsor:${a.sponsor}`);
  return keys;
}

export class AccountIndex {
  private readonly sets = new Map<string, Set<string>>();
  readonly assets = new Map<string, AssetStats>();

  /** `before` is the committed entry being replaced (undefined for a new account). */
  replace(before: AccountState | undefined, after: AccountState): void {
    const old = keysOf(before);
    const now = keysOf(after);
    for (const k of old) {
      if (now.has(k)) continue;
      const set = this.sets.get(k);
      set?.delete(after.id);
      if (set && set.size === 0) this.sets.delete(k);
    }
    for (const k of now) {
      if (old.has(k)) continue;
      let set = this.sets.get(k);
      if (!set) this.sets.set(k, (set = new Set()));
      set.add(after.id);
    }
    if (before) for (const t of before.trustlines.values()) this.count(t, -1);
    for (const t of after.trustlines.values()) this.count(t, 1);
  }

  private count(t: Trustline, sign: 1 | -1): void {
    const key = `${t.code}:${t.issuer}`;
    let s = this.assets.get(key);
    if (!s) {
      s = {
        type: t.assetType,
        code: t.code,
        issuer: t.issuer,
        accounts: { authorized: 0, maintain: 0, unauthorized: 0 },
        balances: { authorized: 0n, maintain: 0n, unauthorized: 0n },
      };
      this.assets.set(key, s);
    }
    const b = bucketOf(t);
    s.accounts[b] += sign;
    s.balances[b] += sign === 1 ? t.balance : -t.balance;
    if (s.accounts.authorized + s.accounts.maintain + s.accounts.unauthorized === 0) this.assets.delete(key);
  }

  /** Ids of the accounts `signer` signs for / holding `CODE:ISSUER` / sponsored by `sponsor`. */
  accountsWith(kind: "signer" | "asset" | "sponsor", value: string): ReadonlySet<string> {
    return this.sets.get(`${kind}:${value}`) ?? new Set();
  }
}
