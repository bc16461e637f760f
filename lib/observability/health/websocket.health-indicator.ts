import { Injectable } from '@nestjs/common';
import { ConnectionRegistry } from '../../rooms/connection-registry.service';
import { WebSocketStats } from '../websocket-stats';

/** `up`, `degraded` and `down` as @nestjs/terminus reads them. */
export type WebSocketHealthStatus = 'up' | 'degraded' | 'down';

/** What the indicator reports under its key. */
export interface WebSocketHealthDetails {
  status: WebSocketHealthStatus;
  /** The gateways are bound and accept connections. */
  isServing: boolean;
  /** Open connections on this node. */
  connections: number;
  /** The rooms adapter reaches the other nodes (always true for the MemoryAdapter). */
  adapterConnected: boolean;
  /** Why the status is not `up`, when it is not. */
  message?: string;
}

/** `{ [key]: details }`: the shape of @nestjs/terminus's HealthIndicatorResult. */
export type WebSocketHealthResult<Key extends string = string> = Record<Key, WebSocketHealthDetails>;

export interface WebSocketHealthOptions {
  /**
   * How a lost link to the other nodes (Redis down) is reported. Default `'degraded'`: this node
   * still serves its own connections and rooms. `'down'` takes it out of a load balancer.
   */
  whenAdapterDisconnected?: 'degraded' | 'down';
  /** Report `down` once this node holds this many open connections (shed load to other nodes). */
  maxConnections?: number;
}

/**
 * A health indicator for @nestjs/terminus (an optional peer): down before the gateways are bound
 * and once shutdown began, degraded (or down) when the rooms adapter lost the other nodes. It
 * imports nothing from terminus: its result has the shape terminus reads, so it works with any
 * version and costs nothing without it.
 *
 * @example
 * ＠Get('health') ＠HealthCheck()
 * check() {
 *   return this.health.check([() => this.websocket.isHealthy('websocket')]);
 * }
 */
@Injectable()
export class WebSocketHealthIndicator {
  constructor(
    private readonly stats: WebSocketStats,
    private readonly registry: ConnectionRegistry,
  ) {}

  isHealthy<const Key extends string = 'websocket'>(key?: Key, options: WebSocketHealthOptions = {}): Promise<WebSocketHealthResult<Key>> {
    const details = this.check(options);
    return Promise.resolve({ [key ?? 'websocket']: details } as WebSocketHealthResult<Key>);
  }

  private check({ whenAdapterDisconnected = 'degraded', maxConnections }: WebSocketHealthOptions): WebSocketHealthDetails {
    const facts = { isServing: this.stats.isServing, connections: this.registry.count, adapterConnected: this.registry.adapterStats().isConnected };
    if (!facts.isServing) return { status: 'down', ...facts, message: 'the gateways are not accepting connections' };
    if (maxConnections !== undefined && facts.connections >= maxConnections) {
      return { status: 'down', ...facts, message: `${facts.connections} open connections, at the limit of ${maxConnections}` };
    }
    if (!facts.adapterConnected) return { status: whenAdapterDisconnected, ...facts, message: 'the rooms adapter cannot reach the other nodes' };
    return { status: 'up', ...facts };
  }
}
