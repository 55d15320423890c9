/**
 * Sign-in throttling policy (docs/security.md, "Sign-in throttling"). Three limits on failed
 * password checks, none of which can lock the account owner out from their own address:
 * - per (email, address): `maxFailures` per `windowSeconds`, then 429 for that address only;
 * - per address across all emails (credential stuffing): `ipMaxFailures` per `ipWindowSeconds`;
 * - per account from every address: after `accountDelayAfter` failures within
 *   `accountWindowSeconds`, each further attempt waits `accountDelaySeconds()` before the password
 *   is checked, whoever sends it. That slows guessing down but the right password still works.
 */
export type ThrottlePolicy = {
  maxFailures: number;
  windowSeconds: number;
  ipMaxFailures: number;
  ipWindowSeconds: number;
  accountDelayAfter: number;
  accountWindowSeconds: number;
  accountMaxDelaySeconds: number;
};

export const DEFAULT_THROTTLE_POLICY: ThrottlePolicy = {
  maxFailures: 5,
  windowSeconds: 60,
  ipMaxFailures: 50,
  ipWindowSeconds: 600,
  accountDelayAfter: 10,
  accountWindowSeconds: 900,
  accountMaxDelaySeconds: 30,
};

/**
 * Seconds an attempt on an account waits before its password is checked, given the account's
 * failures (from every address) in the account window: none below the threshold, then 1, 2, 4, …
 * up to the cap.
 */
export function accountDelaySeconds(failures: number, policy: Pick<ThrottlePolicy, "accountDelayAfter" | "accountMaxDelaySeconds">): number {
  if (failures < policy.accountDelayAfter) return 0;
  return Math.min(2 ** (failures - policy.accountDelayAfter), policy.accountMaxDelaySeconds);
}

/** "45 seconds", "1 minute", "10 minutes": for "wait … and try again". */
export function waitInWords(seconds: number): string {
  const s = Math.max(1, Math.ceil(seconds));
  if (s < 90) return `${s} second${s === 1 ? "" : "s"}`;
  const m = Math.ceil(s / 60);
  return `${m} minute${m === 1 ? "" : "s"}`;
}
