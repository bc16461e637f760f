import type { Redis, RedisOptions } from 'ioredis';
import { ResolvedRedisAdapterOptions } from './redis-adapter-options.interface';

/** The two connections the adapter needs: subscriber mode allows no other command. */
export interface RedisClients {
  client: Redis;
  subscriber: Redis;
  /** The ones the adapter opened, and so closes. */
  owned: Redis[];
}

const MAX_RECONNECT_DELAY_MS = 2000;

/** Options for the connections the adapter opens: nothing waits in memory for Redis. */
export const RESILIENT_OPTIONS: RedisOptions = {
  enableOfflineQueue: false, // what cannot go now is dropped and counted, never queued
  maxRetriesPerRequest: 0, // commands in flight when the link drops fail at once
  autoResubscribe: false, // the adapter resubscribes what its node needs
  retryStrategy: (attempt: number) => Math.min(50 * 2 ** attempt, MAX_RECONNECT_DELAY_MS), // forever, backing off to 2 s
};

/** ioredis is an optional peer dependency: it is loaded only when a RedisAdapter attaches. */
export async function openRedisClients(options: ResolvedRedisAdapterOptions): Promise<RedisClients> {
  if (options.client) {
    assertNoIoredisPrefix([options.client.options.keyPrefix, options.subscriber?.options.keyPrefix]);
    if (options.subscriber) return { client: options.client, subscriber: options.subscriber, owned: [] };
    const subscriber = options.client.duplicate(RESILIENT_OPTIONS);
    return { client: options.client, subscriber, owned: [subscriber] };
  }
  assertNoIoredisPrefix([options.redisOptions?.keyPrefix]);
  const { Redis: RedisClient } = await import('ioredis').catch((error: unknown) => {
    throw new Error(`RedisAdapter needs the ioredis package (npm install ioredis): ${error instanceof Error ? error.message : String(error)}`);
  });
  const open = (): Redis => new RedisClient(options.url as string, { ...RESILIENT_OPTIONS, ...options.redisOptions });
  const client = open();
  const subscriber = open();
  return { client, subscriber, owned: [client, subscriber] };
}

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
