import { ClientEnvelope, ErrorBody } from './envelope';

/**
 * Event names and their data types, one map per direction:
 * `createClient<{ say: { room: string; text: string } }, { said: Said }>(url)`.
 * Without maps every name is allowed and data is `unknown`.
 */
export type EventMap = Record<string, unknown>;

export type EventName<M> = Extract<keyof M, string>;

/** The data type of `K` in `M`; `unknown` for a name the map does not list. */
export type DataOf<M, K extends string> = K extends keyof M ? M[K] : unknown;

/** `data` may be left out when its type admits `undefined`. */
export type DataArgs<T> = undefined extends T ? [data?: T] : [data: T];

export interface RequestOptions {
  /** Reject with RequestTimeoutError when no reply came in this time; the client's `requestTimeoutMs` by default. */
  timeoutMs?: number;
}

export type RequestArgs<T> = undefined extends T ? [data?: T, options?: RequestOptions] : [data: T, options?: RequestOptions];

/** What the server may push: the map's events, and `error` envelopes that answer no request. */
export type InboundEventName<R> = EventName<R> | 'error';

export type InboundData<R, K extends string> = K extends 'error' ? ErrorBody : DataOf<R, K>;

/** Called with the envelope's data, and the whole envelope for its `id` when one came. */
export type InboundListener<R, K extends string> = (data: InboundData<R, K>, envelope: ClientEnvelope) => void;

/** Sending, as the client and the onReconnect context both offer it. */
export interface EventSender<Emits extends object, Receives extends object> {
  /** Fire-and-forget: `{"event","data"}`, no id, so the server's reply (if any) reaches `on(event)`. */
  emit<K extends EventName<Emits>>(event: K, ...args: DataArgs<DataOf<Emits, K>>): void;
  /**
   * `{"event","data","id"}`: resolves with the `data` of the reply that echoes the id, rejects with
   * RequestError (an `error` envelope), RequestTimeoutError or ConnectionClosedError. The reply's type
   * is the `Receives` entry of the same event name, since the server replies under the request's name.
   */
  request<K extends EventName<Emits>>(event: K, ...args: RequestArgs<DataOf<Emits, K>>): Promise<DataOf<Receives, K>>;
}
