import { Envelope, RequestId } from '../../wire/envelope';

/**
 * A reply that names its own event, as `@nestjs/websockets` handlers return it. Returning the
 * value alone does the same with the request's event; this form is for code moved from Nest's
 * adapters, whose official samples return `from([1, 2, 3]).pipe(map((item) => ({ event: 'events', data: item })))`.
 *
 * @example
 * ＠OnMessage('events') events(): Observable<WsResponse<number>> { return from([1, 2, 3]).pipe(map((data) => ({ event: 'events', data }))); }
 */
export interface WsResponse<T = unknown> {
  event: string;
  data: T;
}

/**
 * Nest's socket.io adapter takes any value with a truthy `event` as a WsResponse, so a domain object
 * that happens to have an `event` field (a concert, an audit entry) loses its other fields. Ours
 * counts only a plain object whose own keys are exactly `event` (a non-empty string) and `data`;
 * anything else is a plain reply, sent whole under the request's event.
 */
export function isWsResponse(value: unknown): value is WsResponse {
  // Read before anything else: most replies have no `event`, and leave here without an allocation.
  const event = (value as { event?: unknown } | null | undefined)?.event;
  if (typeof event !== 'string' || event === '') return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return false;
  let keyCount = 0;
  for (const key in value as object) {
    if (!Object.prototype.hasOwnProperty.call(value, key) || (key !== 'event' && key !== 'data')) return false;
    keyCount++;
  }
  return keyCount === 2;
}

/** The envelope of one handler reply: a WsResponse's own event and data, or the value under the request's event; the request's `id` either way. */
export function replyEnvelope(event: string, value: unknown, id: RequestId | undefined): Envelope {
  // Only an object can be one: a number or a string costs one typeof.
  if (typeof value === 'object' && value !== null && isWsResponse(value)) {
    return id === undefined ? { event: value.event, data: value.data } : { event: value.event, data: value.data, id };
  }
  return id === undefined ? { event, data: value } : { event, data: value, id };
}
