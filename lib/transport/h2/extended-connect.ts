import { Http2ServerRequest, IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import { isWebSocketConnect, validateExtendedConnect } from '../../protocol/extended-connect';
import { WebSocketOffer } from '../../protocol/handshake';
import { HandshakeRefusal } from '../../protocol/handshake-refusal';
import { HandshakeChannel, HandshakeRequest } from '../handshake-channel';
import { claimEvent } from '../upgrade-claim';
import { Http2WebServer, WebServer } from '../web-server';
import { StreamChannel } from './stream-channel';

/** What the HTTP/2 entry hands its streams to: the upgrade listener, the same for both HTTP versions. */
export interface ExtendedConnectTarget {
  /** Is a WebSocket served on this request target's path? */
  serves(url: string | undefined): boolean;
  handleExtendedConnect(request: HandshakeRequest, channel: HandshakeChannel, offer: WebSocketOffer | HandshakeRefusal): void;
}

/** An HTTP/2 server has updateSettings(); Node exports neither of its classes. */
export function isHttp2Server(server: WebServer): server is Http2WebServer {
  return typeof (server as Partial<Http2WebServer>).updateSettings === 'function';
}

/**
 * RFC 8441 on an HTTP/2 server: SETTINGS_ENABLE_CONNECT_PROTOCOL (§3) is announced to every new
 * session, and each extended CONNECT with `:protocol = websocket` (§4) on one of our paths goes to
 * `target` alone, as claimUpgrades does for HTTP/1.1. One for another path is left to the server's
 * other takers (a 'connect' listener, or a 'stream' listener of an application that has no
 * 'request' handler, i.e. not Node's compatibility layer, which would answer 405); with none, 404.
 * Returns what undoes it (sessions keep the setting they were given).
 */
export function attachExtendedConnect(server: Http2WebServer, target: ExtendedConnectTarget): () => void {
  server.updateSettings({ enableConnectProtocol: true });
  const isOurs = (_stream: ServerHttp2Stream, headers: IncomingHttpHeaders): boolean =>
    isWebSocketConnect(headers) && (target.serves(headers[':path']) || !hasOtherTaker(server));
  const handle = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, _flags: number, rawHeaders: string[]): void => {
    // Node's own request object for HTTP/2 (what compatibility-mode handlers get): handshake guards read it.
    const request = new Http2ServerRequest(stream, headers, {}, rawHeaders);
    target.handleExtendedConnect(request, new StreamChannel(stream), validateExtendedConnect(rawHeaders));
  };
  return claimEvent(server, 'stream', isOurs, handle);
}

function hasOtherTaker(server: Http2WebServer): boolean {
  return server.listenerCount('connect') > 0 || (server.listenerCount('stream') > 0 && server.listenerCount('request') === 0);
}
