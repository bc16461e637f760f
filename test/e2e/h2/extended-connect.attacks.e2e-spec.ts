// RFC 8441 attacks: the peer leaves a stream in every way while the handshake is still ours
// (an asynchronous verify runs), whatever the verdict is; the process survives, nothing is reported
// as unexpected, no connection opens, and the server's stream is released.
import { once } from 'node:events';
import { connect, constants, createServer, Http2ServerRequest, Http2ServerResponse, ServerHttp2Stream } from 'node:http2';
import { HandshakeRefusal } from '../../../lib/protocol/handshake-refusal';
import { Connection } from '../../../lib/transport/connection';
import { extendedConnect, h2Get, opened } from '../../helpers/h2-peer';
import { useTransportHarness } from '../../helpers/transport-harness';

const echo = { onConnection: (connection: Connection): void => void connection.on('message', (data) => connection.send(data)) };
const app = (_request: Http2ServerRequest, response: Http2ServerResponse): void => void response.end('app');

describe('RFC 8441: the peer leaves while an asynchronous verify runs', () => {
  const harness = useTransportHarness();
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown): void => void rejections.push(reason);
  beforeEach(() => {
    rejections.length = 0;
    process.on('unhandledRejection', onRejection);
  });
  afterEach(() => void process.off('unhandledRejection', onRejection));

  const leaving = [
    ['RST_STREAM NO_ERROR', constants.NGHTTP2_NO_ERROR],
    ['RST_STREAM CANCEL', constants.NGHTTP2_CANCEL],
    ['RST_STREAM PROTOCOL_ERROR', constants.NGHTTP2_PROTOCOL_ERROR],
    ['END_STREAM', undefined],
  ] as const;
  const verdicts = [
    ['accepts', undefined],
    ['refuses (403)', new HandshakeRefusal(403, 'no')],
  ] as const;

  describe.each(leaving)('peer sends %s', (_leave, code) => {
    it.each(verdicts)('then verify %s', async (_verdict, refusal) => {
      let serverStream!: ServerHttp2Stream;
      let markVerifying!: () => void;
      const verifying = new Promise<void>((resolve) => (markVerifying = resolve));
      let release!: () => void;
      const verify = (request: Http2ServerRequest | unknown): Promise<HandshakeRefusal | undefined> => new Promise((resolve) => {
        serverStream = (request as Http2ServerRequest).stream;
        markVerifying();
        release = () => resolve(refusal);
      });
      const server = await harness.start({ server: createServer(app), routes: [{ path: '/ws', verify, ...echo }] });
      const { session } = await harness.h2(server.port);
      const stream = extendedConnect(session, '/ws');
      await verifying;

      if (code === undefined) stream.end();
      else stream.close(code);
      await h2Get(session, '/any'); // a round trip: the server has read the reset or END_STREAM
      release();
      await h2Get(session, '/any'); // and the verdict, settled before this, has been handled
      const serverClosed = serverStream.destroyed || once(serverStream, 'close');
      if (code !== undefined) await serverClosed; // a reset stream is released; a half-closed one may still be answered

      expect(rejections).toEqual([]);
      expect(server.unexpectedErrors).toEqual([]);
      expect(server.listener.connections.size).toBe(0); // a half-closed stream is a peer that left, as a FIN over HTTP/1.1
    });
  });
});

describe('RFC 8441: a refused stream whose peer never takes the answer', () => {
  const harness = useTransportHarness();

  it.each([
    ['404 (another path)', '/elsewhere', {}],
    ['426 (version 8)', '/ws', { 'sec-websocket-version': '8' }],
    ['403 (verify)', '/ws', { origin: 'https://evil.example' }],
  ])('%s: the stream is released after the linger, as a refused HTTP/1.1 socket is', async (_case, path, fields) => {
    const serverStreams: ServerHttp2Stream[] = [];
    const raw = createServer(app);
    raw.on('session', (serverSession) => serverSession.on('stream', (stream: ServerHttp2Stream) => serverStreams.push(stream)));
    const verify = (_request: unknown, offer: { origin?: string }): HandshakeRefusal | undefined => (offer.origin === undefined ? undefined : new HandshakeRefusal(403, 'no'));
    const server = await harness.start({ server: raw, routes: [{ path: '/ws', verify, ...echo }] });
    // A window of 0: the refusal's HEADERS arrive, its body (DATA) never can.
    const session = connect(`http://127.0.0.1:${server.port}`, { settings: { initialWindowSize: 0 } });
    session.on('error', () => undefined);
    try {
      await once(session, 'remoteSettings');
      const stream = extendedConnect(session, path, fields);
      const [headers] = (await once(stream, 'response')) as [Record<string, string>];
      expect(Number(headers[':status'])).toBeGreaterThanOrEqual(400);

      await once(serverStreams[0], 'close');

      expect(server.unexpectedErrors).toEqual([]);
    } finally {
      session.destroy();
    }
  });
});

describe('RFC 8441: the peer leaves while an asynchronous onConnection runs (the stream is paused)', () => {
  const harness = useTransportHarness();

  describe.each([
    ['RST_STREAM NO_ERROR', constants.NGHTTP2_NO_ERROR],
    ['RST_STREAM CANCEL', constants.NGHTTP2_CANCEL],
    ['END_STREAM', undefined],
  ] as const)('peer sends %s', (_leave, code) => {
    it.each([['off'], ['on']])('with permessage-deflate %s, mid-frame: the connection closes 1006 once it starts', async (deflate) => {
      let release!: () => void;
      const closes: number[] = [];
      const server = await harness.start({ server: createServer(app), routes: [{
        path: '/ws',
        ...(deflate === 'on' ? { perMessageDeflate: { thresholdBytes: 0 } } : {}),
        onConnection: (connection: Connection) => {
          connection.on('close', (event) => closes.push(event.code));
          return new Promise<void>((resolve) => (release = resolve));
        },
      }] });
      const { session } = await harness.h2(server.port);
      const stream = extendedConnect(session, '/ws', deflate === 'on' ? { 'sec-websocket-extensions': 'permessage-deflate' } : {});
      await opened(stream);
      const connection = await server.nextConnection();
      stream.write(Buffer.from([0x81, 0x80 | 100, 1, 2, 3, 4, ...Buffer.alloc(10)])); // half a masked text frame
      await h2Get(session, '/any');

      if (code === undefined) stream.end();
      else stream.close(code);
      await h2Get(session, '/any');
      release();
      await connection.closed;

      expect(closes).toEqual([1006]);
      expect(server.listener.connections.size).toBe(0);
      expect(server.unexpectedErrors).toEqual([]);
    });
  });
});
