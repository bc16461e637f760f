import { once } from 'node:events';
import { Opcode } from '../../../lib/protocol/opcode';
import { Connection, ReadyState } from '../../../lib/transport/connection';
import { useTransportHarness } from '../../helpers/transport-harness';

describe('Connection: errors', () => {
  const harness = useTransportHarness();

  /** Echoes text, and throws from the 'message' listener on "explode". */
  const explodingEcho = (connection: Connection): void => {
    connection.on('message', (data) => {
      if (data === 'explode') throw new Error('listener blew up');
      connection.send(data);
    });
  };

  it('reports 1006 and wasClean false when the peer resets the connection mid-stream', async () => {
    const server = await harness.start({ routes: [{ path: '/ws' }] });
    const peer = await harness.rawPeer(server.port, '/ws');
    const connection = await server.nextConnection();
    const chunk = Buffer.alloc(256 * 1024, 1);
    for (let i = 0; i < 8; i++) connection.send(chunk); // 2 MiB in flight
    await peer.nextOf('binary');

    peer.socket.resetAndDestroy();

    expect(await connection.closed).toEqual({ code: 1006, reason: '', wasClean: false });
    expect(connection.readyState).toBe(ReadyState.Closed);
  });

  it('keeps serving other connections after a peer reset', async () => {
    const server = await harness.start({ routes: [{ path: '/ws', onConnection: explodingEcho }] });
    const resetPeer = await harness.rawPeer(server.port, '/ws');
    const resetConnection = await server.nextConnection();
    const client = await harness.ws(`ws://127.0.0.1:${server.port}/ws`);

    resetPeer.socket.resetAndDestroy();
    await resetConnection.closed;
    client.send('still here');

    const [echo] = (await once(client, 'message')) as [Buffer];
    expect(echo.toString()).toBe('still here');
    expect(server.unexpectedErrors).toEqual([]);
  });

  it('does not throw when writing to a connection whose peer vanished', async () => {
    const server = await harness.start({ routes: [{ path: '/ws' }] });
    const peer = await harness.rawPeer(server.port, '/ws');
    const connection = await server.nextConnection();
    let isClosed = false;
    connection.once('close', () => (isClosed = true));

    peer.socket.resetAndDestroy();
    const writes: Array<() => unknown> = [
      () => connection.send('text'),
      () => connection.send(Buffer.alloc(100_000)),
      () => connection.ping(),
    ];
    while (!isClosed) {
      for (const write of writes) expect(write).not.toThrow();
      await new Promise((resolve) => setImmediate(resolve));
    }

    expect(connection.send('after close')).toBe(false);
    expect(() => connection.ping()).not.toThrow();
    expect(() => connection.close()).not.toThrow();
    expect(() => connection.terminate()).not.toThrow();
    expect((await connection.closed).code).toBe(1006);
  });

  it("closes with 1011 and reports the error when a 'message' listener throws; other connections keep working", async () => {
    const server = await harness.start({ routes: [{ path: '/ws', onConnection: explodingEcho }] });
    const failing = await harness.ws(`ws://127.0.0.1:${server.port}/ws`);
    const failingConnection = await server.nextConnection();
    const healthy = await harness.ws(`ws://127.0.0.1:${server.port}/ws`);

    failing.send('explode');

    const [code] = (await once(failing, 'close')) as [number, Buffer];
    expect(code).toBe(1011);
    expect((await failingConnection.closed).code).toBe(1011);
    expect(server.unexpectedErrors).toEqual([new Error('listener blew up')]);
    healthy.send('ping?');
    const [echo] = (await once(healthy, 'message')) as [Buffer];
    expect(echo.toString()).toBe('ping?');
  });

  it("closes with 1011 when a 'ping' listener throws, after answering the ping", async () => {
    const server = await harness.start({
      routes: [{ path: '/ws', onConnection: (connection) => void connection.on('ping', () => { throw new Error('ping listener'); }) }],
    });
    const peer = await harness.rawPeer(server.port, '/ws');

    peer.send(Opcode.Ping, 'x');

    expect(await peer.next()).toEqual({ kind: 'pong', payload: Buffer.from('x') });
    expect((await peer.nextOf('close')).code).toBe(1011);
    expect(server.unexpectedErrors).toEqual([new Error('ping listener')]);
  });

  it('closes with 1011 and reports the error when onConnection throws', async () => {
    const server = await harness.start({
      routes: [{ path: '/ws', onConnection: () => { throw new Error('onConnection failed'); } }],
    });
    const client = await harness.ws(`ws://127.0.0.1:${server.port}/ws`);

    const [code] = (await once(client, 'close')) as [number, Buffer];

    expect(code).toBe(1011);
    expect(server.unexpectedErrors).toEqual([new Error('onConnection failed')]);
  });

  it('closes with 1011 and reports the error when an async onConnection rejects', async () => {
    const server = await harness.start({
      routes: [{ path: '/ws', onConnection: async () => Promise.reject(new Error('session store down')) }],
    });
    const client = await harness.ws(`ws://127.0.0.1:${server.port}/ws`);

    const [code] = (await once(client, 'close')) as [number, Buffer];

    expect(code).toBe(1011);
    expect(server.unexpectedErrors).toEqual([new Error('session store down')]);
  });

  it("reports an error thrown by a 'close' listener instead of letting it escape", async () => {
    const server = await harness.start({
      routes: [{ path: '/ws', onConnection: (connection) => void connection.on('close', () => { throw new Error('close listener'); }) }],
    });
    const client = await harness.ws(`ws://127.0.0.1:${server.port}/ws`);
    const connection = await server.nextConnection();

    client.terminate();

    // `closed` resolves before the listeners run, but they run synchronously, before this await returns.
    expect((await connection.closed).code).toBe(1006);
    expect(server.unexpectedErrors).toEqual([new Error('close listener')]);
  });
});
