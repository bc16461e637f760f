import { IncomingHttpHeaders } from 'node:http';
import { HandshakeRequest } from '../transport/handshake-channel';

/** What the opening handshake told us; `@Handshake()` injects it. */
export interface HandshakeInfo {
  /** The request URL as sent, path and query. */
  url: string;
  path: string;
  query: Record<string, string | string[]>;
  headers: IncomingHttpHeaders;
  remoteAddress: string | undefined;
  /** The negotiated subprotocol, if any. */
  protocol: string | undefined;
  /**
   * On a gateway with `authMessage`: the data of the client's first message, `$auth` (what
   * `createClient(url, { auth: { token } })` sends), for handshake guards to check. Undefined otherwise.
   */
  auth?: Record<string, unknown>;
}

/** Unreserved characters and slashes only, not "//" first: such a path is its own WHATWG pathname… */
const PLAIN_PATH = /^\/(?!\/)[A-Za-z0-9\-._~/]*$/;
/** …unless it has a "." or ".." segment, which the URL parser removes. */
const DOT_SEGMENT = /(?:^|\/)\.\.?(?:\/|$)/;

export function handshakeInfoOf(request: HandshakeRequest, protocol: string | undefined): HandshakeInfo {
  const url = request.url ?? '/';
  const { headers } = request;
  const remoteAddress = request.socket.remoteAddress;
  // Most handshakes ask for a plain path (e.g. "/chat"): no URL parser, which was 7% of a handshake's CPU.
  if (PLAIN_PATH.test(url) && !DOT_SEGMENT.test(url)) return { url, path: url, query: {}, headers, remoteAddress, protocol };
  const parsed = new URL(url, 'ws://localhost');
  const query: Record<string, string | string[]> = {};
  for (const key of new Set(parsed.searchParams.keys())) {
    const values = parsed.searchParams.getAll(key);
    query[key] = values.length === 1 ? values[0] : values;
  }
  return { url, path: parsed.pathname, query, headers, remoteAddress, protocol };
}
