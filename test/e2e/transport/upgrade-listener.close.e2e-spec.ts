import { once } from 'node:events';
import { createServer, IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { ReadyState } from '../../../lib/transport/connection';
import { UpgradeListener } from '../../../lib/transport/upgrade-listener';
import { route, useTransportHarness } from '../../helpers/transport-harness';
import { upgradeRequest } from '../../helpers/transport-peer';

describe('UpgradeListener: close() and listen()', () => {
  const harness = useTransportHarness();

  describe('close()', () => {
    it('sends 1001 to every connection, waits for the close handshakes, then detaches from the server', async () => {
      const server = await harness.start({ routes: [{ path: '/a' }, { path: '/b' }] });
      const clients = [await harness.ws(`ws://127.0.0.1:${server.port}/a`), await harness.ws(`ws://127.0.0.1:${server.port}/b`)];
      const connections = [await server.nextConnection(), await server.nextConnection()];
      const clientCloses = clients.map((client) => once(client, 'close'));
      expect(server.server.listenerCount('upgrade')).toBe(1);

      await server.listener.close();

      for (const connection of connections) {
        expect(connection.readyState).toBe(ReadyState.Closed);
        expect(await connection.closed).toEqual({ code: 1001, reason: 'server shutting down', wasClean: true });
      }
      for (const [code, reason] of (await Promise.all(clientCloses)) as Array<[number, Buffer]>) {
        expect(code).toBe(1001);
        expect(reason.toString()).toBe('server shutting down');
      }
      expect(server.listener.connections.size).toBe(0);
      expect(server.server.listenerCount('upgrade')).toBe(0);
    });

    it('closes with the code and reason it is given', async () => {
      const server = await harness.start({ routes: [{ path: '/ws' }] });
      const client = await harness.ws(`ws://127.0.0.1:${server.port}/ws`);
      const clientClosed = once(client, 'close');

      await server.listener.close(1012, 'restarting');

      const [code, reason] = (await clientClosed) as [number, Buffer];
      expect(code).toBe(1012);
      expect(reason.toString()).toBe('restarting');
    });

    it('waits no longer than closeTimeoutMs for a peer that never answers', async () => {
      const server = await harness.start({ routes: [{ path: '/ws', connection: { closeTimeoutMs: 200 } }] });
      const peer = await harness.rawPeer(server.port, '/ws');
      const connection = await server.nextConnection();
      const startedAt = Date.now();

      await server.listener.close();

      expect(Date.now() - startedAt).toBeGreaterThanOrEqual(190);
      await peer.ended;
      expect(await connection.closed).toEqual({ code: 1001, reason: '', wasClean: false });
      expect(peer.eventsOf('close')).toEqual([{ kind: 'close', code: 1001, reason: 'server shutting down' }]);
    });

    it('answers 503 to an upgrade that arrives while it waits for close handshakes', async () => {
      const server = await harness.start({ routes: [{ path: '/ws', connection: { closeTimeoutMs: 300 } }] });
      const peer = await harness.rawPeer(server.port, '/ws');
      // The peer never answers the close frame, so close() waits closeTimeoutMs.
      const closing = server.listener.close();
      await peer.nextOf('close');

      const answer = await harness.http(server.port, upgradeRequest('/ws'));
      await closing;

      expect(answer.head?.status).toBe(503);
      expect(answer.body).toBe('server is shutting down\n');
    });

    it('no longer handles upgrades on that server once it has closed', async () => {
      const server = createServer((_request, response) => {
        response.writeHead(400, { Connection: 'close' });
        response.end('plain HTTP handler');
      });
      const started = await harness.start({ routes: [{ path: '/ws' }], server });
      await harness.ws(`ws://127.0.0.1:${started.port}/ws`);
      await started.listener.close();

      const client = harness.wsUnopened(`ws://127.0.0.1:${started.port}/ws`);
      const [, response] = (await once(client, 'unexpected-response')) as [unknown, IncomingMessage];
      response.resume();

      expect(response.statusCode).toBe(400); // the server's own request handler answered
      expect(started.listener.connections.size).toBe(0);
    });

    it('refuses an upgrade whose verify hook settles after close() began', async () => {
      let releaseVerify!: () => void;
      let markVerifying!: () => void;
      const verifying = new Promise<void>((resolve) => (markVerifying = resolve));
      const server = await harness.start({
        routes: [{ path: '/ws', verify: () => new Promise<undefined>((resolve) => { markVerifying(); releaseVerify = () => resolve(undefined); }) }],
      });
      const answer = harness.http(server.port, upgradeRequest('/ws'));
      await verifying;

      await server.listener.close();
      releaseVerify();
      await new Promise((resolve) => setImmediate(resolve));
      for (const socket of harness.sockets) socket.end();

      expect((await answer).head?.status).toBe(503);
      expect(server.listener.connections.size).toBe(0);
    });
  });

  describe('listen()', () => {
    const listenOnOwnPort = async () => {
      const listener = harness.track(new UpgradeListener({ handshakeTimeoutMs: 2_000, onUnexpectedError: () => undefined }));
      listener.addRoute(route({ path: '/ws' }, (connection) => connection.on('message', (data) => connection.send(data))));
      const address = await listener.listen(0, '127.0.0.1');
      return { listener, port: address.port };
    };

    it('answers a plain HTTP GET on its own port with 426', async () => {
      const { port } = await listenOnOwnPort();

      const answer = await harness.http(port, 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');

      expect(answer.head?.status).toBe(426);
      expect(answer.head?.headers).toMatchObject({ upgrade: 'websocket', connection: 'close' });
      expect(answer.body).toContain('This port speaks WebSocket only.');
    });

    it('accepts upgrades on its own port', async () => {
      const { port } = await listenOnOwnPort();
      const client = await harness.ws(`ws://127.0.0.1:${port}/ws`);

      client.send('echo me');

      const [data] = (await once(client, 'message')) as [Buffer];
      expect(data.toString()).toBe('echo me');
    });

    it('stops listening on its own port when closed', async () => {
      const { listener, port } = await listenOnOwnPort();
      await harness.ws(`ws://127.0.0.1:${port}/ws`);

      await listener.close();

      const socket = connect(port, '127.0.0.1');
      harness.sockets.add(socket);
      const [error] = (await once(socket, 'error')) as [NodeJS.ErrnoException];
      expect(error.code).toBe('ECONNREFUSED');
    });

    it('rejects when the port is already in use', async () => {
      const { port } = await listenOnOwnPort();
      const second = harness.track(new UpgradeListener({ handshakeTimeoutMs: 2_000, onUnexpectedError: () => undefined }));

      await expect(second.listen(port, '127.0.0.1')).rejects.toMatchObject({ code: 'EADDRINUSE' });
    });
  });
});
