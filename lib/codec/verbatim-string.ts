import { Envelope } from '../wire/envelope';

/** Below this many characters JSON.stringify costs less than the checks. */
const VERBATIM_MIN_CHARS = 256;

/** The keys of a reply envelope (dispatcher, compat/ws-response.ts), in the order JSON.stringify writes them. */
const REPLY_KEYS = ['event', 'data', 'id'] as const;

/** ES2024, in every Node this package supports (engines: >= 20.19); not in the es2022 lib we compile against. */
type WellFormedString = string & { isWellFormed(): boolean };

/**
 * The last `data` string a JSON codec decoded, when JSON writes it as it is, between two quotes:
 * its message held no backslash, so the string holds no quote, backslash or control character
 * (RFC 8259 §7 writes those only escaped), and it is well formed (JSON.stringify escapes a lone
 * surrogate). A reply carrying an equal string back (an echo, a relay) is then written around it,
 * without JSON.stringify's character-by-character escaping scan (15% of gateway echo 4 KiB).
 * Equal strings encode alike, so a reply to another message that happens to carry the same string
 * is right too.
 */
export class VerbatimString {
  private text: string | undefined;

  /** `data` was decoded from the JSON text `json`. */
  remember(data: string, json: string): void {
    this.text = data.length >= VERBATIM_MIN_CHARS && json.indexOf('\\') === -1 && (data as WellFormedString).isWellFormed() ? data : undefined;
  }

  /** Exactly JSON.stringify(envelope) when it is a reply whose data is the remembered string; undefined otherwise. */
  encodeReply(envelope: Envelope): string | undefined {
    const { text } = this;
    if (text === undefined || envelope.data !== text || !hasReplyShape(envelope)) return undefined;
    const { event, id } = envelope;
    const head = `{"event":${JSON.stringify(event)},"data":"${text}"`;
    return id === undefined ? `${head}}` : `${head},"id":${JSON.stringify(id)}}`;
  }
}

/** A plain object without toJSON whose own enumerable keys are `event` (a string), `data` and maybe `id` (a string or a number), in that order. */
function hasReplyShape(envelope: Envelope): boolean {
  if (Object.getPrototypeOf(envelope) !== Object.prototype || typeof envelope.event !== 'string') return false;
  // JSON.stringify writes what a toJSON returns, enumerable or not, own or on Object.prototype; for-in sees neither when hidden.
  if ('toJSON' in envelope) return false;
  let keyCount = 0;
  for (const key in envelope) {
    if (key !== REPLY_KEYS[keyCount]) return false;
    keyCount++;
  }
  if (keyCount === 2) return true;
  const { id } = envelope;
  return keyCount === 3 && (id === undefined || typeof id === 'string' || typeof id === 'number');
}
