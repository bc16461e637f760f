/**
 * The part of a prom-client `Registry` this module uses. Structural, so the package's types do
 * not need prom-client installed; pass a real `Registry` (or leave it to the default `register`).
 */
export interface MetricsRegistry {
  readonly contentType: string;
  metrics(): Promise<string>;
  removeSingleMetric(name: string): void;
}

/** `WebSocketMetricsModule.forRoot(options)`. */
export interface WebSocketMetricsOptions {
  /** Serve the exposition with `GET <path>` (e.g. `'metrics'`). Default: no route; call `WebSocketMetrics.metrics()` yourself. */
  path?: string;
  /** Where the metrics are registered. Default: prom-client's global `register`, next to your other metrics. */
  registry?: MetricsRegistry;
  /** Prepended to every metric name. Default `'ws_'`. */
  prefix?: string;
  /** Bucket bounds of `ws_handler_duration_seconds`, in seconds. Default 0.0005 s … 10 s. */
  durationBuckets?: number[];
}
