/** What a member shows of itself in a room's presence, e.g. `{ user: 'ada', name: 'Ada' }`. */
export type PresenceMeta = Record<string, unknown>;

/** One member of a room's presence list. */
export interface PresenceMember {
  /** The connection id. */
  id: string;
  meta: PresenceMeta;
}

/** A presence event, pushed to the room's members as `{"event":"presence","data":<PresenceChange>}`. */
export interface PresenceChange {
  room: string;
  action: 'join' | 'leave';
  /** The connection that joined or left. */
  id: string;
  meta: PresenceMeta;
}

/** Turns a presence change into the frame that the room's members get. */
export type PresenceEncoder = (change: PresenceChange) => Buffer;

/**
 * Rooms group connections for broadcasts and presence; tags group them for `sendToTag` (e.g. `user:42`);
 * gateways group every connection a gateway accepted, and every connection (ALL_GATEWAYS), for
 * `sendToGateway` and `sendToAll`: node-local groups the store never holds.
 */
export type GroupKind = 'room' | 'tag' | 'gateway';

/** The gateway group every connection is in, whatever its gateway (no class is named so). */
export const ALL_GATEWAYS = '*';

/**
 * Where the membership of every node is kept, for the queries that span nodes. Only the node
 * holding a connection writes it (`Rooms` asks that node through the broker); this node's own
 * view is `LocalRooms`, and a store that is away answers from it. Its writes resolve while it is
 * away too, and it rewrites this node's state from `LocalRooms` when it is back (the RedisAdapter's
 * resync): `LocalRooms` has changed before a write is called, and a rejection only reaches the caller.
 */
export interface PresenceStore {
  /** A connection opened on this node. A store that keeps nothing to wait for (the MemoryAdapter) returns nothing: a connection then costs no promise. */
  addConnection(connectionId: string): void | Promise<void>;
  /** A connection of this node closed and left everything: forget it everywhere. */
  removeConnection(connectionId: string): Promise<void>;
  /** A connection of this node joined a room (with presence metadata) or was tagged. */
  join(kind: GroupKind, name: string, connectionId: string, meta: PresenceMeta | undefined): Promise<void>;
  leave(kind: GroupKind, name: string, connectionId: string): Promise<void>;
  /** Member connection ids, on every node. */
  members(room: string): Promise<string[]>;
  /** Members that joined with presence metadata, on every node. */
  presence(room: string): Promise<PresenceMember[]>;
  /** The rooms of a connection of another node (this node's own are in `LocalRooms`). */
  roomsOf(connectionId: string): Promise<string[]>;
  /** Every room that has at least one member, on any node. */
  rooms(): Promise<string[]>;
}
