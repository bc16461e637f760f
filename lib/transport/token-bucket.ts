/**
 * A token bucket: `capacity` tokens, refilled at `ratePerSecond`, taken by what it meters. Times are
 * monotonic (performance.now()): the wall clock may be set back, and a bucket read by it would stay in
 * debt that long (an hour back: an hour refused).
 */
export class TokenBucket {
  private tokens: number;
  private refilledAt: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly capacity: number,
    now = performance.now(),
  ) {
    this.tokens = capacity;
    this.refilledAt = now;
  }

  /** Refills up to `now`, then: are there `cost` tokens? Nothing is taken, so two buckets can be checked before either is charged. */
  has(cost: number, now = performance.now()): boolean {
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.refilledAt) / 1000) * this.ratePerSecond);
    this.refilledAt = now;
    // A cost above the whole capacity would never pass: it passes on a full bucket, and the debt it
    // leaves (tokens below zero) is waited out, so the rate still holds.
    return this.tokens >= Math.min(cost, this.capacity);
  }

  /** Takes `cost` tokens that `has(cost)` just confirmed. */
  take(cost: number): void {
    this.tokens -= cost;
  }
}
