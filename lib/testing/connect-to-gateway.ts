import { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { GatewayAddress, gatewayAddressOf, GatewayHost } from './gateway-address';
import { GatewayTestClient } from './gateway-test-client';
import { HandshakeRefusedError } from './handshake-refused.error';
import { openHandshake, TlsOptions } from './open-handshake';

type QueryValue = string | number | boolean;

export interface ConnectToGatewayOptions {
  /** Added to the path's query string: `{ token: 't', name: 'ada' }` → `?token=t&name=ada`. */
  query?: Record<string, QueryValue | readonly QueryValue[]>;
  /** Request headers (Authorization, Origin, Cookie, …); they replace the handshake's own of the same name. */
  headers?: OutgoingHttpHeaders;
  /** Subprotocols to offer, in order of preference. */
  protocols?: string | readonly string[];
  /** The port of a gateway served on a port of its own (`@Gateway({ port })`), on 127.0.0.1. */
  port?: number;
  /** Bound of the handshake and the default of every later wait; 3 s, below Jest's 5 s test timeout. */
  timeoutMs?: number;
  /** Largest message accepted from the server; 64 MiB. */
  maxMessageBytes?: number;
  /** For an HTTPS app: `{ ca }` or `{ rejectUnauthorized: false }` for a self-signed certificate. */
  tls?: TlsOptions;
  /** Use TLS; by default, when the app's server is an HTTPS one. */
  secure?: boolean;
}

/** What a refused handshake answered. */
export interface HandshakeRefusal {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** The defaults of connectToGateway's `timeoutMs` and `maxMessageBytes`. */
export const TEST_CLIENT_DEFAULTS = { timeoutMs: 3_000, maxMessageBytes: 64 * 1024 * 1024 };

function pathWithQuery(path: string, query: ConnectToGatewayOptions['query']): string {
  if (!path.startsWith('/')) throw new TypeError(`a gateway path starts with "/": got "${path}"`);
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    for (const item of Array.isArray(value) ? value : [value]) params.append(name, String(item));
  }
  const search = params.toString();
  if (!search) return path;
  return `${path}${path.includes('?') ? '&' : '?'}${search}`;
}

const protocolList = (protocols: ConnectToGatewayOptions['protocols']): readonly string[] =>
  protocols === undefined ? [] : typeof protocols === 'string' ? [protocols] : protocols;

/**
 * Opens a WebSocket to a gateway of a running Nest application, on the port the app listens on
 * (so `await app.listen(0)` first). Rejects with HandshakeRefusedError when the server answers
 * with an HTTP status instead of upgrading. Close what it opens with `closeAllTestClients()`.
 *
 * @example
 * const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
 * app = moduleRef.createNestApplication();
 * await app.listen(0);
 * const ws = await connectToGateway(app, '/private', { query: { token: 'let-me-in' }, headers: { origin: 'https://app.example' } });
 * expect(await ws.request('whoami')).toEqual({ name: 'guest' });
 * afterEach(closeAllTestClients);
 */
export async function connectToGateway(app: GatewayHost, path: string, options: ConnectToGatewayOptions = {}): Promise<GatewayTestClient> {
  const address: GatewayAddress = gatewayAddressOf(app, options.port, options.secure);
  const timeoutMs = options.timeoutMs ?? TEST_CLIENT_DEFAULTS.timeoutMs;
  const handshake = await openHandshake(address, {
    path: pathWithQuery(path, options.query),
    headers: options.headers ?? {},
    protocols: protocolList(options.protocols),
    timeoutMs,
    tls: options.tls,
  });
  return new GatewayTestClient(handshake.socket, handshake, {
    timeoutMs,
    maxMessageBytes: options.maxMessageBytes ?? TEST_CLIENT_DEFAULTS.maxMessageBytes,
  });
}

/**
 * Expects the handshake to be refused with `status` (401 and 403 from handshake guards, 404, 426,
 * 503, …) and resolves with the answer, for more checks. Fails when the handshake succeeds or
 * another status comes back.
 *
 * @example
 * const refusal = await expectRefusal(app, '/private', 401);
 * expect(refusal.body).toContain('a token is required');
 */
export async function expectRefusal(app: GatewayHost, path: string, status: number, options: ConnectToGatewayOptions = {}): Promise<HandshakeRefusal> {
  let client: GatewayTestClient;
  try {
    client = await connectToGateway(app, path, options);
  } catch (error) {
    if (!(error instanceof HandshakeRefusedError)) throw error;
    if (error.status !== status) throw new Error(`expected the handshake on ${path} to be refused with ${status}, it was refused with ${error.status}: ${error.body}`);
    return { status: error.status, headers: error.headers, body: error.body };
  }
  await client.close();
  throw new Error(`expected the handshake on ${path} to be refused with ${status}, but it was accepted`);
}
