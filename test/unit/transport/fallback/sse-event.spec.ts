import { SseParser } from '../../../../lib/client/sse-parser';
import { encodeSseMessage, encodeSseText, SSE_HEARTBEAT } from '../../../../lib/transport/fallback/sse-event';
import { forEachChunking } from '../../../helpers/chunking';

/** What our client makes of an event stream, read in the given chunks. */
function parse(chunks: readonly Buffer[]): Array<{ event: string; data: string }> {
  const parser = new SseParser();
  const decoder = new TextDecoder();
  return chunks.flatMap((chunk) => parser.push(decoder.decode(chunk, { stream: true })));
}

describe('SSE events of the HTTP fallback, written by the server and read by the client', () => {
  it('writes a text as `id:` and one `data:` line', () => {
    expect(encodeSseMessage(7, '{"event":"said"}').toString()).toBe('id: 7\ndata: {"event":"said"}\n\n');
  });

  it.each([
    ['a plain text', '{"event":"said","data":"héllo ✓"}'],
    ['a text with LFs', 'one\ntwo\n\nthree\n'],
    ['a text with CRs and CRLFs', 'a\rb\r\nc'],
    ['an empty text', ''],
    ['bytes', Buffer.from([0, 10, 13, 255, 58])],
  ])('round-trips %s under every chunking, between heartbeats', (_case, message) => {
    const stream = Buffer.concat([SSE_HEARTBEAT, encodeSseMessage(1, message), SSE_HEARTBEAT, encodeSseMessage(2, message)]);
    forEachChunking(stream, (chunks) => {
      const events = parse(chunks);
      const decoded = events.map(({ event, data }) => (event === 'binary' ? Buffer.from(data, 'base64') : event === 'text' ? JSON.parse(data) : data));

      expect(decoded).toEqual([message, message]);
    });
  });

  it('writes a broadcast frame payload (UTF-8 bytes) as the same event as its text', () => {
    const text = 'multi\nline ✓';

    expect(encodeSseText(3, Buffer.from(text))).toEqual(encodeSseMessage(3, text));
  });
});
