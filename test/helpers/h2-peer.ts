// An HTTP/2 client for RFC 8441 tests: sessions that wait for the server's SETTINGS, extended
// CONNECT streams with exactly the fields a test asks for, and the answers read whole.
import { once } from 'node:events';
import { ClientHttp2Session, ClientHttp2Stream, connect, IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http2';

export interface H2Session {
  session: ClientHttp2Session;
  /** The server's first SETTINGS: RFC 8441 §3 asks for enableConnectProtocol. */
  settings: { enableConnectProtocol?: boolean };
}

/** A session to 127.0.0.1 (TLS with any certificate for https, else h2c), once the server's SETTINGS arrived. */
export async function openSession(port: number, scheme: 'https' | 'http' = 'https'): Promise<H2Session> {
  const session = connect(`${scheme}://127.0.0.1:${port}`, { rejectUnauthorized: false });
  session.on('error', () => undefined); // the streams report what a test waits for
  const [settings] = (await once(session, 'remoteSettings')) as [H2Session['settings']];
  return { session, settings };
}

/** RFC 8441 §5's request: CONNECT, :protocol websocket, version 13; `fields` adds or replaces (undefined removes). */
export function extendedConnect(session: ClientHttp2Session, path: string, fields: Record<string, string | undefined> = {}): ClientHttp2Stream {
  const scheme = session.encrypted ? 'https' : 'http';
  const headers: OutgoingHttpHeaders = {
    ':method': 'CONNECT',
    ':protocol': 'websocket',
    ':scheme': scheme,
    ':authority': `127.0.0.1:${(session.socket.remotePort ?? 0).toString()}`,
    ':path': path,
    'sec-websocket-version': '13',
  };
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined) delete headers[name];
    else headers[name] = value;
  }
  const stream = session.request(headers);
  stream.on('error', () => undefined); // a reset shows as rstCode at 'close'
  return stream;
}

export interface H2Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** The stream's RST_STREAM code at its close (0: none, or NO_ERROR). */
  rstCode: number;
}

/** The whole answer to a request the server refuses or serves (its body read until the stream closes). */
export async function answerOf(stream: ClientHttp2Stream): Promise<H2Answer> {
  let body = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => (body += chunk));
  const closed = once(stream, 'close');
  const [headers] = (await Promise.race([once(stream, 'response'), closed.then(() => [{}])])) as [IncomingHttpHeaders];
  await closed;
  return { status: Number(headers[':status'] ?? 0), headers, body, rstCode: stream.rstCode ?? 0 };
}

/** Waits for the 200 of an extended CONNECT; throws with the status otherwise. */
export async function opened(stream: ClientHttp2Stream): Promise<IncomingHttpHeaders> {
  const [headers] = (await Promise.race([once(stream, 'response'), once(stream, 'close').then(() => [{ ':status': `reset ${stream.rstCode}` }])])) as [IncomingHttpHeaders];
  if (Number(headers[':status']) !== 200) throw new Error(`extended CONNECT refused: ${String(headers[':status'])}`);
  return headers;
}

/** GET over the session: status and body. */
export async function h2Get(session: ClientHttp2Session, path: string): Promise<H2Answer> {
  const stream = session.request({ ':method': 'GET', ':path': path });
  stream.end();
  return answerOf(stream);
}
