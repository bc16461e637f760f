import type { RoomPosition } from '../../wire/resume';
import type { SessionRecord, SessionWrite, StreamLimits, StreamRead } from '../memory/retained-streams';

/** The codec's bytes of `{event, data}`: a string for a text codec (JSON), a Buffer for a binary one. */
export type RetainedPayload = string | Buffer;

/** Each history call a worker makes to the primary: its arguments and its answer (RetainedStreams' methods). */
export interface HistoryCalls {
  /** Retains the payload under the room's next offset; the primary sends it to every worker listening to the room. */
  append: [{ room: string; payload: RetainedPayload; except: string[]; limits: StreamLimits }, RoomPosition];
  read: [{ room: string; afterOffset: number; limits: StreamLimits }, StreamRead<RetainedPayload>];
  position: [{ room: string; limits: StreamLimits }, RoomPosition];
  saveSession: [{ id: string; record: SessionRecord; ttlMs: number }, SessionWrite];
  saveSessionRoom: [{ id: string; room: string; position: RoomPosition | null | undefined; data: Record<string, unknown>; ttlMs: number }, SessionWrite];
  takeSession: [{ id: string; spentTtlMs: number }, SessionRecord | undefined];
  returnSession: [{ id: string; record: SessionRecord; ttlMs: number }, undefined];
  touchSessions: [{ ids: readonly string[]; ttlMs: number }, undefined];
}

export type HistoryOp = keyof HistoryCalls;
export type HistoryRequest = { [K in HistoryOp]: { op: K } & HistoryCalls[K][0] }[HistoryOp];
export type HistoryAnswer = HistoryCalls[HistoryOp][1];

/** A retained message as the primary sends it to each worker with members in its room, in offset order. */
export interface RetainedMessage {
  room: string;
  offset: number;
  epoch: string;
  payload: RetainedPayload;
  except: string[];
}

/**
 * What a room history kept on a cluster's primary (lib/history/ipc/ipc-history.ts) uses of the
 * IpcAdapter: calls answered by the primary, and the retained messages it sends. The adapter
 * knows nothing else of history.
 */
export interface IpcHistoryLink {
  /** Rejects when the primary is unreachable or does not answer within the adapter's requestTimeoutMs. */
  call<K extends HistoryOp>(op: K, args: HistoryCalls[K][0]): Promise<HistoryCalls[K][1]>;
  /** Where the retained messages of this worker's rooms go, in the order the primary numbered them. */
  onRetained(receive: (message: RetainedMessage) => void): void;
}
