import type { RedisAdapterOptions } from '../../lib';

/**
 * Where the sample's RedisAdapter finds Redis (DESIGN.md's sample contract): `REDIS_URL` (standalone),
 * `REDIS_CLUSTER_URLS` (comma-separated seed nodes of a Redis Cluster, `redis://host:port` or
 * `host:port`), or `REDIS_SENTINELS` (comma-separated `host:port`) with `REDIS_SENTINEL_NAME` (default
 * `mymaster`). Undefined when none is set.
 */
export function redisConnectionFromEnv(env: NodeJS.ProcessEnv): Pick<RedisAdapterOptions, 'url' | 'clusterNodes' | 'redisOptions'> | undefined {
  if (env.REDIS_CLUSTER_URLS) return { clusterNodes: listOf(env.REDIS_CLUSTER_URLS).map(hostAndPort) };
  if (env.REDIS_SENTINELS) return { redisOptions: { sentinels: listOf(env.REDIS_SENTINELS).map(hostAndPort), name: env.REDIS_SENTINEL_NAME || 'mymaster' } };
  if (env.REDIS_URL) return { url: env.REDIS_URL };
  return undefined;
}

const listOf = (value: string): string[] =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

function hostAndPort(address: string): { host: string; port: number } {
  const { hostname, port } = new URL(address.includes('://') ? address : `redis://${address}`);
  if (!hostname || !port) throw new Error(`sample: expected host:port, got ${JSON.stringify(address)}`);
  return { host: hostname, port: Number(port) };
}
