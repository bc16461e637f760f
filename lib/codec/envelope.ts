/** A request id as the client sent it; echoed on the reply (DESIGN.md, wire contract). */
export type RequestId = string | number;

/**
 * One event on the wire: `{"event":"join","data":{…},"id":7}`. A push from a room with history
 * also carries where it sits in that room's stream: `{"event":"said","data":…,"room":"lobby","offset":42,"epoch":"…"}`.
 */
export interface Envelope<T = unknown> {
  event: string;
  data?: T;
  id?: RequestId;
  /** The room with history the push was sent to. */
  room?: string;
  /** Its position in the room's history: 1, 2, 3, … within one epoch. */
  offset?: number;
  /** The room history's identity; a new epoch means the older offsets are gone. */
  epoch?: string;
}

export type DecodeResult = { ok: true; envelope: Envelope } | { ok: false; reason: string };
