import { IncomingHttpHeaders, IncomingMessage } from 'node:http';

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
}

export function handshakeInfoOf(request: IncomingMessage, protocol: string | undefined): HandshakeInfo {
  const url = request.url ?? '/';
  const parsed = new URL(url, 'ws://localhost');
  const query: Record<string, string | string[]> = {};
  for (const key of new Set(parsed.searchParams.keys())) {
    const values = parsed.searchParams.getAll(key);
    query[key] = values.length === 1 ? values[0] : values;
  }
  return { url, path: parsed.pathname, query, headers: request.headers, remoteAddress: request.socket.remoteAddress, protocol };
}
