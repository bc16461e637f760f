// RFC 8441 on Node's HTTP/2 servers: an extended CONNECT opens the same Connection as an HTTP/1.1
// upgrade (same routes, verify, caps, negotiation), refusals are HTTP/2 statuses, and the rest of the
// port (HTTP/2 requests, HTTP/1.1 upgrades through ALPN, other CONNECTs) is left as it was.
import { once } from 'node:events';
import { constants, createSecureServer, createServer, Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { generate } from 'selfsigned';
import { constants as zlib, deflateRawSync, inflateRawSync } from 'node:zlib';
import { HandshakeRefusal } from '../../../lib/protocol/handshake-refusal';
import { Connection } from '../../../lib/transport/connection';
import { HandshakeRequest } from '../../../lib/transport/upgrade-listener';
import { answerOf, extendedConnect, h2Get, opened } from '../../helpers/h2-peer';
import { OP } from '../../helpers/raw-frames';
import { RawClient } from '../../helpers/raw-client';
import { useTransportHarness } from '../../helpers/transport-harness';

const echo = { onConnection: (connection: Connection): void => void connection.on('message', (data) => connection.send(data)) };

describe('RFC 8441 extended CONNECT on an HTTP/2 server', () => {
  const harness = useTransportHarness();

  describe('opening', () => {
    it('announces SETTINGS_ENABLE_CONNECT_PROTOCOL and answers 200 with the chosen subprotocol, then frames flow on the stream', async () => {
      const requests: HandshakeRequest[] = [];
      const server = await harness.start({ server: createServer(), routes: [{ path: '/ws', subprotocols: ['chat'], onConnection: (connection, request) => {
        requests.push(request);
        echo.onConnection(connection);
      } }] });
      const { session, settings } = await harness.h2(server.port);
      expect(settings.enableConnectProtocol).toBe(true);

      const stream = extendedConnect(session, '/ws?room=1', { 'sec-websocket-protocol': 'x, chat' });
      const headers = await opened(stream);
      const client = RawClient.onStream(stream);
      await client.sendFrame({ opcode: OP.text, payload: Buffer.from('over h2') });

      await client.expectMessage(OP.text, 'over h2');
      expect(headers['sec-websocket-protocol']).toBe('chat');
      expect(headers['sec-websocket-accept']).toBeUndefined(); // §5: no key, no accept
      const connection = await server.nextConnection();
      expect(connection.protocol).toBe('chat');
      expect(requests[0]).toBeInstanceOf(Http2ServerRequest);
      expect({ url: requests[0].url, method: requests[0].method, version: requests[0].httpVersion }).toEqual({ url: '/ws?room=1', method: 'CONNECT', version: '2.0' });
    });

    it('serves HTTP/2 requests, HTTP/1.1 upgrades (ALPN) and extended CONNECTs on one TLS port', async () => {
      const pems = await generate([{ name: 'commonName', value: 'localhost' }], { keySize: 2048, algorithm: 'sha256' });
      const app = (_request: Http2ServerRequest, response: Http2ServerResponse): void => void response.end('plain');
      const server = await harness.start({ server: createSecureServer({ key: pems.private, cert: pems.cert, allowHTTP1: true }, app), routes: [{ path: '/ws', ...echo }] });
      const { session } = await harness.h2(server.port, 'https');

      const h1 = await harness.ws(`wss://127.0.0.1:${server.port}/ws`, undefined, { rejectUnauthorized: false });
      const stream = extendedConnect(session, '/ws');
      await opened(stream);
      const h2Client = RawClient.onStream(stream);
      h1.send('by upgrade');
      await h2Client.sendFrame({ opcode: OP.text, payload: Buffer.from('by connect') });

      expect(String((await once(h1, 'message'))[0])).toBe('by upgrade');
      await h2Client.expectMessage(OP.text, 'by connect');
      expect((await h2Get(session, '/page')).body).toBe('plain');
      expect(server.listener.connections.size).toBe(2);
    }, 15_000);

    it('negotiates permessage-deflate as over HTTP/1.1 (RFC 7692) and inflates and deflates on the stream', async () => {
      const server = await harness.start({ server: createServer(), routes: [{ path: '/ws', perMessageDeflate: { thresholdBytes: 0 }, ...echo }] });
      const { session } = await harness.h2(server.port);
      const stream = extendedConnect(session, '/ws', { 'sec-websocket-extensions': 'permessage-deflate; client_max_window_bits' });
      const headers = await opened(stream);
      const client = RawClient.onStream(stream);
      const text = 'compressible '.repeat(200);
      // RFC 7692 §7.2.1: the message's DEFLATE block without its 00 00 ff ff tail, RSV1 set.
      const compressed = deflateRawSync(Buffer.from(text), { finishFlush: zlib.Z_SYNC_FLUSH });

      await client.sendFrame({ opcode: OP.text, payload: compressed.subarray(0, compressed.length - 4), rsv: 4 });
      const reply = await client.nextFrame();

      expect(headers['sec-websocket-extensions']).toMatch(/^permessage-deflate/);
      expect(reply.rsv).toBe(4);
      expect(inflateRawSync(Buffer.concat([reply.payload, Buffer.from([0, 0, 0xff, 0xff])]), { finishFlush: zlib.Z_SYNC_FLUSH }).toString()).toBe(text);
    });
  });

  describe('refusals: an HTTP/2 status, then END_STREAM', () => {
    it('404 for a path we do not serve when nothing else takes CONNECT', async () => {
      const server = await harness.start({ server: createServer(), routes: [{ path: '/ws', ...echo }] });
      const { session } = await harness.h2(server.port);

      const answer = await answerOf(extendedConnect(session, '/elsewhere'));

      expect({ status: answer.status, body: answer.body, rstCode: answer.rstCode }).toEqual({ status: 404, body: 'no WebSocket endpoint on this path\n', rstCode: constants.NGHTTP2_NO_ERROR });
    });

    it('leaves a CONNECT for another path or :protocol to the server\'s \'connect\' listener, and plain requests to its handler', async () => {
      const app = (_request: Http2ServerRequest, response: Http2ServerResponse): void => void response.end('app');
      const raw = createServer(app);
      const connects: string[] = [];
      raw.on('connect', (request: Http2ServerRequest, response: Http2ServerResponse) => {
        connects.push(request.url);
        response.writeHead(200).end();
      });
      const server = await harness.start({ server: raw, routes: [{ path: '/ws', ...echo }] });
      const { session } = await harness.h2(server.port);

      const elsewhere = await answerOf(extendedConnect(session, '/theirs'));

      const otherProtocol = await answerOf(extendedConnect(session, '/ws', { ':protocol': 'connect-udp' }));

      expect(elsewhere.status).toBe(200);
      expect(otherProtocol.status).toBe(200);
      expect(connects).toEqual(['/theirs', '/ws']);
      expect((await h2Get(session, '/ws')).body).toBe('app');
      expect(server.listener.connections.size).toBe(0);
    });

    it.each([
      ['a version other than 13', { 'sec-websocket-version': '8' }, 426, 'Sec-WebSocket-Version must be 13\n'],
      ['a malformed subprotocol list', { 'sec-websocket-protocol': 'a b' }, 400, 'Sec-WebSocket-Protocol is not a list of tokens\n'],
    ])('%s with %s', async (_case, fields, status, body) => {
      const server = await harness.start({ server: createServer(), routes: [{ path: '/ws', ...echo }] });
      const { session } = await harness.h2(server.port);

      const answer = await answerOf(extendedConnect(session, '/ws', fields));

      expect({ status: answer.status, body: answer.body }).toEqual({ status, body });
      if (status === 426) expect(answer.headers['sec-websocket-version']).toBe('13');
    });

    it.each([['synchronous'], ['asynchronous']])('the route\'s %s verify refusal (origin, guards) with its status', async (kind) => {
      const refusal = new HandshakeRefusal(403, 'origin not allowed');
      const server = await harness.start({ server: createServer(), routes: [{ path: '/ws', verify: kind === 'synchronous' ? () => refusal : async () => refusal, ...echo }] });
      const { session } = await harness.h2(server.port);

      const answer = await answerOf(extendedConnect(session, '/ws', { origin: 'https://evil.example' }));

      expect({ status: answer.status, body: answer.body }).toEqual({ status: 403, body: 'origin not allowed\n' });
      expect(server.listener.connections.size).toBe(0);
    });

    it('503 past maxConnections, counting HTTP/2 streams and HTTP/1.1 sockets alike; a closed stream frees its place', async () => {
      const server = await harness.start({ server: createServer(), routes: [{ path: '/ws', ...echo }], listener: { maxConnections: 1 } });
      const { session } = await harness.h2(server.port);
      const first = extendedConnect(session, '/ws');
      await opened(first);

      const refused = await answerOf(extendedConnect(session, '/ws'));
      first.close(constants.NGHTTP2_CANCEL);
      await (await server.nextConnection()).closed;

      expect({ status: refused.status, body: refused.body }).toEqual({ status: 503, body: 'connection limit reached\n' });
      await opened(extendedConnect(session, '/ws'));
    });

    it('drops a stream reset while verify runs: no connection, no error', async () => {
      let markVerifying!: () => void;
      const verifying = new Promise<void>((resolve) => (markVerifying = resolve));
      let release!: () => void;
      const app = (_request: Http2ServerRequest, response: Http2ServerResponse): void => void response.end('app');
      const server = await harness.start({ server: createServer(app), routes: [{ path: '/ws', verify: () => new Promise<undefined>((resolve) => {
        markVerifying();
        release = () => resolve(undefined);
      }), ...echo }] });
      const { session } = await harness.h2(server.port);
      const stream = extendedConnect(session, '/ws');
      await verifying;

      stream.close(constants.NGHTTP2_CANCEL);
      await once(stream, 'close');
      release();
      await h2Get(session, '/any'); // a round trip: the verdict, settled before it, has been handled

      expect(server.listener.connections.size).toBe(0);
      expect(server.unexpectedErrors).toEqual([]);
    });
  });
});
