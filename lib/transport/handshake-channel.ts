import { IncomingMessage } from 'node:http';
import { Http2ServerRequest } from 'node:http2';
import { Duplex } from 'node:stream';
import { HandshakeRefusal } from '../protocol/handshake-refusal';

/** The request that opened a WebSocket: an HTTP/1.1 upgrade, or an HTTP/2 extended CONNECT (RFC 8441). */
export type HandshakeRequest = IncomingMessage | Http2ServerRequest;

/**
 * What differs between an HTTP/1.1 upgrade and an HTTP/2 extended CONNECT once the request is
 * valid: the stream the frames travel on and how the answer is written. Everything else (routes,
 * caps, verify, negotiation, the Connection) is the upgrade listener's, the same for both.
 */
export interface HandshakeChannel {
  /** The TCP/TLS socket, or the HTTP/2 stream. */
  readonly duplex: Duplex;
  /** What arrived after the request in the same read (HTTP/1.1; empty over HTTP/2). */
  readonly head: Buffer;
  /** Writes the acceptance: a 101 (RFC 6455 §4.2.2), or :status 200 (RFC 8441 §5). */
  accept(protocol: string | undefined, extensions: string | undefined): void;
  /** Writes the refusal as a complete answer and ends the stream. */
  refuse(refusal: HandshakeRefusal): void;
  /** How the Connection aborts the stream when not the socket's destroy() (RFC 8441 §6: RST_STREAM). */
  readonly abortSocket?: (socket: Duplex) => void;
}
