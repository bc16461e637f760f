/** The longest delay setTimeout keeps (2^31 - 1 ms, about 24.8 days); a longer one fires after 1 ms. */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/** A delay a timer keeps as given: above 0 and at most MAX_TIMER_DELAY_MS (NaN and Infinity are not). */
export const isTimerDelay = (delayMs: number): boolean => delayMs > 0 && delayMs <= MAX_TIMER_DELAY_MS;
