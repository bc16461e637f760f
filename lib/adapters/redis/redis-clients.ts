import type { Cluster, ClusterOptions, Redis, RedisOptions } from 'ioredis';
import { ResolvedRedisAdapterOptions } from './redis-adapter-options.interface';
import { ShardSubscribers, SubscriberConnection } from './shard-subscribers';

/** Where commands go: one Redis (standalone or found through Sentinel) or a Redis Cluster. */
export type RedisCommandClient = Redis | Cluster;

/** The two sides the adapter needs: subscriber mode allows no other command. */
export interface RedisClients {
  client: RedisCommandClient;
  /** One connection, or one per master of a cluster (ShardSubscribers). */
  subscriber: SubscriberConnection;
  /** True on a Redis Cluster: pub/sub is sharded (SSUBSCRIBE/SPUBLISH) there. */
  isCluster: boolean;
  /** The ones the adapter opened, and so closes. */
  owned: Pick<SubscriberConnection, 'status' | 'quit' | 'disconnect'>[];
}

const MAX_RECONNECT_DELAY_MS = 2000;

/** Options for the connections the adapter opens: nothing waits in memory for Redis. */
export const RESILIENT_OPTIONS: RedisOptions = {
  enableOfflineQueue: false, // what cannot go now is dropped and counted, never queued
  maxRetriesPerRequest: 0, // commands in flight when the link drops fail at once
  autoResubscribe: false, // the adapter resubscribes what its node needs
  retryStrategy: (attempt: number) => Math.min(50 * 2 ** attempt, MAX_RECONNECT_DELAY_MS), // forever, backing off to 2 s
};

/** The same for a Cluster, reconnecting forever. */
const RESILIENT_CLUSTER_OPTIONS: ClusterOptions = {
  // Kept on: with it off ioredis refuses ("Connection is closed.") a second command to a master whose
  // connection is still opening (they open on first use), which lost joins at startup. Nothing queues
  // while the cluster is down: the adapter sends only when its status is ready.
  enableOfflineQueue: true,
  clusterRetryStrategy: (attempt: number) => Math.min(50 * 2 ** attempt, MAX_RECONNECT_DELAY_MS),
  // A command that met a dead master or CLUSTERDOWN fails (a publish is counted as undelivered)
  // instead of being sent again 100 ms later, after newer ones: retried publishes arrived out of order
  // after a failover (redis-adapter.cluster.e2e-spec.ts). MOVED and ASK are still followed at once.
  retryDelayOnFailover: 0,
  retryDelayOnClusterDown: 0,
};

/** ioredis is an optional peer dependency: it is loaded only when a RedisAdapter attaches. */
export async function openRedisClients(options: ResolvedRedisAdapterOptions): Promise<RedisClients> {
  const ioredis = await import('ioredis').catch((error: unknown) => {
    throw new Error(`RedisAdapter needs the ioredis package (npm install ioredis): ${error instanceof Error ? error.message : String(error)}`);
  });
  const { client } = options;
  if (client && isCluster(client)) {
    if (options.subscriber) throw new Error('RedisAdapter: on a Redis Cluster the adapter opens its own subscriber connection per master; do not pass `subscriber`');
    assertNoIoredisPrefix([client.options.keyPrefix, client.options.redisOptions?.keyPrefix]);
    return clusterClients(ioredis.Redis, client, [], options);
  }
  if (client) {
    assertNoIoredisPrefix([client.options.keyPrefix, options.subscriber?.options.keyPrefix]);
    if (options.subscriber) return { client, subscriber: options.subscriber, isCluster: false, owned: [] };
    const subscriber = client.duplicate(RESILIENT_OPTIONS);
    return { client, subscriber, isCluster: false, owned: [subscriber] };
  }
  if (options.clusterNodes) {
    const { clusterOptions } = options;
    assertNoIoredisPrefix([clusterOptions?.keyPrefix, clusterOptions?.redisOptions?.keyPrefix]);
    const cluster = new ioredis.Cluster(options.clusterNodes, {
      ...clusterOptions,
      ...RESILIENT_CLUSTER_OPTIONS,
      redisOptions: { ...clusterOptions?.redisOptions, ...RESILIENT_OPTIONS },
    });
    return clusterClients(ioredis.Redis, cluster, [cluster], options);
  }
  assertNoIoredisPrefix([options.redisOptions?.keyPrefix]);
  // With `redisOptions.sentinels` and no url, ioredis asks the sentinels for the master, and again after a failover.
  const open = (): Redis =>
    options.url === undefined ? new ioredis.Redis({ ...RESILIENT_OPTIONS, ...options.redisOptions }) : new ioredis.Redis(options.url, { ...RESILIENT_OPTIONS, ...options.redisOptions });
  const opened = open();
  const subscriber = open();
  return { client: opened, subscriber, isCluster: false, owned: [opened, subscriber] };
}

/**
 * A Cluster's commands, and one subscriber connection per master with the node options of the cluster.
 * An SSUBSCRIBE unanswered for two heartbeats marks its connection deaf, as a probe out that long does.
 */
function clusterClients(RedisClient: typeof Redis, cluster: Cluster, owned: RedisClients['owned'], { heartbeatIntervalMs, migrationCheckIntervalMs }: ResolvedRedisAdapterOptions): RedisClients {
  const nodeOptions = { ...cluster.options.redisOptions, ...RESILIENT_OPTIONS };
  const subscriber = new ShardSubscribers(cluster, (host, port) => new RedisClient({ ...nodeOptions, host, port }), { answerTimeoutMs: 2 * heartbeatIntervalMs, migrationCheckIntervalMs });
  return { client: cluster, subscriber, isCluster: true, owned: [...owned, subscriber] };
}

const isCluster = (client: RedisCommandClient): client is Cluster => (client as Cluster).isCluster === true;

/** The options name a Redis Cluster (seed nodes, or a Cluster client): pub/sub is sharded there. */
export const targetsCluster = (options: ResolvedRedisAdapterOptions): boolean => options.clusterNodes !== undefined || (options.client !== undefined && isCluster(options.client));

/** Keys built inside Lua scripts would miss ioredis's own prefix: the adapter's `keyPrefix` does that job. */
function assertNoIoredisPrefix(keyPrefixes: readonly (string | undefined)[]): void {
  if (keyPrefixes.some(Boolean)) throw new Error("RedisAdapter: use the adapter's keyPrefix option instead of ioredis's keyPrefix");
}

/** Closes what the adapter opened: QUIT, or a hard disconnect when Redis does not answer in time. */
export async function closeRedisClients(clients: RedisClients, timeoutMs: number): Promise<void> {
  await Promise.all(
    clients.owned.map(async (client) => {
      if (client.status !== 'ready') return client.disconnect();
      const timer = setTimeout(() => client.disconnect(), timeoutMs);
      try {
        await client.quit();
      } catch {
        client.disconnect(); // QUIT failed: the link is gone anyway
      } finally {
        clearTimeout(timer);
      }
    }),
  );
}
