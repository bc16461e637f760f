/** Upper bounds of the latency buckets, in ms: fine below 10 ms, where handlers usually are. */
export const LATENCY_BUCKETS_MS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000] as const;

/** One bucket of a latency histogram: observations at or below `le` ms (cumulative, as Prometheus counts). */
export interface LatencyBucket {
  le: number;
  count: number;
}

/** What a latency histogram held when it was read. */
export interface LatencySnapshot {
  count: number;
  sumMs: number;
  /** Cumulative counts per upper bound; observations above the last bound count only in `count`. */
  buckets: LatencyBucket[];
  /** Estimated from the buckets (linear within one); 0 without observations. */
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
}

/**
 * A fixed-bucket histogram: observing is a short scan and two increments, no allocation. An
 * observation goes to the first bound at or above it, as prom-client counts.
 */
export class LatencyHistogram {
  /** One per bound, and one for observations above the last bound. */
  private readonly counts: number[];
  private count = 0;
  private sumMs = 0;

  constructor(private readonly boundsMs: readonly number[] = LATENCY_BUCKETS_MS) {
    this.counts = new Array<number>(boundsMs.length + 1).fill(0);
  }

  observe(ms: number): void {
    const bounds = this.boundsMs;
    let i = 0;
    while (i < bounds.length && ms > bounds[i]) i++;
    this.counts[i]++;
    this.count++;
    this.sumMs += ms;
  }

  /** Adds another histogram's observations, made with the same bounds, to this one (totals across gateways). */
  merge(other: LatencyHistogram): this {
    for (let i = 0; i < this.counts.length; i++) this.counts[i] += other.counts[i];
    this.count += other.count;
    this.sumMs += other.sumMs;
    return this;
  }

  snapshot(): LatencySnapshot {
    let cumulative = 0;
    const buckets = this.boundsMs.map((le, i) => ({ le, count: (cumulative += this.counts[i]) }));
    return {
      count: this.count,
      sumMs: this.sumMs,
      buckets,
      p50Ms: this.quantile(0.5),
      p95Ms: this.quantile(0.95),
      p99Ms: this.quantile(0.99),
    };
  }

  /** The q-quantile, interpolated inside its bucket; past the last bound, that bound. */
  private quantile(q: number): number {
    if (this.count === 0) return 0;
    const bounds = this.boundsMs;
    const rank = q * this.count;
    let below = 0;
    for (let i = 0; i < bounds.length; i++) {
      const inBucket = this.counts[i];
      if (below + inBucket >= rank && inBucket > 0) {
        const lower = i === 0 ? 0 : bounds[i - 1];
        return lower + ((bounds[i] - lower) * (rank - below)) / inBucket;
      }
      below += inBucket;
    }
    return bounds.at(-1) ?? 0;
  }
}
