import { once } from 'node:events';
import { IncomingMessage } from 'node:http';
import { Duplex } from 'node:stream';
import { HandshakeRefusal } from '../../../lib/protocol/handshake-refusal';
import { WebSocketOffer } from '../../../lib/protocol/handshake';
import { HandshakeRequest } from '../../../lib/transport/upgrade-listener';
import { route, useTransportHarness } from '../../helpers/transport-harness';
import { upgradeRequest } from '../../helpers/transport-peer';

describe('UpgradeListener: routing and refusals', () => {
  const harness = useTransportHarness();

  describe('routing', () => {
    const startTwoRoutes = async () => {
      const served: Array<{ path: string; url: string | undefined }> = [];
      const server = await harness.start({
        routes: ['/alpha', 'beta/'].map((path) => ({ path, onConnection: (_connection, request) => void served.push({ path, url: request.url }) })),
      });
      return { server, served };
    };

    it('hands a connection to the route bound on the request path', async () => {
      const { server, served } = await startTwoRoutes();

      await harness.ws(`ws://127.0.0.1:${server.port}/beta`);
      await harness.ws(`ws://127.0.0.1:${server.port}/alpha`);

      expect(served).toEqual([
        { path: 'beta/', url: '/beta' },
        { path: '/alpha', url: '/alpha' },
      ]);
      expect(server.listener.paths).toEqual(['/alpha', '/beta']);
    });

    it('ignores the query string and a trailing slash, and passes the request URL unchanged', async () => {
      const { server, served } = await startTwoRoutes();

      await harness.ws(`ws://127.0.0.1:${server.port}/alpha/?token=abc`);

      expect(served).toEqual([{ path: '/alpha', url: '/alpha/?token=abc' }]);
    });

    it('routes an absolute-form request target by its path (RFC 6455 §4.2.1, RFC 9112 §3.2.2), for each scheme', async () => {
      const { server, served } = await startTwoRoutes();
      const targets = ['ws', 'wss', 'http', 'https'].map((scheme) => `${scheme}://127.0.0.1:${server.port}/alpha?token=abc`);

      for (const target of targets) {
        const peer = await harness.rawPeer(server.port, target);
        expect(peer.head.status).toBe(101);
      }

      expect(served).toEqual(targets.map((url) => ({ path: '/alpha', url })));
    });

    it('answers 400 to a broken handshake in absolute form on a routed path, not the application', async () => {
      const { server } = await startTwoRoutes();
      const plainGet = upgradeRequest(`ws://127.0.0.1:${server.port}/alpha`).replace('Connection: Upgrade', 'Connection: keep-alive');

      const answer = await harness.http(server.port, plainGet);

      expect(answer.head?.status).toBe(400);
      expect(answer.body).toBe('Connection header must include "Upgrade"\n');
    });

    it('answers 404 for a path with no route when it is the only upgrade listener', async () => {
      const { server, served } = await startTwoRoutes();

      const answer = await harness.http(server.port, upgradeRequest('/gamma'));

      expect(answer.head?.status).toBe(404);
      expect(answer.head?.headers.connection).toBe('close');
      expect(answer.body).toBe('no WebSocket endpoint on this path\n');
      expect(served).toEqual([]);
    });

    it('leaves a path it does not know to another upgrade listener on the same server', async () => {
      const { server, served } = await startTwoRoutes();
      const otherResponse = 'HTTP/1.1 418 I\'m a teapot\r\nConnection: close\r\nContent-Length: 0\r\n\r\n';
      server.server.on('upgrade', (request: IncomingMessage, socket: Duplex) => {
        if (request.url === '/other') socket.end(otherResponse);
      });

      const answer = await harness.http(server.port, upgradeRequest('/other'));
      await harness.ws(`ws://127.0.0.1:${server.port}/alpha`); // its own paths still work

      expect(answer.raw.toString()).toBe(otherResponse);
      expect(served).toEqual([{ path: '/alpha', url: '/alpha' }]);
    });

    it('handles each upgrade once when attached to the same server twice', async () => {
      const { server, served } = await startTwoRoutes();

      server.listener.attach(server.server);
      await harness.ws(`ws://127.0.0.1:${server.port}/alpha`);

      expect(server.server.listenerCount('upgrade')).toBe(1);
      expect(served).toHaveLength(1);
      expect(server.listener.connections.size).toBe(1);
    });

    it('throws when a second route is bound to a path already in use', async () => {
      const { server } = await startTwoRoutes();

      expect(() => server.listener.addRoute(route({ path: '/alpha/' }))).toThrow('a WebSocket route is already bound to "/alpha"');
      expect(() => server.listener.addRoute(route({ path: '/beta' }))).toThrow('a WebSocket route is already bound to "/beta"');
    });
  });

  describe('handshake validation', () => {
    it('answers 400 to a request on a routed path that is not a valid handshake', async () => {
      const server = await harness.start({ routes: [{ path: '/ws' }] });
      const withoutKey = upgradeRequest('/ws').replace(/Sec-WebSocket-Key: .*\r\n/, '');

      const answer = await harness.http(server.port, withoutKey);

      expect(answer.head?.status).toBe(400);
      expect(answer.body).toBe('Sec-WebSocket-Key header is missing\n');
      expect(server.listener.connections.size).toBe(0);
    });

    it('answers 426 with Sec-WebSocket-Version: 13 to another protocol version', async () => {
      const server = await harness.start({ routes: [{ path: '/ws' }] });

      const answer = await harness.http(server.port, upgradeRequest('/ws').replace('Sec-WebSocket-Version: 13', 'Sec-WebSocket-Version: 8'));

      expect(answer.head?.status).toBe(426);
      expect(answer.head?.headers['sec-websocket-version']).toBe('13');
    });
  });

  describe('subprotocols', () => {
    const startChat = () => harness.start({ routes: [{ path: '/chat', subprotocols: ['chat', 'superchat'] }] });

    it('selects the first protocol the client offers that the route supports', async () => {
      const server = await startChat();

      const client = await harness.ws(`ws://127.0.0.1:${server.port}/chat`, ['v2.other', 'superchat', 'chat']);
      const connection = await server.nextConnection();

      expect(client.protocol).toBe('superchat');
      expect(connection.protocol).toBe('superchat');
    });

    it('selects no protocol when none of the offered ones is supported', async () => {
      const server = await startChat();

      const peer = await harness.rawPeer(server.port, '/chat', { protocols: ['mqtt', 'stomp'] });
      const connection = await server.nextConnection();

      expect(peer.head.status).toBe(101);
      expect(peer.head.headers).not.toHaveProperty('sec-websocket-protocol');
      expect(connection.protocol).toBeUndefined();
    });

    it('selects no protocol when the client offers none', async () => {
      const server = await startChat();

      const peer = await harness.rawPeer(server.port, '/chat');

      expect(peer.head.headers).not.toHaveProperty('sec-websocket-protocol');
      expect((await server.nextConnection()).protocol).toBeUndefined();
    });
  });

  describe('maxConnections', () => {
    it('answers 503 once maxConnections connections are open, and accepts again after one closes', async () => {
      const server = await harness.start({ routes: [{ path: '/ws' }], listener: { maxConnections: 1 } });
      const first = await harness.ws(`ws://127.0.0.1:${server.port}/ws`);
      const firstConnection = await server.nextConnection();

      const refused = harness.wsUnopened(`ws://127.0.0.1:${server.port}/ws`);
      const [, response] = (await once(refused, 'unexpected-response')) as [unknown, IncomingMessage];
      expect(response.statusCode).toBe(503);
      response.resume();

      first.close();
      await firstConnection.closed;
      expect(server.listener.connections.size).toBe(0);
      await harness.ws(`ws://127.0.0.1:${server.port}/ws`);
      expect(server.listener.connections.size).toBe(1);
    });

    it('counts connections across all routes', async () => {
      const server = await harness.start({ routes: [{ path: '/a' }, { path: '/b' }], listener: { maxConnections: 1 } });
      await harness.ws(`ws://127.0.0.1:${server.port}/a`);

      const answer = await harness.http(server.port, upgradeRequest('/b'));

      expect(answer.head?.status).toBe(503);
      expect(answer.body).toBe('connection limit reached\n');
    });

    it('refuses with 503 an upgrade that passed the limit check while another upgrade was still being verified', async () => {
      let releaseVerify!: () => void;
      const verifyGate = new Promise<undefined>((resolve) => (releaseVerify = () => resolve(undefined)));
      let verifyCount = 0;
      let markBothVerifying!: () => void;
      const bothVerifying = new Promise<void>((resolve) => (markBothVerifying = resolve));
      const verify = (): Promise<undefined> => {
        if (++verifyCount === 2) markBothVerifying();
        return verifyGate;
      };
      const server = await harness.start({ routes: [{ path: '/ws', verify }], listener: { maxConnections: 1 } });

      const answers = [harness.http(server.port, upgradeRequest('/ws')), harness.http(server.port, upgradeRequest('/ws'))];
      await bothVerifying;
      releaseVerify();
      await server.nextConnection();
      for (const socket of harness.sockets) socket.end(); // the accepted client leaves so that its answer completes
      const statuses = (await Promise.all(answers)).map((answer) => answer.head?.status).sort();

      expect(statuses).toEqual([101, 503]);
    });
  });

  describe('verify hook', () => {
    it('writes a refusal as a complete HTTP response with Connection: close and Content-Length, then ends the socket', async () => {
      const server = await harness.start({
        routes: [{ path: '/ws', verify: (_request, upgrade) => (upgrade.origin === 'https://evil.example' ? new HandshakeRefusal(403, 'origin not allowed') : undefined) }],
      });

      const answer = await harness.http(server.port, upgradeRequest('/ws', { headers: { Origin: 'https://evil.example' } }));

      expect(answer.head?.statusLine).toBe('HTTP/1.1 403 Forbidden');
      expect(answer.head?.headers).toMatchObject({ connection: 'close', 'content-length': String(Buffer.byteLength(answer.body)) });
      expect(answer.body).toBe('origin not allowed\n');
      expect(answer.didServerEnd).toBe(true);
      expect(server.listener.connections.size).toBe(0);
    });

    it('gives verify the request and the parsed upgrade, and accepts when it returns nothing', async () => {
      const seen: Array<{ url: string | undefined; upgrade: WebSocketOffer }> = [];
      const server = await harness.start({
        routes: [{ path: '/ws', subprotocols: ['chat'], verify: async (request, upgrade) => void seen.push({ url: request.url, upgrade }) }],
      });

      await harness.rawPeer(server.port, '/ws?room=1', { protocols: ['chat', 'x'], headers: { Origin: 'https://app.example' } });

      expect(seen).toEqual([{ url: '/ws?room=1', upgrade: expect.objectContaining({ origin: 'https://app.example', offeredProtocols: ['chat', 'x'] }) }]);
      expect((await server.nextConnection()).protocol).toBe('chat');
    });

    it('destroys the socket without an answer when verify does not settle within handshakeTimeoutMs', async () => {
      const server = await harness.start({
        routes: [{ path: '/ws', verify: () => new Promise<undefined>(() => undefined) }],
        listener: { handshakeTimeoutMs: 200 },
      });
      const startedAt = Date.now();

      const answer = await harness.http(server.port, upgradeRequest('/ws'));

      expect(Date.now() - startedAt).toBeGreaterThanOrEqual(190);
      expect(answer.raw.length).toBe(0);
      expect(server.listener.connections.size).toBe(0);
    });

    it('answers 500 without internals and reports the error when verify throws', async () => {
      const server = await harness.start({
        routes: [{ path: '/ws', verify: () => { throw new Error('database password is hunter2'); } }],
      });

      const answer = await harness.http(server.port, upgradeRequest('/ws'));

      expect(answer.head?.status).toBe(500);
      expect(answer.body).toBe('internal error\n');
      expect(server.unexpectedErrors).toEqual([new Error('database password is hunter2')]);
    });

    it('answers 500 and reports the error when an async verify rejects', async () => {
      const server = await harness.start({
        routes: [{ path: '/ws', verify: async () => Promise.reject(new Error('auth service down')) }],
      });

      const answer = await harness.http(server.port, upgradeRequest('/ws'));

      expect(answer.head?.status).toBe(500);
      expect(server.unexpectedErrors).toEqual([new Error('auth service down')]);
    });

    it('accepts nothing when the client leaves while verify is still running', async () => {
      let releaseVerify!: () => void;
      let markVerifying!: (request: HandshakeRequest) => void;
      const verifying = new Promise<HandshakeRequest>((resolve) => (markVerifying = resolve));
      const server = await harness.start({
        routes: [{ path: '/ws', verify: (request) => new Promise<undefined>((resolve) => { markVerifying(request); releaseVerify = () => resolve(undefined); }) }],
      });
      const answer = harness.http(server.port, upgradeRequest('/ws'));
      const request = await verifying;
      const serverSawLeave = once(request.socket, 'end');

      for (const socket of harness.sockets) socket.destroy();
      await answer;
      await serverSawLeave;
      releaseVerify();
      await new Promise((resolve) => setImmediate(resolve));

      expect(server.listener.connections.size).toBe(0);
    });
  });
});
