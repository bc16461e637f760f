// Counts the timers library code arms and has not yet fired or cleared, refed or not
// (process.getActiveResourcesInfo() leaves unref'd ones out). Installed for one test at a time.

export interface LiveTimers {
  /** Timers set since install() that have neither fired nor been cleared. */
  readonly count: number;
  uninstall(): void;
}

export function installLiveTimers(): LiveTimers {
  const realSetTimeout = global.setTimeout;
  const realClearTimeout = global.clearTimeout;
  const live = new Set<unknown>();
  const setTimeoutCounted = (callback: (...args: unknown[]) => void, delayMs?: number, ...args: unknown[]): NodeJS.Timeout => {
    const timer = realSetTimeout(() => {
      live.delete(timer);
      callback(...args);
    }, delayMs);
    live.add(timer);
    return timer;
  };
  const clearTimeoutCounted = (timer: NodeJS.Timeout | string | number | undefined): void => {
    live.delete(timer);
    realClearTimeout(timer);
  };
  global.setTimeout = setTimeoutCounted as unknown as typeof global.setTimeout;
  global.clearTimeout = clearTimeoutCounted as typeof global.clearTimeout;
  return {
    get count() {
      return live.size;
    },
    uninstall() {
      global.setTimeout = realSetTimeout;
      global.clearTimeout = realClearTimeout;
    },
  };
}
