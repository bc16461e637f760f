import { randomBytes } from 'node:crypto';
import { HistoryBackend, HistoryBackendContext, HistoryRead, RetainedEntry, SessionRecord, SessionWrite, StreamPosition } from './history-backend.interface';

interface StoredEntry extends RetainedEntry {
  payload: Buffer;
  atMs: number;
}

interface RoomStream {
  /** Drawn when the stream starts: a room whose history expired starts over at offset 1 in a new epoch. */
  epoch: string;
  top: number;
  /** Oldest first; at most maxMessages. */
  entries: StoredEntry[];
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
 * Room histories and sessions in this process (the MemoryAdapter's). A stream takes the current
 * epoch when it starts; a new one is drawn at start and whenever rooms expire (historyTtlMs), so a
 * restarted process, or a room that starts over, never reuses offsets of the same epoch: clients
 * learn the history is lost. Entries are whole frames, so a replay writes stored bytes.
 */
export class MemoryHistory implements HistoryBackend {
  /** The epoch of streams that start now, and of rooms that have none yet. */
  private epoch = newEpoch();
  private readonly streams = new Map<string, RoomStream>();
  private readonly sessions = new Map<string, StoredSession>();
  private nextExpiryAtMs = 0;

  constructor(
    private readonly context: HistoryBackendContext,
    private readonly membersOf: (room: string) => Iterable<string>,
    private readonly now: () => number = Date.now,
  ) {}

  /** @internal Rooms whose history is kept, for leak checks. */
  get retainedRooms(): number {
    return this.streams.size;
  }

  async append(room: string, event: string, data: unknown, except: ReadonlySet<string>): Promise<StreamPosition> {
    const nowMs = this.now();
    const stream = this.streamOf(room, nowMs);
    const offset = ++stream.top;
    const frame = this.context.delivery.frame(event, data, room, offset, stream.epoch);
    stream.entries.push({ offset, payload: frame, atMs: nowMs });
    stream.lastAtMs = nowMs;
    this.trim(stream);
    this.context.delivery.deliver(room, offset, frame, this.membersOf(room), except);
    return { offset, epoch: stream.epoch };
  }

  async read(room: string, afterOffset: number): Promise<HistoryRead> {
    this.expireIdleRooms(this.now());
    const stream = this.streams.get(room);
    if (!stream) return { epoch: this.epoch, top: 0, entries: [] };
    this.trim(stream);
    // Offsets are contiguous in memory: the entry after `afterOffset` sits at a known index.
    const first = stream.entries[0]?.offset ?? stream.top + 1;
    const entries = stream.entries.slice(Math.max(0, afterOffset + 1 - first));
    return { epoch: stream.epoch, top: stream.top, entries };
  }

  async position(room: string): Promise<StreamPosition> {
    this.expireIdleRooms(this.now());
    const stream = this.streams.get(room);
    return stream ? { offset: stream.top, epoch: stream.epoch } : { offset: 0, epoch: this.epoch };
  }

  frameOf(_room: string, _epoch: string, entry: RetainedEntry): Buffer {
    return entry.payload as Buffer;
  }

  async saveSession(id: string, record: SessionRecord, ttlMs: number): Promise<SessionWrite> {
    if (this.isSpent(id)) return 'spent';
    await this.returnSession(id, record, ttlMs);
    return 'saved';
  }

  async saveSessionRoom(id: string, room: string, position: StreamPosition | null | undefined, data: Record<string, unknown>, ttlMs: number): Promise<SessionWrite> {
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

  async takeSession(id: string): Promise<SessionRecord | undefined> {
    const stored = this.sessions.get(id);
    if (!stored?.record || stored.expiresAtMs <= this.now()) return undefined;
    this.sessions.set(id, { record: undefined, expiresAtMs: this.now() + this.context.options.sessionTtlMs });
    return stored.record;
  }

  async returnSession(id: string, record: SessionRecord, ttlMs: number): Promise<void> {
    this.sessions.set(id, { record: structuredClone(record), expiresAtMs: this.now() + ttlMs });
  }

  async touchSessions(ids: readonly string[], ttlMs: number): Promise<void> {
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

  private streamOf(room: string, nowMs: number): RoomStream {
    this.expireIdleRooms(nowMs);
    let stream = this.streams.get(room);
    if (!stream) this.streams.set(room, (stream = { epoch: this.epoch, top: 0, entries: [], lastAtMs: nowMs }));
    return stream;
  }

  // Rooms are named by clients (a chat's), so a history nobody writes to must go. Swept a few times
  // per TTL, as messages and joins come: one clock comparison per call in between. The new epoch
  // costs a room joined before its first message and written to only after a sweep a
  // `recovered: false` (nothing was missed); a join stays free of allocation.
  private expireIdleRooms(nowMs: number): void {
    const { historyTtlMs } = this.context.options;
    if (historyTtlMs === 0 || nowMs < this.nextExpiryAtMs) return;
    this.nextExpiryAtMs = nowMs + historyTtlMs / EXPIRY_SWEEPS_PER_TTL;
    const idleSinceMs = nowMs - historyTtlMs;
    const roomsBefore = this.streams.size;
    for (const [room, stream] of this.streams) if (stream.lastAtMs <= idleSinceMs) this.streams.delete(room);
    if (this.streams.size < roomsBefore) this.epoch = newEpoch();
  }

  private trim(stream: RoomStream): void {
    const { maxMessages, maxAgeMs } = this.context.options;
    let drop = Math.max(0, stream.entries.length - maxMessages);
    if (maxAgeMs > 0) {
      const cutoffMs = this.now() - maxAgeMs;
      while (drop < stream.entries.length && stream.entries[drop].atMs < cutoffMs) drop++;
    }
    if (drop > 0) stream.entries.splice(0, drop);
  }
}
