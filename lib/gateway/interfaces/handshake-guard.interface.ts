import { HandshakeRequest } from '../../transport/handshake-channel';
import { HandshakeInfo } from '../../session/handshake-info';

/** What a handshake guard sees: the upgrade request, before any WebSocket exists. */
export interface HandshakeContext {
  /** Node's IncomingMessage for an HTTP/1.1 upgrade, its Http2ServerRequest for an HTTP/2 extended CONNECT (RFC 8441). */
  request: HandshakeRequest;
  handshake: HandshakeInfo;
  /** Becomes the connection's `data`: attach the authenticated user here. */
  data: Record<string, unknown>;
}

/**
 * Decides on the upgrade request, before the 101. `false` refuses with 403; throwing
 * `UnauthorizedException` gives 401, `ForbiddenException` 403.
 *
 * @example
 * ＠Injectable() class TokenGuard implements HandshakeGuard {
 *   canActivate({ handshake, data }: HandshakeContext) { data.user = verify(handshake.query.token); return !!data.user; }
 * }
 */
export interface HandshakeGuard {
  canActivate(context: HandshakeContext): boolean | Promise<boolean>;
}
