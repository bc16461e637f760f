import { HandshakeRefusal } from '../protocol/handshake-refusal';
import { originNotAllowed } from './messages';

/**
 * DESIGN.md: browsers send Origin, so an allow-list stops cross-site WebSocket hijacking (403).
 * Requests without Origin come from non-browser clients and are not judged here.
 */
export const checkOrigin = (allowedOrigins: readonly string[] | undefined, origin: string | undefined): HandshakeRefusal | undefined =>
  allowedOrigins === undefined || origin === undefined || allowedOrigins.includes(origin)
    ? undefined
    : new HandshakeRefusal(403, originNotAllowed(origin));
