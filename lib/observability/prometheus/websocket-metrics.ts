import { OnModuleDestroy } from '@nestjs/common';
import type { Counter, Gauge, Registry } from 'prom-client';
import { HandlerDurationTracker } from '../handler-durations';
import { GatewayStatsSnapshot, WebSocketStatsSnapshot } from '../stats-snapshot.interface';
import { WebSocketStats } from '../websocket-stats';
import { registerHandlerDurationHistogram } from './handler-duration-histogram';
import { MetricsRegistry, WebSocketMetricsOptions } from './websocket-metrics-options.interface';

type PromClient = typeof import('prom-client');
type Labels = Record<string, string>;
type Sample = [labels: Labels, value: number];

/** Handler durations cluster below 10 ms; the tail goes to 10 s. */
const DEFAULT_DURATION_BUCKETS_S = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The WebSocketStats as Prometheus metrics, in a prom-client registry. Counters and gauges are
 * read from one snapshot per scrape; handler durations are counted in WebSocketStats' own
 * histograms, in `durationBuckets`, and read into the Histogram at each scrape too.
 *
 * | metric | type | labels |
 * |---|---|---|
 * | `ws_connections` | gauge | gateway |
 * | `ws_connections_opened_total` | counter | gateway |
 * | `ws_rooms` | gauge | |
 * | `ws_serving` | gauge (1/0) | |
 * | `ws_messages_received_total`, `ws_messages_sent_total` | counter | gateway |
 * | `ws_received_bytes_total`, `ws_sent_bytes_total` | counter | gateway |
 * | `ws_errors_total` | counter | gateway, code |
 * | `ws_closes_total` | counter | gateway, code |
 * | `ws_dropped_messages_total` | counter | gateway, reason (overflow, rate_limit) |
 * | `ws_slow_consumer_closes_total` | counter | gateway |
 * | `ws_handshake_refusals_total` | counter | status |
 * | `ws_handler_duration_seconds` | histogram | gateway, event |
 * | `ws_adapter_connected` | gauge (1/0) | |
 * | `ws_adapter_undelivered_total`, `ws_adapter_outages_total` | counter | |
 *
 * @example
 * ＠Controller('internal') export class MetricsController {
 *   constructor(private readonly metrics: WebSocketMetrics) {}
 *   ＠Get('metrics') async scrape(): Promise<string> { return this.metrics.metrics(); }
 * }
 */
export class WebSocketMetrics implements OnModuleDestroy {
  private readonly names: string[] = [];
  private pending: Promise<WebSocketStatsSnapshot> | undefined;
  private readonly durations: HandlerDurationTracker;

  private constructor(
    client: PromClient,
    private readonly stats: WebSocketStats,
    private readonly registry: MetricsRegistry,
    { prefix = 'ws_', durationBuckets = DEFAULT_DURATION_BUCKETS_S }: WebSocketMetricsOptions,
  ) {
    // The options take any structurally compatible registry; prom-client's constructors want its class.
    const registers = [registry as unknown as Registry];
    const name = (suffix: string): string => {
      this.names.push(prefix + suffix);
      return prefix + suffix;
    };
    const scrape = (): Promise<WebSocketStatsSnapshot> => this.scrape();
    const gauge = (suffix: string, help: string, labelNames: string[], read: (s: WebSocketStatsSnapshot) => Sample[]): void => {
      new client.Gauge({
        name: name(suffix),
        help,
        labelNames,
        registers,
        async collect(this: Gauge) {
          const samples = read(await scrape());
          this.reset();
          for (const [labels, value] of samples) this.set(labels, value);
        },
      });
    };
    const counter = (suffix: string, help: string, labelNames: string[], read: (s: WebSocketStatsSnapshot) => Sample[]): void => {
      new client.Counter({
        name: name(suffix),
        help,
        labelNames,
        registers,
        // Totals kept by WebSocketStats: each scrape sets them (reset, then one increment by the total).
        async collect(this: Counter) {
          const samples = read(await scrape());
          this.reset();
          for (const [labels, value] of samples) this.inc(labels, value);
        },
      });
    };

    gauge('connections', 'Open WebSocket connections.', ['gateway'], (s) => perGateway(s, (g) => g.connections));
    counter('connections_opened_total', 'WebSocket connections accepted.', ['gateway'], (s) => perGateway(s, (g) => g.connectionsOpened));
    gauge('rooms', 'Rooms with at least one member.', [], (s) => [[{}, s.rooms]]);
    gauge('serving', '1 while the gateways accept connections, 0 before bootstrap and during shutdown.', [], (s) => [[{}, s.isServing ? 1 : 0]]);
    counter('messages_received_total', 'Complete data messages received.', ['gateway'], (s) => perGateway(s, (g) => g.messagesIn));
    counter('messages_sent_total', 'Data messages sent (replies, pushes, broadcasts, errors).', ['gateway'], (s) => perGateway(s, (g) => g.messagesOut));
    counter('received_bytes_total', 'Bytes read after the handshake, frame headers included.', ['gateway'], (s) => perGateway(s, (g) => g.bytesIn));
    counter('sent_bytes_total', 'Bytes written after the handshake, frame headers included.', ['gateway'], (s) => perGateway(s, (g) => g.bytesOut));
    counter('errors_total', 'Error envelopes sent, by code.', ['gateway', 'code'], (s) => perGatewayAndKey(s, 'code', (g) => g.errors));
    counter('closes_total', 'Closed connections, by close code.', ['gateway', 'code'], (s) => perGatewayAndKey(s, 'code', (g) => g.closes));
    counter('dropped_messages_total', 'Messages not delivered: outbound overflow (drop policy) or inbound rate limit.', ['gateway', 'reason'], (s) =>
      Object.entries(s.gateways).flatMap(([gateway, g]): Sample[] => [
        [{ gateway, reason: 'overflow' }, g.droppedMessages.overflow],
        [{ gateway, reason: 'rate_limit' }, g.droppedMessages.rateLimit],
      ]),
    );
    counter('slow_consumer_closes_total', 'Connections closed with 1008 for not reading fast enough.', ['gateway'], (s) => perGateway(s, (g) => g.slowConsumerCloses));
    counter('handshake_refusals_total', 'Upgrade requests answered with an HTTP status instead of 101.', ['status'], (s) =>
      Object.entries(s.handshakeRefusals).map(([status, count]): Sample => [{ status }, count]),
    );
    gauge('adapter_connected', '1 while the rooms adapter reaches the other nodes.', [], (s) => [[{}, s.adapter.isConnected ? 1 : 0]]);
    counter('adapter_undelivered_total', 'Broadcasts and direct sends the adapter could not hand to the other nodes.', [], (s) => [[{}, s.adapter.undelivered]]);
    counter('adapter_outages_total', 'Times the adapter lost its link to the other nodes.', [], (s) => [[{}, s.adapter.outages]]);

    this.durations = registerHandlerDurationHistogram(client, stats, {
      name: name('handler_duration_seconds'),
      help: 'From a message reaching its gateway to its answer: guards, pipes, interceptors, handler, filters.',
      buckets: durationBuckets,
      registers,
    });
  }

  /** Imports prom-client and registers the metrics; rejects with what to install when it is missing. */
  static async create(stats: WebSocketStats, options: WebSocketMetricsOptions = {}): Promise<WebSocketMetrics> {
    let client: PromClient;
    try {
      client = await import('prom-client');
    } catch (error) {
      throw new Error('WebSocketMetricsModule needs the optional peer dependency prom-client (npm install prom-client)', { cause: error });
    }
    return new WebSocketMetrics(client, stats, options.registry ?? client.register, options);
  }

  /** The Content-Type of `metrics()`: Prometheus text 0.0.4, or OpenMetrics for such a registry. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** The registry's exposition: these metrics and whatever else it holds. */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  /** Unregisters the metrics, so an application created again in this process can register them anew. */
  onModuleDestroy(): void {
    this.durations.release();
    for (const name of this.names) this.registry.removeSingleMetric(name);
  }

  /** One snapshot for all the metrics of one scrape (prom-client collects them concurrently). */
  private scrape(): Promise<WebSocketStatsSnapshot> {
    this.pending ??= this.stats.snapshot().finally(() => (this.pending = undefined));
    return this.pending;
  }
}

const perGateway = (s: WebSocketStatsSnapshot, pick: (g: GatewayStatsSnapshot) => number): Sample[] =>
  Object.entries(s.gateways).map(([gateway, g]) => [{ gateway }, pick(g)]);

const perGatewayAndKey = (s: WebSocketStatsSnapshot, label: string, pick: (g: GatewayStatsSnapshot) => Record<string, number>): Sample[] =>
  Object.entries(s.gateways).flatMap(([gateway, g]) => Object.entries(pick(g)).map(([key, count]): Sample => [{ gateway, [label]: key }, count]));
