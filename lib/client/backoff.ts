/** How long to wait between reconnection attempts. */
export interface BackoffOptions {
  /** The cap of the first attempt's delay. */
  initialDelayMs: number;
  /** No delay is longer than this. */
  maxDelayMs: number;
}

/**
 * Exponential backoff with full jitter: attempt n waits a uniformly random time in
 * [0, min(maxDelayMs, initialDelayMs · 2^(n-1))). Spreading over the whole range keeps a
 * server that restarts from being hit by all its clients at once.
 *
 * @example
 * backoffDelayMs(3, { initialDelayMs: 500, maxDelayMs: 10_000 }, Math.random); // somewhere in [0, 2000)
 *
 * @param attempt 1 for the first attempt after a drop
 * @param random a number in [0, 1); Math.random unless a test injects one
 */
export function backoffDelayMs(attempt: number, options: BackoffOptions, random: () => number): number {
  // 2^(n-1) overflows to Infinity past n ≈ 1024; Math.min then gives the cap, as it should.
  const capMs = Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** (Math.max(attempt, 1) - 1));
  return Math.floor(random() * capMs);
}
