import type { Cluster, ClusterNode, ClusterOptions, Redis, RedisOptions } from 'ioredis';
import { DEFAULT_PARTITIONS } from './redis-channels';

/**
 * `new RedisAdapter(options)`: give one of `url` (standalone Redis), `redisOptions.sentinels` with
 * `redisOptions.name` (Sentinel), `clusterNodes` (Redis Cluster), or your own `client` (a `Redis` or
 * a `Cluster`).
 */
export interface RedisAdapterOptions {
  /** `redis://[[user]:password@]host:port[/db]`: the adapter opens two connections and closes them at shutdown. */
  url?: string;
  /**
   * More ioredis options for the connections opened from `url`, or without `url` the whole of them:
   * `{ sentinels: [{ host, port }], name: 'mymaster' }` finds the master through Redis Sentinel and
   * follows it after a failover.
   */
  redisOptions?: RedisOptions;
  /**
   * Seed nodes of a Redis Cluster (`[{ host, port }]` or `'host:port'`): the adapter opens an
   * ioredis Cluster for commands and one subscriber connection per master, and uses sharded pub/sub.
   */
  clusterNodes?: ClusterNode[];
  /** More ioredis Cluster options for `clusterNodes` (`redisOptions` for TLS or a password, `natMap`, …). */
  clusterOptions?: ClusterOptions;
  /** An ioredis client (`Redis` or `Cluster`) for commands and publishing; it stays yours (the adapter does not close it). */
  client?: Redis | Cluster;
  /** An ioredis client for subscriptions (not with a `Cluster`); default: `client.duplicate()`, which the adapter closes. */
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
  /** Redis 7 sharded pub/sub (SSUBSCRIBE/SPUBLISH), which spreads channels over a cluster's shards. Default false; always on a Redis Cluster. */
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
  /**
   * On a Redis Cluster, how often each node asks every master (`CLUSTER NODES`) which slots it is
   * importing, to subscribe their rooms there before the migration ends (docs/scaling.md); it also asks
   * after each slot-map refresh of the Cluster client (`slotsRefreshInterval`). Lower: fewer migrations
   * unseen; higher: fewer commands (one per master per node per check). Default 1 000.
   */
  migrationCheckIntervalMs?: number;
}

export type ResolvedRedisAdapterOptions = Required<Pick<RedisAdapterOptions, 'keyPrefix' | 'heartbeatIntervalMs' | 'partitions' | 'queryTimeoutMs' | 'sharded' | 'maxPendingPublishes' | 'connectTimeoutMs' | 'remoteMembershipTimeoutMs' | 'migrationCheckIntervalMs'>> &
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
  migrationCheckIntervalMs: 1000,
} as const;

export const withRedisDefaults = (options: RedisAdapterOptions): ResolvedRedisAdapterOptions => {
  const targets = [options.url, options.client, options.clusterNodes, options.url === undefined ? options.redisOptions?.sentinels : undefined].filter((target) => target !== undefined);
  if (targets.length !== 1) throw new Error('RedisAdapter needs exactly one of url, redisOptions.sentinels (with redisOptions.name), clusterNodes or client');
  return { ...REDIS_ADAPTER_DEFAULTS, ...options };
};
