import { RetainedStreams } from '../adapters/memory/retained-streams';
import { HistoryBackend, HistoryBackendContext, HistoryRead, RetainedEntry, SessionRecord, SessionWrite, StreamPosition } from './history-backend.interface';

export { newEpoch } from '../adapters/memory/retained-streams';

/**
 * Room histories and sessions in this process (the MemoryAdapter's), in RetainedStreams. Entries
 * are whole frames, so a replay writes stored bytes.
 */
export class MemoryHistory implements HistoryBackend {
  private readonly streams: RetainedStreams<Buffer>;

  constructor(
    private readonly context: HistoryBackendContext,
    private readonly membersOf: (room: string) => Iterable<string>,
    now: () => number = Date.now,
  ) {
    this.streams = new RetainedStreams(now);
  }

  /** @internal Rooms whose history is kept, for leak checks. */
  get retainedRooms(): number {
    return this.streams.roomCount;
  }

  async append(room: string, event: string, data: unknown, except: ReadonlySet<string>): Promise<StreamPosition> {
    const { delivery, options } = this.context;
    const { offset, epoch, payload: frame } = this.streams.append(room, options, (offset, epoch) => delivery.frame(event, data, room, offset, epoch));
    delivery.deliver(room, offset, frame, this.membersOf(room), except);
    return { offset, epoch };
  }

  async read(room: string, afterOffset: number): Promise<HistoryRead> {
    return this.streams.read(room, afterOffset, this.context.options);
  }

  async position(room: string): Promise<StreamPosition> {
    return this.streams.position(room, this.context.options);
  }

  frameOf(_room: string, _epoch: string, entry: RetainedEntry): Buffer {
    return entry.payload as Buffer;
  }

  async saveSession(id: string, record: SessionRecord, ttlMs: number): Promise<SessionWrite> {
    return this.streams.saveSession(id, record, ttlMs);
  }

  async saveSessionRoom(id: string, room: string, position: StreamPosition | null | undefined, data: Record<string, unknown>, ttlMs: number): Promise<SessionWrite> {
    return this.streams.saveSessionRoom(id, room, position, data, ttlMs);
  }

  async takeSession(id: string): Promise<SessionRecord | undefined> {
    return this.streams.takeSession(id, this.context.options.sessionTtlMs);
  }

  async returnSession(id: string, record: SessionRecord, ttlMs: number): Promise<void> {
    this.streams.returnSession(id, record, ttlMs);
  }

  async touchSessions(ids: readonly string[], ttlMs: number): Promise<void> {
    this.streams.touchSessions(ids, ttlMs);
  }
}
