import { RetainedStreams } from '../memory/retained-streams';
import { HistoryAnswer, HistoryRequest, RetainedMessage, RetainedPayload } from './ipc-history-link';

/** What the primary does for one history call: its answer, and for an append the message for the room's workers. */
export interface HubHistoryOutcome {
  answer: HistoryAnswer;
  retained?: RetainedMessage;
}

/**
 * The room histories and sessions of a cluster's workers, held by the primary (the IPC counterpart
 * of the Redis keys of RedisHistory): the same streams as a single node's memory history, with the
 * workers' limits passed along with each call. The primary handles one message at a time, so a
 * room's offsets are handed out, and its messages sent to the workers, in one order.
 */
export class HubHistory {
  private readonly streams: RetainedStreams<RetainedPayload>;

  constructor(now: () => number = Date.now) {
    this.streams = new RetainedStreams(now);
  }

  /** Rooms with a history and sessions kept (spent ones included), for stats and leak checks. */
  get footprint(): { rooms: number; sessions: number } {
    return { rooms: this.streams.roomCount, sessions: this.streams.sessionCount };
  }

  handle(request: HistoryRequest): HubHistoryOutcome {
    const { streams } = this;
    switch (request.op) {
      case 'append': {
        const { room, except } = request;
        const { offset, epoch, payload } = streams.append(room, request.limits, () => request.payload);
        return { answer: { offset, epoch }, retained: { room, offset, epoch, payload, except } };
      }
      case 'read':
        return { answer: streams.read(request.room, request.afterOffset, request.limits) };
      case 'position':
        return { answer: streams.position(request.room, request.limits) };
      case 'saveSession':
        return { answer: streams.saveSession(request.id, request.record, request.ttlMs) };
      case 'saveSessionRoom':
        return { answer: streams.saveSessionRoom(request.id, request.room, request.position, request.data, request.ttlMs) };
      case 'takeSession':
        return { answer: streams.takeSession(request.id, request.spentTtlMs) };
      case 'returnSession':
        streams.returnSession(request.id, request.record, request.ttlMs);
        return { answer: undefined };
      case 'touchSessions':
        streams.touchSessions(request.ids, request.ttlMs);
        return { answer: undefined };
    }
  }
}
