// Raw HTTP/1.1 over node:net, for the opening handshake (RFC 6455 §4): no HTTP client library
// normalises what we send or hides what comes back.
import { createHash } from 'node:crypto';
import { connect, Socket } from 'node:net';

const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const HEAD_END = Buffer.from('\r\n\r\n');

/** §4.2.2: Sec-WebSocket-Accept = base64(SHA-1(key + GUID)). */
export const acceptFor = (key: string): string =>
  createHash('sha1').update(key + WEBSOCKET_GUID).digest('base64');

export interface HttpHead {
  statusLine: string;
  statusCode: number;
  /** Lower-cased header names; a header sent twice keeps both values. */
  headers: Map<string, string[]>;
}

/** The value of a header, or undefined; repeated field lines are joined with commas (RFC 9110 §5.3). */
export const headerOf = (head: HttpHead, name: string): string | undefined =>
  head.headers.get(name.toLowerCase())?.join(', ');

/** Comma-separated tokens of a header, lower-cased (`Connection: keep-alive, Upgrade`). */
export const tokensOf = (head: HttpHead, name: string): string[] =>
  (headerOf(head, name) ?? '')
    .split(',')
    .map((token) => token.trim().toLowerCase())
    .filter((token) => token.length > 0);

const parseHead = (text: string): HttpHead => {
  const [statusLine, ...lines] = text.split('\r\n');
  const match = /^HTTP\/1\.1 (\d{3})(?: .*)?$/.exec(statusLine);
  if (!match) throw new Error(`not an HTTP/1.1 status line: ${JSON.stringify(statusLine)}`);
  const headers = new Map<string, string[]>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Error(`malformed header line: ${JSON.stringify(line)}`);
    const name = line.slice(0, colon).trim().toLowerCase();
    headers.set(name, [...(headers.get(name) ?? []), line.slice(colon + 1).trim()]);
  }
  return { statusLine, statusCode: Number(match[1]), headers };
};

/** Splits `bytes` at the blank line ending an HTTP head; null until the head is complete. */
export const splitHead = (bytes: Buffer): { head: HttpHead; rest: Buffer } | null => {
  const end = bytes.indexOf(HEAD_END);
  if (end < 0) return null;
  return { head: parseHead(bytes.subarray(0, end).toString('latin1')), rest: bytes.subarray(end + HEAD_END.length) };
};

export interface UpgradeRequestOptions {
  method?: string;
  path?: string;
  httpVersion?: string;
  /** Header lines in order; a `null` value leaves a default header out, an array repeats it. */
  headers?: Record<string, string | string[] | null>;
}

/** A client opening handshake (§4.1) with every required header, each overridable. */
export const upgradeRequest = (port: number, key: string, options: UpgradeRequestOptions = {}): string => {
  const headers: Record<string, string | string[] | null> = {
    Host: `127.0.0.1:${port}`,
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Key': key,
    'Sec-WebSocket-Version': '13',
    ...options.headers,
  };
  const lines = [`${options.method ?? 'GET'} ${options.path ?? '/echo'} ${options.httpVersion ?? 'HTTP/1.1'}`];
  for (const [name, value] of Object.entries(headers)) {
    if (value === null) continue;
    for (const each of Array.isArray(value) ? value : [value]) lines.push(`${name}: ${each}`);
  }
  return `${lines.join('\r\n')}\r\n\r\n`;
};

export interface HttpExchangeResult {
  head: HttpHead;
  body: Buffer;
  /** Resolves true once the server ends the connection with a FIN, false if it does not within the wait. */
  serverEnded: Promise<boolean>;
}

/**
 * One request on a fresh socket. The result comes once the head is read (for a 101) or the
 * head and its Content-Length body (for any other status; without Content-Length, at the end).
 */
export class HttpExchange {
  readonly socket: Socket;
  readonly result: Promise<HttpExchangeResult>;
  private readonly serverEnded: Promise<boolean>;

  constructor(port: number, request: string | Buffer, timeoutMs = 3000) {
    this.socket = connect({ host: '127.0.0.1', port });
    this.socket.setNoDelay(true);
    this.socket.on('error', () => undefined); // surfaced through `result` and `serverEnded`
    this.serverEnded = new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.socket.once('end', () => {
        clearTimeout(timer);
        resolve(true);
      });
      this.socket.once('close', () => {
        clearTimeout(timer);
        resolve(false);
      });
    });
    this.result = this.read(timeoutMs);
    this.socket.write(request);
  }

  private read(timeoutMs: number): Promise<HttpExchangeResult> {
    const socket = this.socket;
    const serverEnded = this.serverEnded;
    return new Promise((resolve, reject) => {
      let received = Buffer.alloc(0);
      const timer = setTimeout(() => finish(new Error(`no complete HTTP answer within ${timeoutMs} ms; got ${JSON.stringify(received.toString('latin1'))}`)), timeoutMs);
      const finish = (outcome: Error | { head: HttpHead; body: Buffer }): void => {
        clearTimeout(timer);
        socket.off('data', onData).off('close', onClose);
        if (outcome instanceof Error) reject(outcome);
        else resolve({ ...outcome, serverEnded });
      };
      const tryComplete = (isClosed: boolean): void => {
        const split = splitHead(received);
        if (!split) {
          if (isClosed) finish(new Error(`connection closed before a complete HTTP head: ${JSON.stringify(received.toString('latin1'))}`));
          return;
        }
        if (split.head.statusCode === 101) return finish({ head: split.head, body: split.rest });
        const contentLength = headerOf(split.head, 'content-length');
        if (contentLength !== undefined && split.rest.length >= Number(contentLength)) {
          finish({ head: split.head, body: split.rest.subarray(0, Number(contentLength)) });
        } else if (isClosed) {
          if (contentLength === undefined) finish({ head: split.head, body: split.rest });
          else finish(new Error(`connection closed after ${split.rest.length} of ${contentLength} body bytes`));
        }
      };
      const onData = (chunk: Buffer): void => {
        received = Buffer.concat([received, chunk]);
        tryComplete(false);
      };
      const onClose = (): void => tryComplete(true);
      socket.on('data', onData).on('close', onClose);
    });
  }
}
