// The client's side of the wire contract (DESIGN.md): {"event","data","id"} in text frames.
// Its own small copy of the types, so the browser build needs nothing outside lib/client.

/** A request id; the client numbers its requests 1, 2, 3, … */
export type ClientRequestId = string | number;

/** One event on the wire: `{"event":"join","data":{…},"id":7}`. */
export interface ClientEnvelope<T = unknown> {
  event: string;
  data?: T;
  id?: ClientRequestId;
  /** Set on a push from a room with history: the room, the push's offset in it, and the history's epoch. */
  room?: string;
  offset?: number;
  epoch?: string;
}

/** The server's first push on a connection with sessions: `{"event":"$session","data":{"id":"…"}}`. */
export const SESSION_EVENT = '$session';
/** The request that resumes a session after a reconnection. */
export const RESUME_EVENT = '$resume';
/** Rooms a `$resume` may name: the server (lib/history/resume-request.ts) answers more with BAD_MESSAGE. */
// Each room costs a join and a history read: far above what one connection follows, far below a flood.
export const MAX_RESUME_ROOMS = 1000;

/** Where the client is in a room's history. */
export interface RoomPosition {
  offset: number;
  epoch: string;
}

/** How one room came back after a reconnection. */
export interface RoomRecovery extends RoomPosition {
  /** Every missed message was replayed; false: the gap is no longer in the history (reload the room's state). */
  recovered: boolean;
  replayed: number;
}

/** The `data` of the reply to `$resume`. */
export interface ResumeReply {
  session: string;
  restored: boolean;
  rooms: Record<string, RoomRecovery>;
}

/** The `data` of an `error` envelope: what a guard, pipe, handler or filter refused, and why. */
export interface ErrorBody {
  /** The event that failed, when there was one. */
  event?: string;
  code: string;
  message: string;
  details?: unknown;
}

/** The event name of the server's error envelopes. */
export const ERROR_EVENT = 'error';

export function encodeEnvelope(event: string, data: unknown, id?: ClientRequestId): string {
  return JSON.stringify(id === undefined ? { event, data } : { event, data, id });
}

/** The envelope a text message carries, or undefined when it is not one. */
export function decodeEnvelope(text: string): ClientEnvelope | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || typeof (parsed as ClientEnvelope).event !== 'string') return undefined;
  const { id } = parsed as ClientEnvelope;
  if (id !== undefined && typeof id !== 'string' && typeof id !== 'number') return undefined;
  return parsed as ClientEnvelope;
}

/** An error envelope's data, filled in where the server sent less than the contract says. */
export function errorBodyOf(data: unknown): ErrorBody {
  const body = (typeof data === 'object' && data !== null ? data : {}) as Partial<ErrorBody>;
  return {
    ...(typeof body.event === 'string' ? { event: body.event } : {}),
    code: typeof body.code === 'string' ? body.code : 'UNKNOWN',
    message: typeof body.message === 'string' ? body.message : 'the server answered with an error',
    ...(body.details !== undefined ? { details: body.details } : {}),
  };
}
