/**
 * The one way tests wait: `sleep` for a pause that only has to be at least so long, and `waitFor`
 * to poll a condition until it holds. Deadlines are generous (a loaded 2-core machine can be five
 * times slower than an idle one): a deadline only decides how long a broken test takes to fail,
 * never whether a working one passes. No test asserts on elapsed time.
 */

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export type WaitOptions = {
  /** Give up after this long (default 120 s). */
  timeoutMs?: number;
  /** Pause between checks (default 100 ms). */
  intervalMs?: number;
  /** What is awaited, for the failure message ("the envelope to start"). */
  message?: string;
  /** More context appended to the failure message (a worker's last log lines, ...). */
  details?: () => string;
};

/**
 * Poll `check` until it returns a truthy value and return that value; at the deadline fail naming
 * what was awaited and the last value seen. A check that throws fails at once.
 */
export async function waitFor<T>(check: () => Promise<T> | T, options: WaitOptions = {}): Promise<NonNullable<T>> {
  const { timeoutMs = 120_000, intervalMs = 100, message = "a condition" } = options;
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await check();
    if (last) return last as NonNullable<T>;
    if (Date.now() >= deadline) break;
    await sleep(intervalMs);
  }
  const extra = options.details?.();
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${message} (last: ${JSON.stringify(last)?.slice(0, 500)})${extra ? `\n${extra}` : ""}`);
}
