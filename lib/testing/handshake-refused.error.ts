import { IncomingHttpHeaders } from 'node:http';

/**
 * The server answered the WebSocket handshake with an HTTP status instead of 101: a handshake
 * guard's 401/403, 404 for a path no gateway serves, 426, 503, …
 */
export class HandshakeRefusedError extends Error {
  constructor(
    readonly status: number,
    readonly headers: IncomingHttpHeaders,
    readonly body: string,
  ) {
    super(`the handshake was refused with HTTP ${status}${body ? `: ${body.slice(0, 200)}` : ''}`);
    this.name = 'HandshakeRefusedError';
  }
}
