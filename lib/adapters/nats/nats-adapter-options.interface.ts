import type { NodeConnectionOptions } from '@nats-io/transport-node';
import type { RedisAdapterOptions } from '../redis/redis-adapter-options.interface';

/** `new NatsAdapter(options)`: the servers, and optionally how to reach them. */
export interface NatsAdapterOptions {
  /** `nats://host:port` of one server, or several (a NATS cluster's seeds). */
  servers: string | string[];
  /** More options for the connection the adapter opens (auth, TLS, `name`…), passed to `connect()` of `@nats-io/transport-node`. */
  connectionOptions?: Omit<NodeConnectionOptions, 'servers'>;
  /** First token(s) of every subject, so several applications share one NATS. Default `rfc6455`. */
  subjectPrefix?: string;
  /** This node's id. Default: random per process. */
  nodeId?: string;
  /** Each node tells the others it is alive this often; a node silent for 1.5 periods is no longer asked. Default 5,000. */
  heartbeatIntervalMs?: number;
  /** How long a query across nodes (members, presence, nodes…) or a join/leave for a connection of another node waits for the other nodes. Default 2,000. */
  requestTimeoutMs?: number;
  /** How long startup waits for NATS before serving without it (it keeps reconnecting). Default 5,000. */
  connectTimeoutMs?: number;
  /**
   * Presence and room history in Redis, NATS carrying the rest: presence per room with TTLs (a killed
   * node's members leave, with events), `members`/`rooms` read from Redis, and room histories in Redis
   * Streams (`$session`, `$resume`), as with the RedisAdapter (its options; its `nodeId` is this one's).
   * Retained messages reach the other nodes through Redis, in offset order (docs/scaling.md).
   */
  redis?: Omit<RedisAdapterOptions, 'nodeId'>;
}

export type ResolvedNatsAdapterOptions = Required<Omit<NatsAdapterOptions, 'connectionOptions' | 'nodeId' | 'redis'>> & Pick<NatsAdapterOptions, 'connectionOptions' | 'nodeId' | 'redis'>;

export const NATS_ADAPTER_DEFAULTS = {
  subjectPrefix: 'rfc6455',
  heartbeatIntervalMs: 5000,
  requestTimeoutMs: 2000,
  connectTimeoutMs: 5000,
} as const;

// A subject token holds no whitespace, '.', '*' or '>' (NATS protocol: subjects).
const SUBJECT_PREFIX = /^[^\s.*>]+(\.[^\s.*>]+)*$/;

export function withNatsDefaults(options: NatsAdapterOptions): ResolvedNatsAdapterOptions {
  const servers = options?.servers;
  if (servers === undefined || servers.length === 0) throw new Error('NatsAdapter needs servers, e.g. { servers: "nats://127.0.0.1:4222" }');
  const resolved = { ...NATS_ADAPTER_DEFAULTS, ...options };
  if (!SUBJECT_PREFIX.test(resolved.subjectPrefix)) throw new Error(`NatsAdapter: subjectPrefix must be dot-separated tokens without spaces, '*' or '>', got ${JSON.stringify(resolved.subjectPrefix)}`);
  return resolved;
}
