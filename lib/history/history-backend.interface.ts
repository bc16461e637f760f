import type { SessionRecord, SessionWrite } from '../adapters/memory/retained-streams';
import { RoomPosition } from '../wire/resume';
import { ResolvedHistoryOptions } from './history-options.interface';
import { RetainedDelivery } from './retained-delivery';

/** Where a client is in a room's history: the wire's RoomPosition, named for the backend's streams. */
export type StreamPosition = RoomPosition;

/** A retained message as stored: its offset and the codec's bytes of `{event, data}` (memory keeps the whole frame). */
export interface RetainedEntry {
  offset: number;
  payload: string | Buffer;
  /** The members the broadcast skipped (`except`), when a backend keeps them (Redis). */
  except?: readonly string[];
}

/** What a room's history holds after an offset. */
export interface HistoryRead {
  epoch: string;
  /** The newest offset of the room (0 when nothing was ever retained in this epoch). */
  top: number;
  /** The entries after the asked offset, in order; they may start later than asked when older ones were trimmed. */
  entries: RetainedEntry[];
}

// A session's record and how its writes go, as every backend stores them.
export type { SessionRecord, SessionWrite } from '../adapters/memory/retained-streams';

/**
 * Storage of room histories and sessions: in this process (MemoryAdapter) or in Redis Streams
 * (RedisAdapter). `append` also delivers: to this node's members, or through Redis to every node,
 * in offset order.
 */
export interface HistoryBackend {
  /** Retains `{event, data}` in the room's history and delivers it (with its offset) to the room's members but `except`. */
  append(room: string, event: string, data: unknown, except: ReadonlySet<string>): Promise<StreamPosition>;
  /** Entries after `offset`, with the room's epoch and newest offset. */
  read(room: string, afterOffset: number): Promise<HistoryRead>;
  /** The room's epoch and newest offset. */
  position(room: string): Promise<StreamPosition>;
  /** The frame of a stored entry, as members get it live. */
  frameOf(room: string, epoch: string, entry: RetainedEntry): Buffer;
  /**
   * Saves the record of an open connection's session; 'spent' when a resume has taken the id (it is
   * spent for sessionTtlMs, refreshed by touchSessions): that connection no longer owns a session.
   */
  saveSession(id: string, record: SessionRecord, ttlMs: number): Promise<SessionWrite>;
  /**
   * Saves one room of a stored session (its position; undefined: left) and the session's data, and
   * none of its other rooms, so a connection's joins cost linear time; 'absent' when nothing is stored.
   */
  saveSessionRoom(id: string, room: string, position: StreamPosition | null | undefined, data: Record<string, unknown>, ttlMs: number): Promise<SessionWrite>;
  /**
   * The session's record, marked spent in the same step: of two resumes with one id, one gets it, and
   * the connection that still holds it (half-open, another tab) cannot save it back.
   */
  takeSession(id: string): Promise<SessionRecord | undefined>;
  /** Puts back a session taken by a resume whose connection closed before using it. */
  returnSession(id: string, record: SessionRecord, ttlMs: number): Promise<void>;
  /** Keeps the sessions of open connections from expiring. */
  touchSessions(ids: readonly string[], ttlMs: number): Promise<void>;
}

/** What an adapter needs to build its history backend. */
export interface HistoryBackendContext {
  options: ResolvedHistoryOptions;
  delivery: RetainedDelivery;
}
