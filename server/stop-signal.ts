/**
 * A stop flag for worker loops with a sleep that stopping cuts short, so a SIGTERM does not wait
 * out the longest idle interval. Shared by the payment engine's loops and the G2P loops.
 */
export function createStopSignal() {
  let stopped = false;
  const wakers = new Set<() => void>();
  return {
    get stopped() {
      return stopped;
    },
    sleep(ms: number): Promise<void> {
      return new Promise<void>((resolve) => {
        if (stopped) return resolve();
        const done = () => {
          clearTimeout(timer);
          wakers.delete(done);
          resolve();
        };
        const timer = setTimeout(done, ms);
        wakers.add(done);
      });
    },
    stop() {
      stopped = true;
      for (const wake of [...wakers]) wake();
    },
  };
}
