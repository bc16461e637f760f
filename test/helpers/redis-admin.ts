// What the Cluster and Sentinel fixtures share: one-off admin connections and polling for a state.
import { Redis } from 'ioredis';

const POLL_MS = 50;

/** A short-lived plain connection to one server (no redirections: admin commands go to that server). */
export async function withRedisClient<T>(port: number, use: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => undefined); // a refused connection rejects connect() below
  try {
    await redis.connect();
    return await use(redis);
  } finally {
    redis.disconnect();
  }
}

/** Asks `check` until it says true; past `timeoutMs` throws with `what`, the last error and `context()` (servers' logs). */
export async function pollUntil(what: string, check: () => Promise<boolean>, timeoutMs: number, context: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      if (await check()) return;
    } catch (error) {
      lastError = error; // a server still starting or just killed: ask again
    }
    if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms (last error: ${String(lastError)})\n${context()}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** The servers' output, for a timeout's message. */
export const serverLogs = (servers: readonly { address: string; log: string }[]): string => servers.map((server) => `--- ${server.address}\n${server.log}`).join('\n');
