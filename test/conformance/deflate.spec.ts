import { once } from 'node:events';
import { createConnection, NetConnectOpts, Socket } from 'node:net';
import WebSocket, { PerMessageDeflateOptions } from 'ws';
import { DEFLATE_PATHS } from '../fixtures/deflate-app';
import { negotiateOverWire } from '../helpers/deflate-client';
import { chatText, mixedBinary, sizeLabel } from '../helpers/deflate-payloads';
import { useDeflateApp } from '../helpers/deflate-suite';

// RFC 7692 against a client that really compresses, in the spirit of Autobahn 12.x (text) and
// 13.x (binary, every offer variant): the `ws` npm client with each of its permessage-deflate
// settings, messages from 0 B to 1 MiB, every echo compared byte for byte.

const DEFAULT_RESPONSE = 'permessage-deflate; server_no_context_takeover; client_no_context_takeover';
const SIZES = [0, 16, 64, 256, 1 << 10, 4 << 10, 16 << 10, 64 << 10, 256 << 10, 1 << 20];

interface Variant {
  /** What the client offers, in words. */
  offer: string;
  path: string;
  /** `ws`'s options; threshold 0 unless said otherwise, so the client compresses every message. */
  options: PerMessageDeflateOptions;
  /** The 101's Sec-WebSocket-Extensions. */
  response: string;
}

const variant = (path: string, offer: string, options: PerMessageDeflateOptions, response: string): Variant => ({
  path,
  offer,
  options: { threshold: 0, ...options },
  response,
});

const VARIANTS: Variant[] = [
  variant(DEFLATE_PATHS.defaults, 'the default offer', {}, DEFAULT_RESPONSE),
  variant(DEFLATE_PATHS.defaults, 'client_no_context_takeover', { clientNoContextTakeover: true }, DEFAULT_RESPONSE),
  variant(DEFLATE_PATHS.defaults, 'server_no_context_takeover', { serverNoContextTakeover: true }, DEFAULT_RESPONSE),
  ...[9, 10, 11, 12, 13, 14, 15].map((bits) =>
    variant(DEFLATE_PATHS.defaults, `server_max_window_bits=${bits}`, { serverMaxWindowBits: bits }, `${DEFAULT_RESPONSE}; server_max_window_bits=${bits}`),
  ),
  ...[8, 9, 10, 11, 12, 13, 14, 15].map((bits) =>
    variant(DEFLATE_PATHS.defaults, `client_max_window_bits=${bits}`, { clientMaxWindowBits: bits }, `${DEFAULT_RESPONSE}; client_max_window_bits=${bits}`),
  ),
  variant(DEFLATE_PATHS.takeover, 'the default offer (context takeover both ways)', {}, 'permessage-deflate'),
  variant(DEFLATE_PATHS.takeover, 'server_no_context_takeover', { serverNoContextTakeover: true }, 'permessage-deflate; server_no_context_takeover'),
  variant(DEFLATE_PATHS.takeover, 'client_no_context_takeover', { clientNoContextTakeover: true }, 'permessage-deflate; client_no_context_takeover'),
  variant(DEFLATE_PATHS.takeover, 'server_max_window_bits=10', { serverMaxWindowBits: 10 }, 'permessage-deflate; server_max_window_bits=10'),
  variant(DEFLATE_PATHS.takeover, 'client_max_window_bits=9', { clientMaxWindowBits: 9 }, 'permessage-deflate; client_max_window_bits=9'),
  variant(DEFLATE_PATHS.window9, 'the default offer', {}, `${DEFAULT_RESPONSE}; server_max_window_bits=9`),
  variant(DEFLATE_PATHS.window9, 'server_max_window_bits=12', { serverMaxWindowBits: 12 }, `${DEFAULT_RESPONSE}; server_max_window_bits=9`),
  variant(DEFLATE_PATHS.window9, 'server_max_window_bits=9 and context takeover asked off', { serverMaxWindowBits: 9, serverNoContextTakeover: true }, `${DEFAULT_RESPONSE}; server_max_window_bits=9`),
  variant(DEFLATE_PATHS.threshold0, 'the default offer', {}, DEFAULT_RESPONSE),
  variant(DEFLATE_PATHS.threshold0, 'the default offer, compressing from 1 KiB', { threshold: 1024 }, DEFAULT_RESPONSE),
  variant(DEFLATE_PATHS.inherited, 'the default offer', {}, DEFAULT_RESPONSE),
];

/** Each payload is made once and sent by every variant. */
const memo = <T>(make: (size: number) => T): ((size: number) => T) => {
  const made = new Map<number, T>();
  return (size) => made.get(size) ?? made.set(size, make(size)).get(size)!;
};

const KINDS = [
  { kind: 'text', payloadOf: memo<string | Buffer>(chatText) },
  { kind: 'binary', payloadOf: memo<string | Buffer>(mixedBinary) },
] as const;

const byteLength = (data: string | Buffer): number => (typeof data === 'string' ? Buffer.byteLength(data) : data.length);

describe('permessage-deflate: the ws client with compression echoes every message byte for byte', () => {
  const suite = useDeflateApp();

  describe.each(VARIANTS)('on $path, offering $offer', ({ path, options, response }) => {
    let client: WebSocket;
    let socket: Socket;
    let negotiated: string | undefined;

    beforeAll(async () => {
      client = new WebSocket(suite.app.wsUrl(path), {
        perMessageDeflate: options,
        maxPayload: 32 << 20,
        createConnection: ((connectOptions: NetConnectOpts) => (socket = createConnection(connectOptions))) as typeof createConnection,
      });
      client.once('upgrade', (reply) => (negotiated = reply.headers['sec-websocket-extensions']));
      await once(client, 'open');
    });
    afterAll(async () => {
      if (client.readyState === WebSocket.CLOSED) return;
      const closed = once(client, 'close');
      client.close();
      await closed;
    });

    it(`is answered with "${response}"`, () => {
      expect(negotiated).toBe(response);
      expect(client.extensions).toBe('permessage-deflate');
    });

    const cases = KINDS.flatMap(({ kind, payloadOf }) => SIZES.map((size) => [kind, sizeLabel(size), payloadOf, size] as const));

    it.each(cases)('echoes a %s message of %s', async (kind, _label, payloadOf, size) => {
      const payload = payloadOf(size);
      const [readBefore, writtenBefore] = [socket.bytesRead, socket.bytesWritten];
      const reply = once(client, 'message') as Promise<[Buffer, boolean]>;
      client.send(payload);
      const [data, isBinary] = await reply;

      expect(isBinary).toBe(kind === 'binary');
      const expected = typeof payload === 'string' ? Buffer.from(payload) : payload;
      if (!data.equals(expected)) expect({ length: data.length, head: data.subarray(0, 32) }).toEqual({ length: expected.length, head: expected.subarray(0, 32) });
      expect(data.equals(expected)).toBe(true);
      if (kind === 'text' && size >= 4 << 10) {
        // Chat-like JSON: both directions really travel compressed.
        expect(socket.bytesWritten - writtenBefore).toBeLessThan(byteLength(payload) * 0.75);
        expect(socket.bytesRead - readBefore).toBeLessThan(byteLength(payload) * 0.75);
      }
    });
  });
});

describe('permessage-deflate: negotiation over the wire', () => {
  const suite = useDeflateApp();

  it.each([
    [DEFLATE_PATHS.defaults, 'permessage-deflate', DEFAULT_RESPONSE],
    [DEFLATE_PATHS.defaults, 'permessage-deflate; client_max_window_bits', DEFAULT_RESPONSE],
    [DEFLATE_PATHS.defaults, 'permessage-deflate; server_max_window_bits="10"', `${DEFAULT_RESPONSE}; server_max_window_bits=10`],
    [DEFLATE_PATHS.defaults, 'permessage-deflate; server_max_window_bits=8, permessage-deflate; client_max_window_bits=10', `${DEFAULT_RESPONSE}; client_max_window_bits=10`],
    [DEFLATE_PATHS.defaults, 'x-webkit-deflate-frame, permessage-deflate', DEFAULT_RESPONSE],
    [DEFLATE_PATHS.takeover, 'permessage-deflate; client_max_window_bits', 'permessage-deflate'],
    [DEFLATE_PATHS.takeover, 'permessage-deflate; server_no_context_takeover', 'permessage-deflate; server_no_context_takeover'],
    [DEFLATE_PATHS.window9, 'permessage-deflate', `${DEFAULT_RESPONSE}; server_max_window_bits=9`],
    [DEFLATE_PATHS.window9, 'permessage-deflate; server_max_window_bits=11', `${DEFAULT_RESPONSE}; server_max_window_bits=9`],
    [DEFLATE_PATHS.inherited, 'permessage-deflate', DEFAULT_RESPONSE],
  ])('answers an offer on %s of "%s" with "%s"', async (path, offer, response) => {
    expect(await negotiateOverWire(suite.app.port, path, offer)).toEqual({ status: 101, extensions: response });
  });

  it.each([
    [DEFLATE_PATHS.plain, 'a gateway with perMessageDeflate: false', 'permessage-deflate'],
    [DEFLATE_PATHS.defaults, 'an offer that insists on an 8-bit server window', 'permessage-deflate; server_max_window_bits=8'],
    [DEFLATE_PATHS.defaults, 'an invalid window size', 'permessage-deflate; server_max_window_bits=16'],
    [DEFLATE_PATHS.defaults, 'an unknown parameter', 'permessage-deflate; foo'],
    [DEFLATE_PATHS.defaults, 'a duplicated parameter', 'permessage-deflate; client_no_context_takeover; client_no_context_takeover'],
    [DEFLATE_PATHS.defaults, 'a malformed header', 'permessage-deflate; server_max_window_bits="10'],
    [DEFLATE_PATHS.defaults, '500 offers', Array.from({ length: 500 }, () => 'permessage-deflate').join(',')],
  ])('upgrades without any extension on %s for %s', async (path, _why, offer) => {
    expect(await negotiateOverWire(suite.app.port, path, offer)).toEqual({ status: 101, extensions: undefined });
  });

  it('upgrades without any extension when the client offers none', async () => {
    expect(await negotiateOverWire(suite.app.port, DEFLATE_PATHS.defaults, null)).toEqual({ status: 101, extensions: undefined });
  });
});
