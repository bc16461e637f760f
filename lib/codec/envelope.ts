/** A request id as the client sent it; echoed on the reply (DESIGN.md, wire contract). */
export type RequestId = string | number;

/** One event on the wire: `{"event":"join","data":{…},"id":7}`. */
export interface Envelope<T = unknown> {
  event: string;
  data?: T;
  id?: RequestId;
}

export type DecodeResult = { ok: true; envelope: Envelope } | { ok: false; reason: string };
