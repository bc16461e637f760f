import { randomBytes } from 'node:crypto';
import { HistoryBackend, HistoryBackendContext, HistoryRead, RetainedEntry, SessionRecord, StreamPosition } from './history-backend.interface';

interface StoredEntry extends RetainedEntry {
  payload: Buffer;
  atMs: number;
}

interface RoomStream {
  top: number;
  /** Oldest first; at most maxMessages. */
  entries: StoredEntry[];
}

interface StoredSession {
  /** Undefined once a resume has taken it: the id is spent until it expires. */
  record: SessionRecord | undefined;
  expiresAtMs: number;
}

/** A fresh epoch: 12 hex digits, random. */
export const newEpoch = (): string => randomBytes(6).toString('hex');

/**
 * Room histories and sessions in this process (the MemoryAdapter's). The epoch is drawn at
 * start: a restarted process has lost its history, and clients learn it from the new epoch.
 * Entries are whole frames, so a replay writes stored bytes.
 */
export class MemoryHistory implements HistoryBackend {
  readonly epoch = newEpoch();
  private readonly streams = new Map<string, RoomStream>();
  private readonly sessions = new Map<string, StoredSession>();

  constructor(
    private readonly context: HistoryBackendContext,
    private readonly membersOf: (room: string) => Iterable<string>,
    private readonly now: () => number = Date.now,
  ) {}

  async append(room: string, event: string, data: unknown, except: ReadonlySet<string>): Promise<StreamPosition> {
    const stream = this.streams.get(room) ?? { top: 0, entries: [] };
    this.streams.set(room, stream);
    const offset = ++stream.top;
    const frame = this.context.delivery.frame(event, data, room, offset, this.epoch);
    stream.entries.push({ offset, payload: frame, atMs: this.now() });
    this.trim(stream);
    this.context.delivery.deliver(room, offset, frame, this.membersOf(room), except);
    return { offset, epoch: this.epoch };
  }

  async read(room: string, afterOffset: number): Promise<HistoryRead> {
    const stream = this.streams.get(room);
    if (!stream) return { epoch: this.epoch, top: 0, entries: [] };
    this.trim(stream);
    // Offsets are contiguous in memory: the entry after `afterOffset` sits at a known index.
    const first = stream.entries[0]?.offset ?? stream.top + 1;
    const entries = stream.entries.slice(Math.max(0, afterOffset + 1 - first));
    return { epoch: this.epoch, top: stream.top, entries };
  }

  async position(room: string): Promise<StreamPosition> {
    return { offset: this.streams.get(room)?.top ?? 0, epoch: this.epoch };
  }

  frameOf(_room: string, _epoch: string, entry: RetainedEntry): Buffer {
    return entry.payload as Buffer;
  }

  async saveSession(id: string, record: SessionRecord, ttlMs: number): Promise<boolean> {
    const stored = this.sessions.get(id);
    if (stored && !stored.record && stored.expiresAtMs > this.now()) return false;
    await this.returnSession(id, record, ttlMs);
    return true;
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
