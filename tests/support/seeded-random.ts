import { onTestFailed } from "vitest";

/**
 * Seeded randomness for tests whose behaviour is driven by random choices (when to kill a worker,
 * which faults to inject). The seed is TEST_SEED when set, else drawn once per call; a failing test
 * prints it, and `TEST_SEED=<seed> npx vitest run <file>` replays the same choices.
 */

/** mulberry32: a small, fast 32-bit PRNG; the same seed gives the same sequence. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type SeededRandom = {
  seed: number;
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max]. */
  int(min: number, max: number): number;
};

/** The seed of this run: TEST_SEED (an unsigned 32-bit integer) or a fresh one. */
export function testSeed(env: Record<string, string | undefined> = process.env): number {
  const given = env.TEST_SEED?.trim();
  if (given) {
    const n = Number(given);
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new Error(`TEST_SEED must be an integer from 0 to 4294967295, got "${given}".`);
    return n;
  }
  return Math.floor(Math.random() * 0x100000000);
}

/**
 * A seeded generator for the current test; called inside a test, it prints the seed if the test
 * fails (with the command that replays it).
 */
export function seededRandom(seed: number = testSeed()): SeededRandom {
  const next = mulberry32(seed);
  try {
    onTestFailed(() => console.error(`[seeded-random] this test used seed ${seed}; replay with TEST_SEED=${seed}`));
  } catch {
    // outside a running test (a module-level call): the caller reports the seed itself
  }
  return { seed, next, int: (min, max) => min + Math.floor(next() * (max - min + 1)) };
}
