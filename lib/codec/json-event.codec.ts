import { Envelope, isAckId } from '../wire/envelope';
import { DecodeResult, EventCodec } from './event-codec.interface';

const isRequestId = (value: unknown): value is string | number =>
  typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));

/** The default codec: `{"event":…,"data":…,"id":…}` as JSON in text frames. */
export class JsonEventCodec implements EventCodec {
  encode(envelope: Envelope): string {
    return JSON.stringify(envelope);
  }

  decode(message: string | Buffer): DecodeResult {
    if (typeof message !== 'string') return { ok: false, reason: 'expected a text message carrying JSON' };
    let parsed: unknown;
    try {
      parsed = JSON.parse(message);
    } catch {
      return { ok: false, reason: 'message is not valid JSON' };
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      return { ok: false, reason: 'message must be a JSON object' };
    }
    const { event, data, id, ack } = parsed as Record<string, unknown>;
    if (typeof event !== 'string' || event.length === 0) return { ok: false, reason: 'message has no "event" string' };
    if (id !== undefined && !isRequestId(id)) return { ok: false, reason: '"id" must be a string or a number' };
    // An answer to the server's client.request(); checked here so the dispatcher can trust it.
    if (ack !== undefined) return isAckId(ack) ? { ok: true, envelope: { event, data, ack } } : { ok: false, reason: '"ack" must be a positive integer' };
    return { ok: true, envelope: id === undefined ? { event, data } : { event, data, id } };
  }
}
