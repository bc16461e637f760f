import * as client from 'prom-client';
import { MemoryAdapter } from '../../../../lib/adapters/memory/memory.adapter';
import { msBoundFor, registerHandlerDurationHistogram } from '../../../../lib/observability/prometheus/handler-duration-histogram';
import { WebSocketStats } from '../../../../lib/observability/websocket-stats';

/** The next doubles around `x` (x > 0): one ulp below and above. */
const ulpAround = (x: number): [number, number] => {
  const float = new Float64Array([x]);
  const bits = new BigInt64Array(float.buffer);
  bits[0] -= 1n;
  const below = float[0];
  bits[0] += 2n;
  return [below, float[0]];
};

/**
 * An exposition with its `_sum` values apart: ours adds ms and divides once, prom-client adds
 * seconds, so the last digit may differ; everything else must match to the byte.
 */
const apartFromSums = (text: string): { lines: string; sums: number[] } => {
  const sums: number[] = [];
  const lines = text.replace(/^(\S+_sum\S*) (\S+)$/gm, (_line, series: string, value: string) => {
    sums.push(Number(value));
    return `${series} <sum>`;
  });
  return { lines, sums };
};

const expectSameExposition = (ours: string, theirs: string): void => {
  const [a, b] = [apartFromSums(ours), apartFromSums(theirs)];
  expect(a.lines).toBe(b.lines);
  expect(a.sums).toHaveLength(b.sums.length);
  a.sums.forEach((sum, i) => expect(sum).toBeCloseTo(b.sums[i], 12));
};

/** getMetricsAsJSON() values without `exemplar` (prom-client writes null when it has none; we keep none). */
const withoutExemplars = (metrics: client.MetricObjectWithValues<client.MetricValue<string>>[]): unknown =>
  metrics.map((metric) => ({ ...metric, values: metric.values.map(({ labels, value, metricName }: client.MetricValueWithName<string>) => ({ labels, value, metricName })) }));

describe('registerHandlerDurationHistogram', () => {
  const help = 'Handler durations.';

  /** The same durations (ms) through our histogram and through prom-client's observe(), as prom-client renders each. */
  const renderBoth = async (buckets: number[], durations: [event: string | undefined, ms: number][], contentType: client.RegistryContentType = client.Registry.PROMETHEUS_CONTENT_TYPE) => {
    const stats = new WebSocketStats(new MemoryAdapter());
    const [ours, theirs] = [new client.Registry(), new client.Registry()];
    ours.setContentType(contentType as client.PrometheusContentType); // the types bind a registry to the default type
    theirs.setContentType(contentType as client.PrometheusContentType);
    const tracker = registerHandlerDurationHistogram(client, stats, { name: 'ws_handler_duration_seconds', help, buckets, registers: [ours] });
    const reference = new client.Histogram({ name: 'ws_handler_duration_seconds', help, labelNames: ['gateway', 'event'], buckets, registers: [theirs] });
    const gateway = stats.forGateway('ChatGateway', '/chat');
    gateway.recorderFor('never'); // a handler without messages has no series, as in prom-client
    for (const [event, ms] of durations) {
      gateway.handled(gateway.recorderFor(event), ms);
      reference.observe({ gateway: 'ChatGateway', event: event ?? '' }, ms / 1000);
    }
    const rendered = { ours: await ours.metrics(), theirs: await theirs.metrics(), oursJson: await ours.getMetricsAsJSON(), theirsJson: await theirs.getMetricsAsJSON() };
    tracker.release();
    return rendered;
  };

  it('renders the exposition prom-client renders for the same observations, the raw handler under event=""', async () => {
    const { ours, theirs, oursJson, theirsJson } = await renderBoth(
      [0.0005, 0.001, 0.01, 1],
      [
        ['join', 0.3],
        ['join', 0.5], // on a bound
        ['join', 4],
        ['join', 2000], // above the last bound
        [undefined, 0.8],
      ],
    );

    expectSameExposition(ours, theirs);
    expect(withoutExemplars(oursJson)).toEqual(withoutExemplars(theirsJson));
    expect(ours).toContain('ws_handler_duration_seconds_bucket{le="0.0005",gateway="ChatGateway",event="join"} 2');
    expect(ours).toContain('ws_handler_duration_seconds_count{gateway="ChatGateway",event=""} 1');
    expect(ours).not.toContain('event="never"');
  });

  it('renders the same OpenMetrics text', async () => {
    const { ours, theirs } = await renderBoth([0.001, 0.1], [['join', 0.7]], client.Registry.OPENMETRICS_CONTENT_TYPE);

    expect(ours).toMatch(/# EOF\n$/);
    expectSameExposition(ours, theirs);
  });

  it('puts a duration on a bound, and one ulp either side of it, in the bucket prom-client puts it, whatever the bounds', async () => {
    // For the first six, seconds * 1000 is one ulp off the exact split, on either side.
    const awkward = [0.0021, 0.0079, 0.0131, 0.0158, 0.0262, 0.0313];
    const bounds = [...awkward, 0.0005, 0.0025, 0.25].sort((a, b) => a - b);
    const durations = bounds.flatMap((s): [string, number][] => [s * 1000, ...ulpAround(s * 1000)].map((ms) => ['tick', ms]));

    const { ours, theirs } = await renderBoth(bounds, durations);

    expect(awkward.filter((s) => msBoundFor(s) !== s * 1000)).toEqual(awkward);
    expectSameExposition(ours, theirs);
  });
});

describe('msBoundFor', () => {
  it('is the largest duration in ms that prom-client would count at or below the bound in seconds', () => {
    for (const seconds of [0.0005, 0.0021, 0.0079, 0.1234567, 2.5, 10]) {
      const bound = msBoundFor(seconds);
      const [, above] = ulpAround(bound);

      expect([bound / 1000 <= seconds, above / 1000 <= seconds]).toEqual([true, false]);
    }
  });
});
