import { IpcHistoryLink, RetainedMessage, RetainedPayload } from '../../adapters/ipc/ipc-history-link';
import { frameOf } from '../../adapters/ipc/ipc-message';
import type { StreamLimits } from '../../adapters/memory/retained-streams';
import { HistoryBackend, HistoryBackendContext, HistoryRead, RetainedEntry, SessionRecord, SessionWrite, StreamPosition } from '../history-backend.interface';
import { HistoryUnavailableError } from '../history-unavailable.error';

const NOBODY: ReadonlySet<string> = new Set();

// With the default JSON serialization of a cluster's channel a Buffer arrives as { type, data }.
const payloadOf = (payload: RetainedPayload): RetainedPayload => (typeof payload === 'string' ? payload : frameOf(payload));

/**
 * Room histories and sessions of a cluster's workers, held by the primary (IpcHub) and reached
 * over the IpcAdapter's channel. `append` returns once the primary has numbered the message; every
 * worker with members in the room, this one too, then gets it from the primary and delivers it, so
 * all see a room's messages in offset order. Entries are the codec's bytes, framed by each worker.
 */
export class IpcHistory implements HistoryBackend {
  /** What the primary needs of the options, sent with each call (the options hold functions, which IPC cannot carry). */
  private readonly limits: StreamLimits;

  constructor(
    private readonly context: HistoryBackendContext,
    private readonly link: IpcHistoryLink,
    /** This node's members of a room. */
    private readonly membersOf: (room: string) => Iterable<string>,
  ) {
    const { maxMessages, maxAgeMs, historyTtlMs } = context.options;
    this.limits = { maxMessages, maxAgeMs, historyTtlMs };
  }

  async append(room: string, event: string, data: unknown, except: ReadonlySet<string>): Promise<StreamPosition> {
    const { delivery } = this.context;
    const payload = delivery.payload(event, data);
    try {
      return await this.link.call('append', { room, payload, except: [...except], limits: this.limits });
    } catch (error) {
      // Not numbered: this node's members still get it, without an offset, and the publisher learns it.
      const frame = delivery.plainFrame(event, data);
      for (const id of this.membersOf(room)) if (!except.has(id)) delivery.sendTo(id, frame);
      throw new HistoryUnavailableError(`room ${room}: the message was not retained (${(error as Error).message})`);
    }
  }

  read(room: string, afterOffset: number): Promise<HistoryRead> {
    return this.call(() => this.link.call('read', { room, afterOffset, limits: this.limits }));
  }

  position(room: string): Promise<StreamPosition> {
    return this.call(() => this.link.call('position', { room, limits: this.limits }));
  }

  frameOf(room: string, epoch: string, entry: RetainedEntry): Buffer {
    return this.context.delivery.frameFromPayload(payloadOf(entry.payload), room, entry.offset, epoch);
  }

  /** A retained message from the primary: delivered to this node's members, encoded once. */
  receive({ room, offset, epoch, payload, except }: RetainedMessage): void {
    const { delivery } = this.context;
    const frame = delivery.frameFromPayload(payloadOf(payload), room, offset, epoch);
    delivery.deliver(room, offset, frame, this.membersOf(room), except.length === 0 ? NOBODY : new Set(except));
  }

  saveSession(id: string, record: SessionRecord, ttlMs: number): Promise<SessionWrite> {
    return this.call(() => this.link.call('saveSession', { id, record, ttlMs }));
  }

  saveSessionRoom(id: string, room: string, position: StreamPosition | null | undefined, data: Record<string, unknown>, ttlMs: number): Promise<SessionWrite> {
    return this.call(() => this.link.call('saveSessionRoom', { id, room, position, data, ttlMs }));
  }

  takeSession(id: string): Promise<SessionRecord | undefined> {
    return this.call(() => this.link.call('takeSession', { id, spentTtlMs: this.context.options.sessionTtlMs }));
  }

  returnSession(id: string, record: SessionRecord, ttlMs: number): Promise<void> {
    return this.call(() => this.link.call('returnSession', { id, record, ttlMs }));
  }

  touchSessions(ids: readonly string[], ttlMs: number): Promise<void> {
    if (ids.length === 0) return Promise.resolve();
    return this.call(() => this.link.call('touchSessions', { ids, ttlMs }));
  }

  /** A call the primary could not answer (gone, or late) rejects with HistoryUnavailableError. */
  private async call<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw new HistoryUnavailableError(`the cluster's primary keeps the history: ${(error as Error).message}`);
    }
  }
}
