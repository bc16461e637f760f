import type { ChainableCommander } from 'ioredis';
import { RedisCommandClient } from './redis-clients';
import { PresenceMember, PresenceMeta } from '../../rooms/presence-store.interface';
import { groupName, isRoomGroup, NODE_FIELD, RedisNames } from './redis-channels';
import { FIND_DEAD_NODES, HEARTBEAT, LEAVE_ROOM, LIVE_NODES, PURGE_CONNECTION, PURGE_NODE } from './redis-scripts';

/** A presence entry found in Redis: the room, the connection, its metadata. */
export interface PresenceEntry {
  room: string;
  id: string;
  meta: PresenceMeta;
}

/** One of this node's connections as it must appear in Redis. */
export interface ConnectionSnapshot {
  id: string;
  /** Group → presence metadata (rooms joined with presence) or undefined. */
  groups: ReadonlyMap<string, PresenceMeta | undefined>;
}

/** How presence in Redis changed when this node rewrote its state. */
export interface PresenceDiff {
  departed: PresenceEntry[];
  arrived: PresenceEntry[];
}

export type PurgeResult = { isAlive: true } | { isAlive: false; remaining: number; departed: PresenceEntry[] };

// SPOP count for a purge that must take everything at once (this node's own state, in a transaction).
const ALL = 1 << 30;

/**
 * This node's view of the cluster in Redis: it writes its own connections' memberships and reads
 * everyone's. Every method needs a ready client; callers guard and count failures.
 */
export class ClusterState {
  constructor(
    private readonly client: RedisCommandClient,
    private readonly names: RedisNames,
    private readonly nodeId: string,
  ) {}

  async addConnection(id: string): Promise<void> {
    await exec(this.client.multi().sadd(this.names.nodeConnections(this.nodeId), id).hset(this.names.connection(id), NODE_FIELD, this.nodeId));
  }

  /** Forgets a closed connection of this node everywhere. */
  async purgeConnection(id: string): Promise<void> {
    await PURGE_CONNECTION.run(this.client, [this.names.rooms, this.names.nodeConnections(this.nodeId)], [this.names.prefix, id]);
  }

  async join(id: string, group: string, meta: PresenceMeta | undefined): Promise<void> {
    const value = meta ? JSON.stringify(meta) : '';
    const multi = this.client.multi().hset(this.names.connection(id), group, value).hset(this.names.group(group), id, value);
    if (isRoomGroup(group)) multi.sadd(this.names.rooms, groupName(group));
    await exec(multi);
  }

  async leave(id: string, group: string): Promise<void> {
    if (isRoomGroup(group)) {
      await LEAVE_ROOM.run(this.client, [this.names.connection(id), this.names.group(group), this.names.rooms], [group, id, groupName(group)]);
      return;
    }
    await exec(this.client.multi().hdel(this.names.connection(id), group).hdel(this.names.group(group), id));
  }

  members(group: string): Promise<string[]> {
    return this.client.hkeys(this.names.group(group));
  }

  async presence(group: string): Promise<PresenceMember[]> {
    const entries = Object.entries(await this.client.hgetall(this.names.group(group)));
    return entries.filter(([, value]) => value !== '').map(([id, value]) => ({ id, meta: JSON.parse(value) as PresenceMeta }));
  }

  rooms(): Promise<string[]> {
    return this.client.smembers(this.names.rooms);
  }

  async roomsOf(id: string): Promise<string[]> {
    return (await this.client.hkeys(this.names.connection(id))).filter(isRoomGroup).map(groupName);
  }

  /** The node holding a connection, or null when none does. */
  nodeOf(id: string): Promise<string | null> {
    return this.client.hget(this.names.connection(id), NODE_FIELD);
  }

  async liveNodes(): Promise<{ id: string; connections: number }[]> {
    const flat = (await LIVE_NODES.run(this.client, [this.names.nodes], [this.names.prefix])) as (string | number)[];
    const nodes: { id: string; connections: number }[] = [];
    for (let i = 0; i < flat.length; i += 2) nodes.push({ id: String(flat[i]), connections: Number(flat[i + 1]) });
    return nodes;
  }

  /** Pushes this node's deadline; true when Redis had lost the node (restarted, or it was reaped). */
  async heartbeat(ttlMs: number): Promise<boolean> {
    return Number(await HEARTBEAT.run(this.client, [this.names.nodes], [this.nodeId, ttlMs])) === 1;
  }

  async deadNodes(limit: number): Promise<string[]> {
    const nodes = (await FIND_DEAD_NODES.run(this.client, [this.names.nodes], [limit])) as string[];
    return nodes.filter((node) => node !== this.nodeId);
  }

  /** Purges up to `batch` connections of a dead node, unless it came back meanwhile. */
  async purgeDeadNode(node: string, batch: number): Promise<PurgeResult> {
    const reply = (await PURGE_NODE.run(this.client, [this.names.nodes, this.names.rooms], [this.names.prefix, node, batch, '1'])) as (string | number)[];
    if (Number(reply[0]) === -1) return { isAlive: true };
    return { isAlive: false, remaining: Number(reply[0]), departed: presenceEntries(reply.slice(1)) };
  }

  /** Removes this node and whatever Redis still holds for it (graceful shutdown). */
  async removeNode(): Promise<void> {
    await PURGE_NODE.run(this.client, [this.names.nodes, this.names.rooms], [this.names.prefix, this.nodeId, ALL, '0']);
  }

  /**
   * Replaces whatever Redis holds for this node with `connections`, atomically (MULTI), and
   * registers the node. Resolves with the presence entries Redis had that are gone now, and the
   * ones it lacked (e.g. all of them after another node reaped this one): what presence() changed by.
   */
  async replaceNode(connections: readonly ConnectionSnapshot[], ttlMs: number): Promise<PresenceDiff> {
    const { names, nodeId } = this;
    const multi = this.client.multi();
    // Scripts go whole inside MULTI: a NOSCRIPT there would abort the transaction.
    multi.eval(PURGE_NODE.source, 2, names.nodes, names.rooms, names.prefix, nodeId, ALL, '0');
    for (const { id, groups } of connections) {
      multi.sadd(names.nodeConnections(nodeId), id);
      const fields: string[] = [NODE_FIELD, nodeId];
      for (const [group, meta] of groups) {
        const value = meta ? JSON.stringify(meta) : '';
        fields.push(group, value);
        multi.hset(names.group(group), id, value);
        if (isRoomGroup(group)) multi.sadd(names.rooms, groupName(group));
      }
      multi.hset(names.connection(id), ...fields);
    }
    multi.eval(HEARTBEAT.source, 1, names.nodes, nodeId, ttlMs);
    const results = await exec(multi);
    const before = presenceEntries((results[0] as (string | number)[]).slice(1));
    const now: PresenceEntry[] = [];
    for (const { id, groups } of connections) {
      for (const [group, meta] of groups) if (meta && isRoomGroup(group)) now.push({ room: groupName(group), id, meta });
    }
    const key = ({ room, id }: PresenceEntry): string => `${room}\n${id}`;
    const hadBefore = new Set(before.map(key));
    const hasNow = new Set(now.map(key));
    return { departed: before.filter((entry) => !hasNow.has(key(entry))), arrived: now.filter((entry) => !hadBefore.has(key(entry))) };
  }
}

/** Runs a MULTI; a failed command inside it fails the whole call. */
async function exec(multi: ChainableCommander): Promise<unknown[]> {
  const results = await multi.exec();
  if (results === null) throw new Error('Redis transaction aborted');
  const failure = results.find(([error]) => error);
  if (failure) throw failure[0];
  return results.map(([, result]) => result);
}

function presenceEntries(flat: readonly (string | number)[]): PresenceEntry[] {
  const entries: PresenceEntry[] = [];
  for (let i = 0; i + 2 < flat.length; i += 3) {
    entries.push({ room: String(flat[i]), id: String(flat[i + 1]), meta: JSON.parse(String(flat[i + 2])) as PresenceMeta });
  }
  return entries;
}
