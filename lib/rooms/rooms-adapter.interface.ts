import { LocalConnections } from './local-connections';

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
  join(connectionId: string, room: string): Promise<void>;
  leave(connectionId: string, room: string): Promise<void>;
  /** Leaves every room; called when a connection closes. */
  leaveAll(connectionId: string): Promise<void>;
  /** Member connection ids, on every node. */
  members(room: string): Promise<string[]>;
  roomsOf(connectionId: string): Promise<string[]>;
  /** Every room that has at least one member. */
  rooms(): Promise<string[]>;
  /** Writes the same frame bytes to each member of the rooms once, skipping `except`, on every node. */
  broadcast(rooms: readonly string[], frame: Buffer, except: ReadonlySet<string>): Promise<void>;
  /** Writes a frame to one connection wherever it lives; false when no node has it open. */
  sendTo(connectionId: string, frame: Buffer): Promise<boolean>;
}
export const RoomsAdapter = Symbol('RoomsAdapter');
