import type { Redis, RedisOptions } from 'ioredis';
import { DEFAULT_PARTITIONS } from './redis-channels';

/** `new RedisAdapter(options)`: give `url`, or your own `client` (and optionally `subscriber`). */
export interface RedisAdapterOptions {
  /** `redis://[[user]:password@]host:port[/db]`: the adapter opens two connections and closes them at shutdown. */
  url?: string;
  /** More ioredis options for the connections opened from `url` (TLS, sentinels, …). */
  redisOptions?: RedisOptions;
  /** An ioredis client for commands and publishing; it stays yours (the adapter does not close it). */
  client?: Redis;
  /** An ioredis client for subscriptions; default: `client.duplicate()`, which the adapter closes. */
  subscriber?: Redis;
  /** Prefix of every key and channel, so several applications share one Redis. Default `rfc6455:`. */
  keyPrefix?: string;
  /**
   * Each node refreshes its deadline in each of its rooms this often; a killed node's members drop out
   * of presence() 1.5 periods after its last refresh, and their leaves are announced within 2.5. Default 5 000.
   */
  heartbeatIntervalMs?: number;
  /**
   * Hash-tagged partitions the rooms and tags spread over (Redis Cluster slots): a room's keys, history
   * and channel share one. The same on every node; changing it moves every room (flush the prefix). Default 128.
   */
  partitions?: number;
  /** How long nodes(), rooms() and roomsOf() of another node's connection wait for the nodes' answers. Default 1 000. */
  queryTimeoutMs?: number;
  /** Redis 7 sharded pub/sub (SSUBSCRIBE/SPUBLISH), which spreads channels over a cluster's shards. Default false. */
  sharded?: boolean;
  /** This node's id in Redis. Default: random per process. */
  nodeId?: string;
  /** Publishes waiting for Redis's answer before more are dropped (and counted as undelivered). Default 10 000. */
  maxPendingPublishes?: number;
  /** How long startup waits for Redis before serving without it (it keeps reconnecting). Default 5 000. */
  connectTimeoutMs?: number;
  /**
   * How long `rooms.join/leave/leaveAll` of a connection held by another node waits for that node
   * to acknowledge the change before rejecting with a RemoteMembershipError. Default 5 000.
   */
  remoteMembershipTimeoutMs?: number;
}

export type ResolvedRedisAdapterOptions = Required<Pick<RedisAdapterOptions, 'keyPrefix' | 'heartbeatIntervalMs' | 'partitions' | 'queryTimeoutMs' | 'sharded' | 'maxPendingPublishes' | 'connectTimeoutMs' | 'remoteMembershipTimeoutMs'>> &
  RedisAdapterOptions;

export const REDIS_ADAPTER_DEFAULTS = {
  keyPrefix: 'rfc6455:',
  heartbeatIntervalMs: 5000,
  partitions: DEFAULT_PARTITIONS,
  queryTimeoutMs: 1000,
  sharded: false,
  maxPendingPublishes: 10_000,
  connectTimeoutMs: 5000,
  remoteMembershipTimeoutMs: 5000,
} as const;

export const withRedisDefaults = (options: RedisAdapterOptions): ResolvedRedisAdapterOptions => {
  if (options.url === undefined && options.client === undefined) throw new Error('RedisAdapter needs a url or an ioredis client');
  return { ...REDIS_ADAPTER_DEFAULTS, ...options };
};
