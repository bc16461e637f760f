import type { Redis } from 'ioredis';
import { RedisNames } from './redis-channels';

/**
 * `<p>c:<id>` → node for this node's connections, so another node finds where to send a direct
 * message. Each key lives `ttlMs` and is refreshed once half of it has passed, so a killed node's
 * keys vanish by TTL while a live node refreshes its connections at ttl/2 intervals: 10 000
 * connections and a one-hour TTL cost 5.6 commands/s, not one per connection per heartbeat.
 */
export class ConnectionKeys {
  /** When each key was last written (ms); a Map keeps insertion order, so the oldest come first. */
  private readonly writtenAtMs = new Map<string, number>();
  /** Closed connections whose key may still be in Redis (the DEL failed, or Redis was away). */
  private readonly forgotten = new Set<string>();

  constructor(
    private readonly client: Redis,
    private readonly names: RedisNames,
    private readonly nodeId: string,
    private readonly ttlMs: number,
  ) {}

  async add(id: string): Promise<void> {
    this.forgotten.delete(id);
    this.writtenAtMs.set(id, Date.now());
    await this.client.set(this.names.connection(id), this.nodeId, 'PX', this.ttlMs);
  }

  /** Called whether Redis is there or not: a resync deletes what this could not. */
  forget(id: string): void {
    this.writtenAtMs.delete(id);
    this.forgotten.add(id);
  }

  async remove(id: string): Promise<void> {
    await this.client.del(this.names.connection(id));
    this.forgotten.delete(id);
  }

  /** The node holding a connection, or null when none does (closed, or its node died a TTL ago). */
  nodeOf(id: string): Promise<string | null> {
    return this.client.get(this.names.connection(id));
  }

  /** Pushes the TTL of the keys written more than half a TTL ago. */
  async refreshOld(): Promise<void> {
    const now = Date.now();
    const due: string[] = [];
    for (const [id, writtenAtMs] of this.writtenAtMs) {
      if (writtenAtMs > now - this.ttlMs / 2) break;
      due.push(id);
    }
    if (due.length === 0) return;
    const pipeline = this.client.pipeline();
    for (const id of due) {
      pipeline.set(this.names.connection(id), this.nodeId, 'PX', this.ttlMs);
      this.writtenAtMs.delete(id); // re-inserted at the end: the Map stays in age order
      this.writtenAtMs.set(id, now);
    }
    await exec(pipeline);
  }

  /** Writes the keys of `ids` (this node's open connections) and deletes the forgotten ones. */
  async rewrite(ids: readonly string[]): Promise<void> {
    const now = Date.now();
    const pipeline = this.client.pipeline();
    const gone = [...this.forgotten];
    for (const id of gone) pipeline.del(this.names.connection(id));
    this.writtenAtMs.clear();
    for (const id of ids) {
      pipeline.set(this.names.connection(id), this.nodeId, 'PX', this.ttlMs);
      this.writtenAtMs.set(id, now);
    }
    await exec(pipeline);
    for (const id of gone) this.forgotten.delete(id);
  }
}

async function exec(pipeline: ReturnType<Redis['pipeline']>): Promise<void> {
  const failure = ((await pipeline.exec()) ?? []).find(([error]) => error);
  if (failure) throw failure[0];
}
