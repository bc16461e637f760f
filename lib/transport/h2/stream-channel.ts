import { constants, OutgoingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import { Duplex } from 'node:stream';
import { HandshakeRefusal } from '../../protocol/handshake-refusal';
import { HandshakeChannel } from '../handshake-channel';
import { LINGER_MS } from '../write-refusal';

const NO_HEAD = Buffer.alloc(0);

/**
 * An extended CONNECT's stream (RFC 8441): the answer is the response's HEADERS, and the WebSocket's
 * frames are the stream's DATA. A refusal ends the stream (END_STREAM) and then resets it with
 * NO_ERROR, so a client still sending is told to stop (RFC 9113 §8.1).
 */
export class StreamChannel implements HandshakeChannel {
  readonly head = NO_HEAD;
  readonly abortSocket = abortStream;

  constructor(readonly duplex: ServerHttp2Stream) {}

  // RFC 8441 §5: a 2xx answer opens the WebSocket; there is no Sec-WebSocket-Accept.
  accept(protocol: string | undefined, extensions: string | undefined): void {
    const headers: OutgoingHttpHeaders = { ':status': 200 };
    if (protocol !== undefined) headers['sec-websocket-protocol'] = protocol;
    if (extensions !== undefined) headers['sec-websocket-extensions'] = extensions;
    this.duplex.respond(headers);
  }

  refuse(refusal: HandshakeRefusal): void {
    const stream = this.duplex;
    if (stream.destroyed || stream.headersSent) return void stream.close(constants.NGHTTP2_CANCEL);
    const headers: OutgoingHttpHeaders = { ':status': refusal.status, 'content-type': 'text/plain; charset=utf-8' };
    // HTTP/2 field names are lower case (RFC 9113 §8.2.1).
    for (const [name, value] of Object.entries(refusal.headers)) headers[name.toLowerCase()] = value;
    stream.respond(headers);
    stream.end(refusal.body + '\n', () => stream.close(constants.NGHTTP2_NO_ERROR));
    // A peer that never opens its window for the body (or never reads it) does not keep the stream:
    // RST_STREAM CANCEL after the linger a refused HTTP/1.1 socket gets (write-refusal.ts).
    const linger = setTimeout(() => stream.close(constants.NGHTTP2_CANCEL), LINGER_MS);
    linger.unref();
    stream.once('close', () => clearTimeout(linger));
  }
}

/** RFC 8441 §6: a TCP reset's equivalent is RST_STREAM; CANCEL says we gave up on it. */
function abortStream(stream: Duplex): void {
  (stream as ServerHttp2Stream).close(constants.NGHTTP2_CANCEL);
}
