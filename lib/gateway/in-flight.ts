/** Handler runs that have started and not finished, so a shutdown can let their replies go out first. */
export class InFlight {
  private count = 0;
  private waiters: (() => void)[] = [];

  track(work: Promise<unknown>): void {
    this.count++;
    void work.finally(() => {
      if (--this.count > 0) return;
      const waiters = this.waiters;
      this.waiters = [];
      for (const resolve of waiters) resolve();
    });
  }

  /** Resolves when nothing is in flight. */
  whenIdle(): Promise<void> {
    return this.count === 0 ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }
}
