import { LocalConnections } from '../session/local-connections';
import { ReadyState } from '../transport/connection';
import { MemberGroups } from './member-groups';
import type { GroupKind } from './presence-store.interface';

/**
 * This node's rooms and tags: who of its own connections is in which, with presence metadata,
 * and the delivery of a frame encoded once to those members. The only copy of that state: the
 * adapters publish and store, and deliver through it.
 *
 * A connection belongs to this node from its open until the `leaveAll()` after its close:
 * between the two it is closing, joins nothing, and its rooms still answer `roomsOf()`.
 */
export class LocalRooms {
  readonly rooms = new MemberGroups();
  readonly tags = new MemberGroups();
  /** One group per gateway and ALL_GATEWAYS: few enough to scan at a close, so no per-connection index. */
  readonly gateways = new MemberGroups({ isIndexedByMember: false });
  private readonly closing = new Set<string>();

  constructor(private readonly connections: LocalConnections) {}

  /** Open connections on this node. */
  get connectionCount(): number {
    return this.connections.size;
  }

  groups(kind: GroupKind): MemberGroups {
    return kind === 'room' ? this.rooms : kind === 'tag' ? this.tags : this.gateways;
  }

  /** Open here, or closed and waiting for its `leaveAll()`. */
  isOwned(connectionId: string): boolean {
    return this.connections.get(connectionId) !== undefined || this.closing.has(connectionId);
  }

  isClosing(connectionId: string): boolean {
    return this.closing.has(connectionId);
  }

  /** The connection left the registry; its rooms wait for its `leaveAll()`. */
  markClosing(connectionId: string): void {
    this.closing.add(connectionId);
  }

  /** The closed connection left everything: it is no longer this node's. */
  forget(connectionId: string): void {
    this.closing.delete(connectionId);
  }

  /** Every connection this node owns (what it writes back to a store that lost it). */
  owned(): string[] {
    const ids = [...this.closing];
    for (const connection of this.connections.values()) ids.push(connection.id);
    return ids;
  }

  /** Writes the frame once to each local member of the rooms or the tag, skipping `except`. */
  deliver(kind: GroupKind, names: readonly string[], frame: Buffer, except: ReadonlySet<string>): void {
    this.groups(kind).deliver(names, frame, except, this.connections);
  }

  /** Writes the frame to one connection of this node; false when it is not open here. */
  deliverTo(connectionId: string, frame: Buffer): boolean {
    const connection = this.connections.get(connectionId);
    if (connection?.readyState !== ReadyState.Open) return false;
    connection.sendFrame(frame);
    return true;
  }

  /** @internal What it holds, for leak checks: all zero once every connection has closed. */
  footprint(): { rooms: number; connectionsInRooms: number; presenceRooms: number; tags: number; taggedConnections: number; closing: number } {
    const rooms = this.rooms.footprint();
    const tags = this.tags.footprint();
    return {
      rooms: rooms.groups,
      connectionsInRooms: rooms.connectionsInGroups,
      presenceRooms: rooms.presenceGroups,
      tags: tags.groups,
      taggedConnections: tags.connectionsInGroups,
      closing: this.closing.size,
    };
  }
}
