/**
 * How many dead workers may be replaced: at most `maxRestarts` within any `windowMs`, so a worker
 * that dies at start (a bad deploy, a port taken) is not forked in a loop.
 */
export class RestartBudget {
  /** When the restarts still inside the window happened, oldest first. */
  private readonly restartsAtMs: number[] = [];

  constructor(
    private readonly maxRestarts: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one restart when the budget has one left. */
  take(): boolean {
    if (this.waitMs() > 0) return false;
    this.restartsAtMs.push(this.now());
    return true;
  }

  /** How long until `take()` gives a restart: 0 now, Infinity never (a budget of 0). */
  waitMs(): number {
    if (this.maxRestarts === 0) return Infinity;
    const nowMs = this.now();
    while (this.restartsAtMs.length > 0 && this.restartsAtMs[0] <= nowMs - this.windowMs) this.restartsAtMs.shift();
    if (this.restartsAtMs.length < this.maxRestarts) return 0;
    return this.restartsAtMs[this.restartsAtMs.length - this.maxRestarts] + this.windowMs - nowMs;
  }
}
