import { IncomingMessage, ServerResponse } from 'node:http';
import { Duplex } from 'node:stream';
import { Server as TlsServer } from 'node:tls';
import { HandshakeRefusal } from '../protocol/handshake-refusal';
import { WebServer } from './web-server';

/**
 * Node hands every request with `Connection: upgrade` to the 'upgrade' listeners once there is one;
 * with none it serves the request as plain HTTP, which RFC 9110 §7.8 allows (a server may ignore
 * Upgrade). For an upgrade that is not ours and that no other listener takes (h2c from
 * `curl --http2`), this gives the request back to Node as that plain request: the head is rebuilt
 * without its Upgrade header and put back in front of the bytes Node already read after it (`head`),
 * then the socket re-enters the server as a new connection, which Node documents for any Duplex.
 * The body, keep-alive and pipelined requests are then Node's, exactly as without our listener.
 * Checked against Node 20 and 22.
 */
export class PlainRequestReplay {
  /** Each socket's latest plain response: a request pipelined behind it waits until it is sent. */
  private readonly latestResponse = new WeakMap<Duplex, ServerResponse>();

  /** Told about every plain request the server answers (the request interceptor sees them all). */
  noteResponse(request: IncomingMessage, response: ServerResponse): void {
    this.latestResponse.set(request.socket, response);
  }

  /** Replays the request, or answers why it cannot be replayed (the transport writes that refusal). */
  replay(server: WebServer, request: IncomingMessage, socket: Duplex, head: Buffer): HandshakeRefusal | undefined {
    // The head is rebuilt from rawHeaders: one cut short would lose a Content-Length or Transfer-Encoding
    // that Node's parser framed the body by, and the body would be read as the next request (smuggling).
    if (request.rawHeaders.length >= keptHeaderEntries(server)) return new HandshakeRefusal(431, 'too many header fields');
    const before = this.latestResponse.get(socket);
    // Node lets go of a response's socket (response.socket becomes null) once it is written; until then
    // the socket is the previous response's, even when its bytes are already out (writableFinished).
    if (before === undefined || (before.socket === null && before.writableFinished)) return void replayNow(server, request, socket, head);
    // RFC 9112 §9.3.2: responses go out in request order. Node's parser for this socket is gone,
    // so the one we start waits until the response before this request has let go of the socket.
    socket.on('error', ignorePeerReset);
    before.once('close', () => {
      // Nothing reads the socket while it waits, so a reset shows as that response's write error,
      // whose 'error' event reaches the socket after the response's 'close': the listener stays.
      if (!socket.writable) return void socket.destroy();
      socket.off('error', ignorePeerReset);
      replayNow(server, request, socket, head);
    });
    return undefined;
  }
}

/**
 * rawHeaders keeps names and values up to maxHeadersCount pairs (Node's MAX_HEADER_PAIRS, 2,000 entries,
 * when unset; 0 keeps all), collected 32 pairs at a time: from that length on, lines may have been dropped.
 */
function keptHeaderEntries(server: WebServer): number {
  // An HTTP/2 server has it only for its HTTP/1.1 side (allowHTTP1), where upgrades come from.
  const { maxHeadersCount } = server as { maxHeadersCount?: number | null };
  if (typeof maxHeadersCount !== 'number') return 2_000;
  return maxHeadersCount > 0 ? maxHeadersCount * 2 : Infinity;
}

function replayNow(server: WebServer, request: IncomingMessage, socket: Duplex, head: Buffer): void {
  const { rawHeaders } = request;
  let text = `${request.method} ${request.url} HTTP/${request.httpVersion}\r\n`;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (rawHeaders[i].length !== 7 || rawHeaders[i].toLowerCase() !== 'upgrade') text += `${rawHeaders[i]}: ${rawHeaders[i + 1]}\r\n`;
  }
  // Header bytes arrive as latin1 (RFC 9110 §5.5 obs-text); write them back the same way.
  socket.unshift(Buffer.concat([Buffer.from(text + '\r\n', 'latin1'), head]));
  // An https server reads HTTP from 'secureConnection' (the TLS socket); a plain one from 'connection'.
  server.emit(server instanceof TlsServer ? 'secureConnection' : 'connection', socket);
}

// While it waits its turn the socket has no parser and no listener of Node's; a reset then is the peer leaving.
const ignorePeerReset = (): void => undefined;
