import { randomBytes } from 'node:crypto';
import type { RoomPosition } from '../../wire/resume';

/** How much of a room's history is kept; the history options, passed with each call. */
export interface StreamLimits {
  maxMessages: number;
  /** 0: no age limit. */
  maxAgeMs: number;
  /** A room's history is dropped this long after its last message; 0 keeps it. */
  historyTtlMs: number;
}

/** One retained message: its offset, its bytes (a frame, or the codec's bytes of `{event, data}`) and when it came. */
export interface StoredEntry<P> {
  offset: number;
  payload: P;
  atMs: number;
}

/** A room's history after an offset: its epoch, newest offset, and the entries still kept. */
export interface StreamRead<P> {
  epoch: string;
  top: number;
  entries: StoredEntry<P>[];
}

/** What a session keeps between two connections: the connection's data and rooms (retained rooms map to the position at join). */
export interface SessionRecord {
  data: Record<string, unknown>;
  rooms: Record<string, RoomPosition | null>;
}

/** How a session write went: 'spent' once a resume has taken the id, 'absent' when a room was saved into no session. */
export type SessionWrite = 'saved' | 'spent' | 'absent';

interface RoomStream<P> {
  /** Drawn when the stream starts: a room whose history expired starts over at offset 1 in a new epoch. */
  epoch: string;
  top: number;
  /** Oldest first; at most maxMessages. */
  entries: StoredEntry<P>[];
  /** The last message, or the start: the stream expires historyTtlMs after it. */
  lastAtMs: number;
}

interface StoredSession {
  /** Undefined once a resume has taken it: the id is spent until it expires. */
  record: SessionRecord | undefined;
  expiresAtMs: number;
}

// A room's history outlives its last message by historyTtlMs to historyTtlMs × 1.25.
const EXPIRY_SWEEPS_PER_TTL = 4;

/** A fresh epoch: 12 hex digits, random. */
export const newEpoch = (): string => randomBytes(6).toString('hex');

/**
 * Room histories and sessions held in one process: a node's own (MemoryHistory) or, in a cluster,
 * the primary's for every worker (IpcHub). A stream takes the current epoch when it starts; a new
 * one is drawn at start and whenever rooms expire, so a restarted process, or a room that starts
 * over, never reuses offsets of the same epoch: clients learn the history is lost.
 */
export class RetainedStreams<P> {
  /** The epoch of streams that start now, and of rooms that have none yet. */
  private epoch = newEpoch();
  private readonly streams = new Map<string, RoomStream<P>>();
  private readonly sessions = new Map<string, StoredSession>();
  private nextExpiryAtMs = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** Rooms whose history is kept. */
  get roomCount(): number {
    return this.streams.size;
  }

  /** Sessions kept, spent ones included. */
  get sessionCount(): number {
    return this.sessions.size;
  }

  /** Retains the payload `payloadAt(offset, epoch)` under the room's next offset. */
  append(room: string, limits: StreamLimits, payloadAt: (offset: number, epoch: string) => P): StoredEntry<P> & RoomPosition {
    const nowMs = this.now();
    const stream = this.streamOf(room, limits, nowMs);
    const offset = ++stream.top;
    const entry = { offset, payload: payloadAt(offset, stream.epoch), atMs: nowMs };
    stream.entries.push(entry);
    stream.lastAtMs = nowMs;
    this.trim(stream, limits);
    return { ...entry, epoch: stream.epoch };
  }

  read(room: string, afterOffset: number, limits: StreamLimits): StreamRead<P> {
    this.expireIdleRooms(limits, this.now());
    const stream = this.streams.get(room);
    if (!stream) return { epoch: this.epoch, top: 0, entries: [] };
    this.trim(stream, limits);
    // Offsets are contiguous: the entry after `afterOffset` sits at a known index.
    const first = stream.entries[0]?.offset ?? stream.top + 1;
    const entries = stream.entries.slice(Math.max(0, afterOffset + 1 - first));
    return { epoch: stream.epoch, top: stream.top, entries };
  }

  position(room: string, limits: StreamLimits): RoomPosition {
    this.expireIdleRooms(limits, this.now());
    const stream = this.streams.get(room);
    return stream ? { offset: stream.top, epoch: stream.epoch } : { offset: 0, epoch: this.epoch };
  }

  saveSession(id: string, record: SessionRecord, ttlMs: number): SessionWrite {
    if (this.isSpent(id)) return 'spent';
    this.returnSession(id, record, ttlMs);
    return 'saved';
  }

  saveSessionRoom(id: string, room: string, position: RoomPosition | null | undefined, data: Record<string, unknown>, ttlMs: number): SessionWrite {
    const stored = this.sessions.get(id);
    if (!stored || stored.expiresAtMs <= this.now()) return 'absent';
    if (!stored.record) return 'spent';
    const { rooms } = stored.record;
    // Defined, not assigned: a room named "__proto__" is a key like any other.
    if (position === undefined) delete rooms[room];
    else Object.defineProperty(rooms, room, { value: position && { ...position }, enumerable: true, writable: true, configurable: true });
    stored.record.data = structuredClone(data);
    stored.expiresAtMs = this.now() + ttlMs;
    return 'saved';
  }

  /** The record, the id left spent for `spentTtlMs`. */
  takeSession(id: string, spentTtlMs: number): SessionRecord | undefined {
    const stored = this.sessions.get(id);
    if (!stored?.record || stored.expiresAtMs <= this.now()) return undefined;
    this.sessions.set(id, { record: undefined, expiresAtMs: this.now() + spentTtlMs });
    return stored.record;
  }

  returnSession(id: string, record: SessionRecord, ttlMs: number): void {
    this.sessions.set(id, { record: structuredClone(record), expiresAtMs: this.now() + ttlMs });
  }

  /** Keeps these sessions, and drops the expired ones. */
  touchSessions(ids: readonly string[], ttlMs: number): void {
    const now = this.now();
    for (const id of ids) {
      const stored = this.sessions.get(id);
      if (stored) stored.expiresAtMs = now + ttlMs;
    }
    for (const [id, stored] of this.sessions) if (stored.expiresAtMs <= now) this.sessions.delete(id);
  }

  private isSpent(id: string): boolean {
    const stored = this.sessions.get(id);
    return stored !== undefined && !stored.record && stored.expiresAtMs > this.now();
  }

  private streamOf(room: string, limits: StreamLimits, nowMs: number): RoomStream<P> {
    this.expireIdleRooms(limits, nowMs);
    let stream = this.streams.get(room);
    if (!stream) this.streams.set(room, (stream = { epoch: this.epoch, top: 0, entries: [], lastAtMs: nowMs }));
    return stream;
  }

  // Rooms are named by clients (a chat's), so a history nobody writes to must go. Swept a few times
  // per TTL, as messages and joins come: one clock comparison per call in between. The new epoch
  // costs a room joined before its first message and written to only after a sweep a
  // `recovered: false` (nothing was missed); a join stays free of allocation.
  private expireIdleRooms({ historyTtlMs }: StreamLimits, nowMs: number): void {
    if (historyTtlMs === 0 || nowMs < this.nextExpiryAtMs) return;
    this.nextExpiryAtMs = nowMs + historyTtlMs / EXPIRY_SWEEPS_PER_TTL;
    const idleSinceMs = nowMs - historyTtlMs;
    const roomsBefore = this.streams.size;
    for (const [room, stream] of this.streams) if (stream.lastAtMs <= idleSinceMs) this.streams.delete(room);
    if (this.streams.size < roomsBefore) this.epoch = newEpoch();
  }

  private trim(stream: RoomStream<P>, { maxMessages, maxAgeMs }: StreamLimits): void {
    let drop = Math.max(0, stream.entries.length - maxMessages);
    if (maxAgeMs > 0) {
      const cutoffMs = this.now() - maxAgeMs;
      while (drop < stream.entries.length && stream.entries[drop].atMs < cutoffMs) drop++;
    }
    if (drop > 0) stream.entries.splice(0, drop);
  }
}
