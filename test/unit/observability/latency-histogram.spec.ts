import { LATENCY_BUCKETS_MS, LatencyHistogram } from '../../../lib/observability/latency-histogram';

describe('LatencyHistogram', () => {
  it('reports zeros, with every bucket empty, before any observation', () => {
    expect(new LatencyHistogram().snapshot()).toEqual({
      count: 0,
      sumMs: 0,
      buckets: LATENCY_BUCKETS_MS.map((le) => ({ le, count: 0 })),
      p50Ms: 0,
      p95Ms: 0,
      p99Ms: 0,
    });
  });

  it('counts an observation in the first bucket whose bound is at or above it, cumulatively', () => {
    const histogram = new LatencyHistogram();
    histogram.observe(0.1); // on the first bound
    histogram.observe(0.3);
    histogram.observe(7);

    const { count, sumMs, buckets } = histogram.snapshot();
    const at = (le: number): number | undefined => buckets.find((bucket) => bucket.le === le)?.count;

    expect(count).toBe(3);
    expect(sumMs).toBeCloseTo(7.4);
    expect([at(0.1), at(0.25), at(0.5), at(5), at(10), at(10000)]).toEqual([1, 1, 2, 2, 3, 3]);
  });

  it('counts an observation above the last bound in the total only, and reports that bound as its quantile', () => {
    const histogram = new LatencyHistogram();
    histogram.observe(60_000);

    const snapshot = histogram.snapshot();

    expect(snapshot.count).toBe(1);
    expect(snapshot.buckets.at(-1)).toEqual({ le: 10000, count: 0 });
    expect(snapshot.p99Ms).toBe(10000);
  });

  it('estimates quantiles by interpolating inside the bucket that holds them', () => {
    const histogram = new LatencyHistogram();
    for (let i = 0; i < 100; i++) histogram.observe(i < 90 ? 2 : 40); // 90 in (1, 2.5], 10 in (25, 50]

    const { p50Ms, p95Ms, p99Ms } = histogram.snapshot();

    expect(p50Ms).toBeCloseTo(1 + 1.5 * (50 / 90));
    expect(p95Ms).toBeCloseTo(25 + 25 * (5 / 10));
    expect(p99Ms).toBeCloseTo(25 + 25 * (9 / 10));
  });

  it('merges another histogram’s observations into its own', () => {
    const a = new LatencyHistogram();
    const b = new LatencyHistogram();
    a.observe(1);
    b.observe(1);
    b.observe(100);

    const merged = new LatencyHistogram().merge(a).merge(b).snapshot();

    expect(merged.count).toBe(3);
    expect(merged.sumMs).toBe(102);
    expect(merged.buckets.find((bucket) => bucket.le === 1)?.count).toBe(2);
    expect(a.snapshot().count).toBe(1); // the sources are untouched
  });

  describe('with bounds of its own', () => {
    const bounds = [1, 5, 20];

    it('counts a value on a bound in that bound’s bucket, and one just above it in the next', () => {
      const histogram = new LatencyHistogram(bounds);
      histogram.observe(5);
      histogram.observe(5.000001);

      expect(histogram.snapshot().buckets).toEqual([
        { le: 1, count: 0 },
        { le: 5, count: 1 },
        { le: 20, count: 2 },
      ]);
    });

    it('counts a value above the last bound in the total and the sum only', () => {
      const histogram = new LatencyHistogram(bounds);
      histogram.observe(3);
      histogram.observe(100);

      const { count, sumMs, buckets, p99Ms } = histogram.snapshot();

      expect({ count, sumMs, last: buckets.at(-1), p99Ms }).toEqual({ count: 2, sumMs: 103, last: { le: 20, count: 1 }, p99Ms: 20 });
    });

    it('interpolates quantiles between its own bounds', () => {
      const histogram = new LatencyHistogram(bounds);
      for (let i = 0; i < 10; i++) histogram.observe(i < 8 ? 3 : 10); // 8 in (1, 5], 2 in (5, 20]

      const { p50Ms, p95Ms } = histogram.snapshot();

      expect(p50Ms).toBeCloseTo(1 + 4 * (5 / 8));
      expect(p95Ms).toBeCloseTo(5 + 15 * (1.5 / 2));
    });
  });
});
