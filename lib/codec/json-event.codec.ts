import { Envelope, isAckId } from '../wire/envelope';
import { DecodeResult, EventCodec } from './event-codec.interface';
import { VerbatimString } from './verbatim-string';

const isRequestId = (value: unknown): value is string | number =>
  typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));

/** The default codec: `{"event":…,"data":…,"id":…}` as JSON in text frames. */
export class JsonEventCodec implements EventCodec {
  /** The last decoded `data` string that JSON writes as it is: a reply carrying it back is not scanned again. */
  private readonly verbatim = new VerbatimString();

  encode(envelope: Envelope): string {
    return this.verbatim.encodeReply(envelope) ?? JSON.stringify(envelope);
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
    if (typeof data === 'string') this.verbatim.remember(data, message);
    return { ok: true, envelope: id === undefined ? { event, data } : { event, data, id } };
  }
}
