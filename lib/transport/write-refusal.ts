import { STATUS_CODES } from 'node:http';
import { Duplex } from 'node:stream';
import { HandshakeRefusal } from '../protocol/handshake-refusal';

/** How long a refused socket may linger for the peer to read the answer and hang up. */
export const LINGER_MS = 2_000;

/**
 * Writes a refusal as a complete HTTP response (status line, Connection: close, Content-Length,
 * blank line, body) and ends the socket; DESIGN.md "Close codes and HTTP answers".
 */
export function writeRefusal(socket: Duplex, refusal: HandshakeRefusal): void {
  if (socket.destroyed) return;
  const body = Buffer.from(refusal.body + '\n');
  const lines = [
    `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status] ?? 'Error'}`,
    'Connection: close',
    'Content-Type: text/plain; charset=utf-8',
    `Content-Length: ${body.length}`,
    ...Object.entries(refusal.headers).map(([name, value]) => `${name}: ${value}`),
  ];
  socket.end(Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n'), body]));
  // A peer that never hangs up does not keep the socket: destroy it after a short linger.
  const linger = setTimeout(() => socket.destroy(), LINGER_MS);
  linger.unref();
  socket.once('close', () => clearTimeout(linger));
}
