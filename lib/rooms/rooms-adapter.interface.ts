import type { HistoryBackend, HistoryBackendContext } from '../history/history-backend.interface';
import { LocalConnections } from '../session/local-connections';

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

/** One node of the cluster (a single node with the MemoryAdapter). */
export interface NodeInfo {
  id: string;
  /** Connections open on that node. */
  connections: number;
  /** The node answering the query. */
  isSelf: boolean;
}

/** How the adapter reaches the other nodes, e.g. for a stats endpoint. */
export interface AdapterStats {
  /** The other nodes are reachable now (always true for the MemoryAdapter). */
  isConnected: boolean;
  /** Broadcasts and direct sends that could not be handed to the other nodes. */
  undelivered: number;
  /** Times the link to the other nodes was lost. */
  outages: number;
}

/**
 * Where room membership lives and how frames reach members: in this process (the default
 * MemoryAdapter) or across nodes (RedisAdapter). Rooms and ConnectionRegistry go through it,
 * so swapping it changes nothing in application code.
 */
export interface RoomsAdapter {
  /** Called once at bootstrap, before any route is bound, with this node's open connections. */
  attach(local: LocalConnections): Promise<void> | void;
  /** Called once at shutdown, after every connection has closed. */
  close?(): Promise<void>;
  /** Called once by `Rooms` with the module's codec, before `attach`. */
  usePresenceEncoder(encode: PresenceEncoder): void;
  /** A connection opened on this node. */
  addConnection(connectionId: string): Promise<void>;
  /** A connection closed on this node: its tags go now, its rooms with the `leaveAll` that follows. */
  removeConnection(connectionId: string): Promise<void>;
  /** With `presence`, the member appears in `presence(room)` and the room's members get a join event. */
  join(connectionId: string, room: string, presence?: PresenceMeta): Promise<void>;
  leave(connectionId: string, room: string): Promise<void>;
  /** Leaves every room; called when a connection closes. */
  leaveAll(connectionId: string): Promise<void>;
  /** Member connection ids, on every node. */
  members(room: string): Promise<string[]>;
  /** Members that joined with presence metadata, on every node. */
  presence(room: string): Promise<PresenceMember[]>;
  roomsOf(connectionId: string): Promise<string[]>;
  /** Every room that has at least one member. */
  rooms(): Promise<string[]>;
  /** Writes the same frame bytes to each member of the rooms once, skipping `except`, on every node. */
  broadcast(rooms: readonly string[], frame: Buffer, except: ReadonlySet<string>): Promise<void>;
  /** Writes a frame to one connection wherever it lives; false when no node has it open. */
  sendTo(connectionId: string, frame: Buffer): Promise<boolean>;
  tag(connectionId: string, tag: string): Promise<void>;
  untag(connectionId: string, tag: string): Promise<void>;
  /** Writes a frame to every connection carrying the tag (e.g. `user:42`), on every node. */
  sendToTag(tag: string, frame: Buffer, except: ReadonlySet<string>): Promise<void>;
  /** The live nodes and their connection counts. */
  nodes(): Promise<NodeInfo[]>;
  stats(): AdapterStats;
  /**
   * Room history and sessions kept where this adapter keeps rooms (in memory, in Redis Streams);
   * called once at bootstrap when `history` is configured. An adapter without it cannot have history.
   */
  history?(context: HistoryBackendContext): HistoryBackend;
}
export const RoomsAdapter = Symbol('RoomsAdapter');
