import type { GroupKind } from '../../rooms/presence-store.interface';

/**
 * Names of everything the RedisAdapter keeps in Redis, under one prefix so several apps share
 * one server. A "group" is a room (`r:<room>`) or a tag (`t:<tag>`): both are sets of
 * connections that receive the same frames.
 *
 * ```
 * <p>nodes                ZSET  node id → deadline (ms, Redis clock); a node past it is dead
 * <p>rooms                SET   rooms with at least one member, on any node
 * <p>node:<node>:conns    SET   connection ids open on that node (what a reaper cleans up)
 * <p>conn:<id>            HASH  '@node' → node id; 'r:<room>' and 't:<tag>' → presence JSON or ''
 * <p>group:<group>        HASH  connection id → presence JSON or ''
 * <p>ch:<group>           channel of a group, subscribed by the nodes holding one of its members
 * <p>node-ch:<node>       channel of a node: direct sends and membership changes for its connections
 * ```
 */
export class RedisNames {
  readonly nodes: string;
  readonly rooms: string;

  constructor(readonly prefix: string) {
    this.nodes = `${prefix}nodes`;
    this.rooms = `${prefix}rooms`;
  }

  nodeConnections(node: string): string {
    return `${this.prefix}node:${node}:conns`;
  }

  connection(id: string): string {
    return `${this.prefix}conn:${id}`;
  }

  group(group: string): string {
    return `${this.prefix}group:${group}`;
  }

  groupChannel(group: string): string {
    return `${this.prefix}ch:${group}`;
  }

  nodeChannel(node: string): string {
    return `${this.prefix}node-ch:${node}`;
  }
}

/** The field of `conn:<id>` that names the node holding the connection. */
export const NODE_FIELD = '@node';

export const roomGroup = (room: string): string => `r:${room}`;
export const tagGroup = (tag: string): string => `t:${tag}`;
export const gatewayGroup = (gateway: string): string => `g:${gateway}`;
export const isRoomGroup = (group: string): boolean => group.startsWith('r:');
/** The kind of a group, by its prefix. */
export const kindOfGroup = (group: string): GroupKind => (group.startsWith('r:') ? 'room' : group.startsWith('g:') ? 'gateway' : 'tag');
/** The room or tag name of a group. */
export const groupName = (group: string): string => group.slice(2);
/** The group of a room or a tag. */
export const groupOf = (kind: GroupKind, name: string): string => (kind === 'room' ? roomGroup(name) : kind === 'tag' ? tagGroup(name) : gatewayGroup(name));
