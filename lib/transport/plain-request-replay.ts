import { IncomingMessage } from 'node:http';
import { Duplex } from 'node:stream';
import { Server as TlsServer } from 'node:tls';
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
export function replayAsPlainRequest(server: WebServer, request: IncomingMessage, socket: Duplex, head: Buffer): void {
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
