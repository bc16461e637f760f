import type { RedisCommandClient } from './redis-clients';
import { pipelineBySlot } from './slot-pipelines';
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
    private readonly client: RedisCommandClient,
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
    for (const id of due) {
      this.writtenAtMs.delete(id); // re-inserted at the end: the Map stays in age order
      this.writtenAtMs.set(id, now);
    }
    await this.write(due);
  }

  /** Writes the keys of `ids` (this node's open connections) and deletes the forgotten ones. */
  async rewrite(ids: readonly string[]): Promise<void> {
    const now = Date.now();
    const gone = [...this.forgotten];
    this.writtenAtMs.clear();
    for (const id of ids) this.writtenAtMs.set(id, now);
    await Promise.all([
      pipelineBySlot(this.client, gone, (id) => this.names.connection(id), (pipeline, id) => pipeline.del(this.names.connection(id))),
      this.write(ids),
    ]);
    for (const id of gone) this.forgotten.delete(id);
  }

  private write(ids: readonly string[]): Promise<void> {
    return pipelineBySlot(this.client, ids, (id) => this.names.connection(id), (pipeline, id) => pipeline.set(this.names.connection(id), this.nodeId, 'PX', this.ttlMs));
  }
}
