import { randomBytes } from 'node:crypto';
import { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders, request as httpRequest } from 'node:http';
import { request as httpsRequest, RequestOptions as HttpsRequestOptions } from 'node:https';
import { Duplex } from 'node:stream';
import { computeAcceptKey } from '../protocol/handshake';
import { GatewayAddress } from './gateway-address';
import { HandshakeRefusedError } from './handshake-refused.error';

export type TlsOptions = Pick<HttpsRequestOptions, 'ca' | 'cert' | 'key' | 'rejectUnauthorized' | 'servername'>;

export interface HandshakeRequest {
  /** Path and query, e.g. `/private?token=t`. */
  path: string;
  /** Sent as given; they replace ours with the same name (to test refusals: a wrong version, no key, …). */
  headers: OutgoingHttpHeaders;
  protocols: readonly string[];
  timeoutMs: number;
  tls: TlsOptions | undefined;
}

/** A socket past the 101, the bytes that came with it, and what the server chose. */
export interface OpenedHandshake {
  socket: Duplex;
  head: Buffer;
  headers: IncomingHttpHeaders;
  /** The subprotocol the server selected, '' when none (as the WHATWG WebSocket reports it). */
  protocol: string;
}

const hasToken = (value: string | undefined, token: string): boolean =>
  (value ?? '').split(',').some((part) => part.trim().toLowerCase() === token);

/** RFC 6455 §4.1: what a client must check in the server's 101 before it may use the connection. */
function problemWith(headers: IncomingHttpHeaders, key: string, protocols: readonly string[]): string | undefined {
  if (!hasToken(headers.upgrade, 'websocket')) return 'the 101 response has no "Upgrade: websocket"';
  if (!hasToken(headers.connection, 'upgrade')) return 'the 101 response has no "Connection: Upgrade"';
  if (headers['sec-websocket-accept'] !== computeAcceptKey(key)) return 'Sec-WebSocket-Accept does not match the key sent';
  const protocol = headers['sec-websocket-protocol'];
  if (protocol !== undefined && !protocols.includes(protocol)) return `the server chose subprotocol "${protocol}", which was not offered`;
  const extensions = headers['sec-websocket-extensions'];
  if (extensions !== undefined) return `the server negotiated extensions (${extensions}), which the test client does not speak`;
  return undefined;
}

/** The opening handshake over node:http(s), with the headers and query a browser cannot set. */
export function openHandshake(address: GatewayAddress, request: HandshakeRequest): Promise<OpenedHandshake> {
  const headers: OutgoingHttpHeaders = {
    Connection: 'Upgrade',
    Upgrade: 'websocket',
    'Sec-WebSocket-Version': '13',
    // §4.1: a random 16-byte nonce, base64-encoded.
    'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
    ...(request.protocols.length > 0 ? { 'Sec-WebSocket-Protocol': request.protocols.join(', ') } : {}),
    ...request.headers,
  };
  const options = { host: address.host, port: address.port, socketPath: address.socketPath, path: request.path, method: 'GET', headers, agent: false };
  return new Promise((resolve, reject) => {
    const outgoing = address.isTls ? httpsRequest({ ...options, ...request.tls }) : httpRequest(options);
    const key = String(outgoing.getHeader('sec-websocket-key'));
    const timer = setTimeout(
      () => outgoing.destroy(new Error(`no answer to the WebSocket handshake on ${request.path} within ${request.timeoutMs} ms`)),
      request.timeoutMs,
    );
    outgoing.once('upgrade', (response: IncomingMessage, socket: Duplex, head: Buffer) => {
      clearTimeout(timer);
      const problem = problemWith(response.headers, key, request.protocols);
      if (problem) {
        socket.destroy();
        reject(new Error(`the handshake on ${request.path} failed: ${problem}`));
        return;
      }
      resolve({ socket, head, headers: response.headers, protocol: response.headers['sec-websocket-protocol'] ?? '' });
    });
    outgoing.once('response', (response: IncomingMessage) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.once('end', () => {
        clearTimeout(timer);
        reject(new HandshakeRefusedError(response.statusCode ?? 0, response.headers, body));
      });
    });
    outgoing.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    outgoing.end();
  });
}
