import type { GroupKind } from '../../rooms/presence-store.interface';

/** Partitions (hash-tagged slots) the rooms and tags spread over. Default 128. */
export const DEFAULT_PARTITIONS = 128;

/**
 * Names of everything the RedisAdapter and the room history keep in Redis, under one prefix so
 * several apps share one server. A "group" is a room (`r:<room>`), a tag (`t:<tag>`) or a gateway
 * (`g:<gateway>`): connections that receive the same frames.
 *
 * Every key and channel of a group carries the hash tag of its partition, `{<p><n>}` with
 * n = fnv1a(group) mod partitions, so a Lua script touching one room (XADD + SPUBLISH, presence)
 * stays in one Redis Cluster slot, and a node's subscriptions group into at most `partitions` slots
 * (docs/scaling.md, "Keys and channels"):
 *
 * ```
 * {<p><n>}r:<room>:hist       STREAM  the room's history (lib/history/redis), PEXPIRE historyTtlMs
 * {<p><n>}r:<room>:meta       HASH    epoch, offset of the history; a much longer TTL
 * {<p><n>}r:<room>:presence   HASH    connection id → '<node>\n<presence JSON or "">'
 * {<p><n>}r:<room>:nodes      HASH    node → deadline (ms, Redis clock) of its members in the room
 * {<p><n>}<group>             channel of a group, subscribed by the nodes holding one of its members
 * <p>c:<id>                    STRING  node holding the connection (for direct sends), long TTL
 * {<p>n:<node>}                channel of a node: direct sends, membership changes, answers, probes
 * {<p>nodes}                   channel every node subscribes to: questions for all nodes (nodes(), rooms())
 * <p>probe:<node>:<n>          channels of a node's silent-loss probes on a Cluster, one per master (no tag: spread over slots)
 * <p>session:<id>              HASH    a resumable session (lib/history/redis)
 * ```
 */
export class RedisNames {
  /** Channel every node listens to, for questions put to all live nodes. */
  readonly nodesChannel: string;

  constructor(
    readonly prefix: string,
    readonly partitions: number = DEFAULT_PARTITIONS,
  ) {
    // A brace in the prefix would move the hash tag: keys of one room could land in two slots.
    if (/[{}]/.test(prefix)) throw new Error(`RedisAdapter: keyPrefix must not contain '{' or '}' (got ${JSON.stringify(prefix)})`);
    if (!Number.isInteger(partitions) || partitions < 1 || partitions > 16384) throw new RangeError('RedisAdapter: partitions must be an integer from 1 to 16384');
    this.nodesChannel = `{${prefix}nodes}`;
  }

  /** The hash tag of a group's partition: every key and the channel of the group start with it. */
  partitionTag(group: string): string {
    return `{${this.prefix}${fnv1a(group) % this.partitions}}`;
  }

  groupChannel(group: string): string {
    return this.partitionTag(group) + group;
  }

  roomChannel(room: string): string {
    return this.groupChannel(roomGroup(room));
  }

  /** Keys of a room: its presence and node deadlines (one slot, with its channel and history). */
  roomPresence(room: string): { presence: string; nodes: string } {
    const base = this.partitionTag(roomGroup(room)) + roomGroup(room);
    return { presence: `${base}:presence`, nodes: `${base}:nodes` };
  }

  /** Keys of a room's history: the stream and its epoch/offset meta hash. */
  roomHistory(room: string): { stream: string; meta: string } {
    const base = this.partitionTag(roomGroup(room)) + roomGroup(room);
    return { stream: `${base}:hist`, meta: `${base}:meta` };
  }

  connection(id: string): string {
    return `${this.prefix}c:${id}`;
  }

  nodeChannel(node: string): string {
    return `{${this.prefix}n:${node}}`;
  }

  /** Base of a node's probe channels on a Cluster: `<base>:<n>` lands in slot after slot, one per master is picked. */
  probeChannelBase(node: string): string {
    return `${this.prefix}probe:${node}`;
  }

  session(id: string): string {
    return `${this.prefix}session:${id}`;
  }
}

/** FNV-1a (32 bit) of the UTF-16 code units: the same partition on every node, cheap for short names. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

export const roomGroup = (room: string): string => `r:${room}`;
export const tagGroup = (tag: string): string => `t:${tag}`;
export const gatewayGroup = (gateway: string): string => `g:${gateway}`;
/** The kind of a group, by its prefix. */
export const kindOfGroup = (group: string): GroupKind => (group.startsWith('r:') ? 'room' : group.startsWith('g:') ? 'gateway' : 'tag');
/** The room or tag name of a group. */
export const groupName = (group: string): string => group.slice(2);
/** The group of a room or a tag. */
export const groupOf = (kind: GroupKind, name: string): string => (kind === 'room' ? roomGroup(name) : kind === 'tag' ? tagGroup(name) : gatewayGroup(name));
