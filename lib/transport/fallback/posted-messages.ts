import { IncomingMessage } from 'node:http';
import { splitPostedMessages } from '../../wire/fallback';

export type PostedMessages =
  | { kind: 'read'; messages: string[]; bytes: number }
  | { kind: 'too-large' }
  /** More messages than the route takes in one POST (nothing of it is delivered). */
  | { kind: 'too-many' }
  | { kind: 'invalid'; reason: string }
  /** The client left before the body's end. */
  | { kind: 'aborted' };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A POST's messages, one per line, read whole before any is delivered (a body cut short delivers
 * none). A Content-Length above `maxBytes` is refused before reading; a chunked body as it passes it;
 * a body of more than `maxMessages` lines once read.
 */
export function readPostedMessages(request: IncomingMessage, maxBytes: number, maxMessages: number): Promise<PostedMessages> {
  const declared = Number(request.headers['content-length'] ?? NaN);
  if (declared > maxBytes) return Promise.resolve({ kind: 'too-large' });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    const onData = (chunk: Buffer): void => {
      bytes += chunk.length;
      if (bytes <= maxBytes) return void chunks.push(chunk);
      request.off('data', onData);
      chunks.length = 0;
      resolve({ kind: 'too-large' });
    };
    request.on('data', onData);
    request.once('end', () => {
      if (bytes > maxBytes) return;
      let text: string;
      try {
        text = utf8.decode(Buffer.concat(chunks, bytes));
      } catch {
        return resolve({ kind: 'invalid', reason: 'the body is not valid UTF-8' });
      }
      const messages = splitPostedMessages(text, maxMessages);
      resolve(messages ? { kind: 'read', messages, bytes } : { kind: 'too-many' });
    });
    // 'close' after 'end' changes nothing: a promise settles once.
    request.once('close', () => resolve({ kind: 'aborted' }));
  });
}
