import type { Registry } from 'prom-client';
import { HandlerDurationTracker } from '../handler-durations';
import { WebSocketStats } from '../websocket-stats';

type PromClient = typeof import('prom-client');

/** `ws_handler_duration_seconds` as the metrics module configures it. */
export interface HandlerDurationHistogramConfig {
  name: string;
  help: string;
  /** Upper bounds in seconds, as prom-client takes them. */
  buckets: number[];
  registers: Registry[];
}

/** One line of prom-client's exposition: its own labels, and the series' labels it renders once. */
interface ExpositionValue {
  metricName: string;
  labels: Record<string, string | number>;
  sharedLabels: Record<string, string>;
  value: number;
}

/**
 * Registers a prom-client Histogram of handler durations by gateway and event whose values come
 * from WebSocketStats at each scrape. Observing through prom-client on every message (it hashes
 * the label set each time) took 30% of the server's CPU on raw echo; our histograms cost a bucket
 * scan. Returns the tracker feeding it, to release with the metric.
 */
export function registerHandlerDurationHistogram(client: PromClient, stats: WebSocketStats, config: HandlerDurationHistogramConfig): HandlerDurationTracker {
  const { name, help, buckets } = config;
  const tracker = stats.trackHandlerDurations(buckets.map(msBoundFor));

  class TrackedHistogram extends client.Histogram<'gateway' | 'event'> {
    // prom-client renders text from getForPromString() and builds get() (JSON) from it, so this one
    // method serves both; the values have the shape its own Histogram gives them.
    async getForPromString(): Promise<{ name: string; help: string; type: 'histogram'; values: ExpositionValue[]; aggregator: 'sum' }> {
      const values: ExpositionValue[] = [];
      for (const { gateway, event, durations } of tracker.read()) {
        if (durations.count === 0) continue; // prom-client shows a series from its first observation on
        const sharedLabels = { gateway, event: event ?? '' };
        const line = (suffix: string, labels: ExpositionValue['labels'], value: number): void => {
          values.push({ metricName: name + suffix, labels, sharedLabels, value });
        };
        durations.buckets.forEach(({ count }, i) => line('_bucket', { le: buckets[i] }, count));
        line('_bucket', { le: '+Inf' }, durations.count);
        line('_sum', {}, durations.sumMs / 1000);
        line('_count', {}, durations.count);
      }
      return { name, help, type: 'histogram', values, aggregator: 'sum' };
    }
  }

  new TrackedHistogram({ ...config, labelNames: ['gateway', 'event'] });
  return tracker;
}

/**
 * The bound in ms that splits durations as prom-client split them in seconds: the largest `ms`
 * with `ms / 1000 <= seconds`, so `durationMs <= bound` exactly when `durationMs / 1000 <= seconds`.
 * `seconds * 1000` alone is one ulp off for about 3% of bounds, moving a duration on the bound.
 */
export function msBoundFor(seconds: number): number {
  if (!Number.isFinite(seconds)) return seconds;
  let ms = seconds * 1000;
  while (ms / 1000 > seconds) ms = nextDown(ms);
  while (nextUp(ms) / 1000 <= seconds) ms = nextUp(ms);
  return ms;
}

const float = new Float64Array(1);
const bits = new BigInt64Array(float.buffer);

/** The next double above a finite `x`: its bit pattern plus one ulp, toward +∞. */
function nextUp(x: number): number {
  if (x === 0) return Number.MIN_VALUE;
  float[0] = x;
  bits[0] += x > 0 ? 1n : -1n;
  return float[0];
}

const nextDown = (x: number): number => -nextUp(-x);
