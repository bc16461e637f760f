import { SSE_BINARY_EVENT, SSE_ESCAPED_TEXT_EVENT } from '../../wire/fallback';

const LF = 0x0a;
const CR = 0x0d;
const DATA_LINE_BREAK = Buffer.from('\ndata: ', 'latin1');

/**
 * One message as an SSE event (WHATWG HTML §9.2.6): `id: <n>` then `data:` lines, then a blank line.
 * A reader joins data lines with LF, so a text's LFs become line breaks and come back as they were;
 * a CR is a line end too, so a text holding one goes as a JSON string, and bytes as base64.
 */
export function encodeSseMessage(eventId: number, message: string | Buffer): Buffer {
  if (typeof message !== 'string') return encodeSseEvent(eventId, SSE_BINARY_EVENT, message.toString('base64'));
  if (message.includes('\r')) return encodeSseEvent(eventId, SSE_ESCAPED_TEXT_EVENT, JSON.stringify(message));
  return encodeSseText(eventId, Buffer.from(message));
}

/** A text message's UTF-8 bytes as an event: a broadcast's frame payload goes out without being decoded. */
export function encodeSseText(eventId: number, utf8: Buffer): Buffer {
  if (utf8.includes(CR)) return encodeSseMessage(eventId, utf8.toString());
  const head = `id: ${eventId}\ndata: `;
  if (!utf8.includes(LF)) return Buffer.concat([Buffer.from(head, 'latin1'), utf8, EVENT_END]);
  const parts: Buffer[] = [Buffer.from(head, 'latin1')];
  let start = 0;
  for (let at = utf8.indexOf(LF); at !== -1; at = utf8.indexOf(LF, start)) {
    parts.push(utf8.subarray(start, at), DATA_LINE_BREAK);
    start = at + 1;
  }
  parts.push(utf8.subarray(start), EVENT_END);
  return Buffer.concat(parts);
}

/** A named event whose data is one line (no CR or LF in `data`). */
export function encodeSseEvent(eventId: number | undefined, name: string, data: string): Buffer {
  return Buffer.from(`${eventId === undefined ? '' : `id: ${eventId}\n`}event: ${name}\ndata: ${data}\n\n`);
}

/** A comment line: readers ignore it; it keeps proxies from closing an idle stream. */
export const SSE_HEARTBEAT = Buffer.from(':\n\n', 'latin1');

const EVENT_END = Buffer.from('\n\n', 'latin1');
