// The wire contract (DESIGN.md "Wire contract: events"), written once: the server and the client
// (lib/client, which runs in browsers) both import it, so it imports nothing.

/** A request id as the client sent it; echoed on the reply. The client numbers its requests 1, 2, 3, … */
export type RequestId = string | number;

/**
 * One event on the wire: `{"event":"join","data":{…},"id":7}`. A push from a room with history
 * also carries where it sits in that room's stream: `{"event":"said","data":…,"room":"lobby","offset":42,"epoch":"…"}`.
 */
export interface Envelope<T = unknown> {
  event: string;
  data?: T;
  id?: RequestId;
  /**
   * Set on a request the server makes (`client.request()` on the server), and echoed by the answer:
   * 1, 2, 3, … per connection, in a field of its own so it never meets the client's `id`s.
   */
  ack?: number;
  /** The room with history the push was sent to. */
  room?: string;
  /** Its position in the room's history: 1, 2, 3, … within one epoch. */
  offset?: number;
  /** The room history's identity; a new epoch means the older offsets are gone. */
  epoch?: string;
}

/** A server request to the client, or the client's answer to one. */
export type AckEnvelope<T = unknown> = Envelope<T> & { ack: number };

/** A server request's `ack`: a positive integer. */
export const isAckId = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value > 0;

/** The `data` of an `error` envelope: what a guard, pipe, handler or filter refused, and why. */
export interface ErrorBody {
  /** The event that failed, when there was one. */
  event?: string;
  code: string;
  message: string;
  details?: unknown;
}

/** An error envelope's data from the `peer`, filled in where it sent less than the contract says. */
export function errorBodyOf(data: unknown, peer: 'server' | 'client' = 'server'): ErrorBody {
  const body = (typeof data === 'object' && data !== null ? data : {}) as Partial<ErrorBody>;
  return {
    ...(typeof body.event === 'string' ? { event: body.event } : {}),
    code: typeof body.code === 'string' ? body.code : 'UNKNOWN',
    message: typeof body.message === 'string' ? body.message : `the ${peer} answered with an error`,
    ...(body.details !== undefined ? { details: body.details } : {}),
  };
}
