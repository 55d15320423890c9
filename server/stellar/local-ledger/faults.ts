/**
 * Fault injection for transaction submission (POST /transactions and /transactions_async), switchable
 * at run time. Draws come from a seeded PRNG, so a run with the same seed and the same request order
 * sees the same faults.
 *
 *  - `timeoutRate`: the transaction is validated and queued (it WILL apply, or be dropped as invalid at
 *    close like any other) but the submitter gets 504 `timeout` with `extras.hash` right away (sync only);
 *  - `rate429` / `rate500`: 429 rate_limit_exceeded / 500 server_error; nothing is queued;
 *  - `dropRate`: the socket is destroyed with no answer. Half of the drops (a fair coin from the same
 *    PRNG) happen BEFORE the transaction is looked at (never applied), the other half AFTER it was queued
 *    (it applies): the submitter cannot tell which, as with a real network failure;
 *  - `latencyMs`: added before every answer of every endpoint (not the /_faults admin endpoint).
 * Rates are probabilities in [0, 1], drawn in that order: drop-before, 429, 500, then after queueing
 * timeout or drop-after.
 */

export interface FaultConfig {
  timeoutRate: number;
  rate429: number;
  rate500: number;
  dropRate: number;
  latencyMs: number;
  /** PRNG seed; setting it restarts the sequence. */
  seed: number;
}

export const NO_FAULTS: FaultConfig = { timeoutRate: 0, rate429: 0, rate500: 0, dropRate: 0, latencyMs: 0, seed: 1 };

/** mulberry32: small, fast, good enough for fault draws. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const clampRate = (v: unknown, fallback: number): number => {
  const n = typeof v === "number" ? v : typeof v === "string" ? Number(v) : NaN;
  return Number.isFinite(n) ? Math.min(1, Math.max(0, n)) : fallback;
};

export type BeforeFault = "drop" | "429" | "500" | null;
export type AfterFault = "timeout" | "drop" | null;

export class FaultInjector {
  private config: FaultConfig = { ...NO_FAULTS };
  private random: () => number = mulberry32(NO_FAULTS.seed);
  /** How many of each fault were injected (for tests and the /_faults endpoint). */
  readonly counts = { timeout: 0, rate429: 0, rate500: 0, dropBefore: 0, dropAfter: 0 };

  constructor(initial?: Partial<FaultConfig>) {
    if (initial) this.set(initial);
  }

  get(): FaultConfig {
    return { ...this.config };
  }

  /** Merge `patch` into the configuration (unknown keys ignored, rates clamped to [0, 1]). */
  set(patch: Partial<FaultConfig>): FaultConfig {
    const c = this.config;
    const next: FaultConfig = {
      timeoutRate: clampRate(patch.timeoutRate, c.timeoutRate),
      rate429: clampRate(patch.rate429, c.rate429),
      rate500: clampRate(patch.rate500, c.rate500),
      dropRate: clampRate(patch.dropRate, c.dropRate),
      latencyMs: Math.max(0, Number.isFinite(Number(patch.latencyMs)) && patch.latencyMs !== undefined ? Number(patch.latencyMs) : c.latencyMs),
      seed: patch.seed !== undefined && Number.isFinite(Number(patch.seed)) ? Number(patch.seed) : c.seed,
    };
    if (patch.seed !== undefined) this.random = mulberry32(next.seed);
    this.config = next;
    return this.get();
  }

  get latencyMs(): number {
    return this.config.latencyMs;
  }

  /** Decided when a submission arrives, before it is parsed. */
  before(): BeforeFault {
    const c = this.config;
    if (c.dropRate > 0 && this.random() < c.dropRate / 2) {
      this.counts.dropBefore++;
      return "drop";
    }
    if (c.rate429 > 0 && this.random() < c.rate429) {
      this.counts.rate429++;
      return "429";
    }
    if (c.rate500 > 0 && this.random() < c.rate500) {
      this.counts.rate500++;
      return "500";
    }
    return null;
  }

  /** Decided once a submission was queued. `sync`: POST /transactions (timeouts only apply there). */
  after(sync: boolean): AfterFault {
    const c = this.config;
    if (sync && c.timeoutRate > 0 && this.random() < c.timeoutRate) {
      this.counts.timeout++;
      return "timeout";
    }
    // The other half of the drops (conditional on not having dropped before): dropRate/2 overall.
    if (c.dropRate > 0 && this.random() < c.dropRate / 2 / Math.max(1e-9, 1 - c.dropRate / 2)) {
      this.counts.dropAfter++;
      return "drop";
    }
    return null;
  }
}
