import { Inject, Injectable } from '@nestjs/common';
import { RoomsAdapter } from '../rooms/rooms-adapter.interface';
import { GatewayStats } from './gateway-stats';
import { HandlerDurationListener, HandlerDurations, HandlerDurationTracker } from './handler-durations';
import { LatencyHistogram } from './latency-histogram';
import { GatewayStatsSnapshot, WebSocketStatsSnapshot } from './stats-snapshot.interface';

/**
 * What the WebSocket side of this node has done since it started: connections, rooms, messages
 * and bytes, errors and closes by code, dropped messages, slow consumers, refused handshakes and
 * handler latency, in total and per gateway. Counting is a few integer increments per message;
 * `snapshot()` does the rest when someone asks.
 *
 * @example
 * ＠Controller('ws-stats')
 * export class WsStatsController {
 *   constructor(private readonly stats: WebSocketStats) {}
 *   ＠Get() get() { return this.stats.snapshot(); } // { connections, messagesIn, closes: { '1000': 3 }, … }
 * }
 */
@Injectable()
export class WebSocketStats {
  private readonly gateways = new Map<string, GatewayStats>();
  private readonly refusals = new Map<number, number>();
  private readonly durations = new HandlerDurations();
  private serving = false;

  constructor(@Inject(RoomsAdapter) private readonly adapter: RoomsAdapter) {}

  /** The gateways are bound and accept connections: false before bootstrap and once shutdown began. */
  get isServing(): boolean {
    return this.serving;
  }

  /**
   * Calls `listener` after every handled message with its duration, e.g. to feed a histogram of
   * your own. Keep it cheap: it runs on the message path, for every message. Returns the function
   * that removes it.
   *
   * @example
   * const stop = stats.onHandlerDuration((gateway, event, ms) => histogram.observe({ gateway, event }, ms / 1000));
   */
  onHandlerDuration(listener: HandlerDurationListener): () => void {
    return this.durations.listen(listener);
  }

  /**
   * @internal Histograms of handler durations per (gateway, event), in `boundsMs`, fed from now
   * until `release()` and read when asked: what the Prometheus module exports at each scrape.
   */
  trackHandlerDurations(boundsMs: readonly number[]): HandlerDurationTracker {
    return this.durations.track(boundsMs);
  }

  /** Totals and per-gateway figures, as plain JSON. */
  async snapshot(): Promise<WebSocketStatsSnapshot> {
    const rooms = (await this.adapter.rooms()).length;
    const gateways: Record<string, GatewayStatsSnapshot> = {};
    const latency = new LatencyHistogram();
    for (const [name, stats] of this.gateways) {
      gateways[name] = stats.snapshot();
      latency.merge(stats.handlerLatency);
    }
    const all = Object.values(gateways);
    const sum = (pick: (gateway: GatewayStatsSnapshot) => number): number => all.reduce((total, gateway) => total + pick(gateway), 0);
    return {
      timestamp: Date.now(),
      isServing: this.serving,
      connections: sum((g) => g.connections),
      connectionsOpened: sum((g) => g.connectionsOpened),
      rooms,
      messagesIn: sum((g) => g.messagesIn),
      messagesOut: sum((g) => g.messagesOut),
      bytesIn: sum((g) => g.bytesIn),
      bytesOut: sum((g) => g.bytesOut),
      errors: addCounts(all.map((g) => g.errors)),
      closes: addCounts(all.map((g) => g.closes)),
      droppedMessages: { overflow: sum((g) => g.droppedMessages.overflow), rateLimit: sum((g) => g.droppedMessages.rateLimit) },
      slowConsumerCloses: sum((g) => g.slowConsumerCloses),
      handshakeRefusals: Object.fromEntries(this.refusals),
      handlerLatency: latency.snapshot(),
      gateways,
      adapter: this.adapter.stats(),
    };
  }

  /** @internal The counters of one gateway; the runtime asks once per gateway at bootstrap. */
  forGateway(gateway: string, path: string): GatewayStats {
    let stats = this.gateways.get(gateway);
    if (!stats) this.gateways.set(gateway, (stats = new GatewayStats(gateway, path, this.durations)));
    return stats;
  }

  /** @internal An upgrade was answered with this HTTP status. */
  handshakeRefused(status: number): void {
    this.refusals.set(status, (this.refusals.get(status) ?? 0) + 1);
  }

  /** @internal The runtime bound its gateways (true) or began shutting down (false). */
  setServing(isServing: boolean): void {
    this.serving = isServing;
  }
}

function addCounts(records: readonly Record<string, number>[]): Record<string, number> {
  const total: Record<string, number> = {};
  for (const record of records) {
    for (const [key, count] of Object.entries(record)) total[key] = (total[key] ?? 0) + count;
  }
  return total;
}
