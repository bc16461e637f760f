import { once } from 'node:events';
import WebSocket from 'ws';
import { Opcode } from '../../../lib/protocol/opcode';
import { Connection, ReadyState } from '../../../lib/transport/connection';
import { collectMessages, nextEvents, useTransportHarness } from '../../helpers/transport-harness';
import { RawPeer } from '../../helpers/transport-peer';

describe('Connection: states and messages', () => {
  const harness = useTransportHarness();

  const startServer = (onConnection?: (connection: Connection) => void) => harness.start({ routes: [{ path: '/ws', onConnection }] });

  it('is OPEN as soon as the 101 is written, so onConnection can already send', async () => {
    const statesInOnConnection: ReadyState[] = [];
    const sendResultsInOnConnection: boolean[] = [];
    const server = await startServer((connection) => {
      statesInOnConnection.push(connection.readyState);
      sendResultsInOnConnection.push(connection.send('welcome'));
    });

    const client = new WebSocket(`ws://127.0.0.1:${server.port}/ws`);
    const welcomed = once(client, 'message'); // listening before the 101 arrives: the push may share its packet
    const [welcome] = await welcomed;
    const connection = await server.nextConnection();
    client.terminate();

    expect(statesInOnConnection).toEqual([ReadyState.Open]);
    expect(sendResultsInOnConnection).toEqual([true]);
    expect(welcome.toString()).toBe('welcome');
    expect(connection.readyState).toBe(ReadyState.Open);
    expect(ReadyState).toMatchObject({ Connecting: 0, Open: 1, Closing: 2, Closed: 3 });
  });

  it('is CLOSING after close() and CLOSED once the socket has closed', async () => {
    const server = await startServer();
    const peer = await harness.rawPeer(server.port, '/ws');
    const connection = await server.nextConnection();

    connection.close(1000, 'done');
    expect(connection.readyState).toBe(ReadyState.Closing);

    expect(await peer.nextOf('close')).toEqual({ kind: 'close', code: 1000, reason: 'done' });
    peer.sendClose(1000, 'done');
    await peer.ended;
    peer.socket.end();
    await connection.closed;
    expect(connection.readyState).toBe(ReadyState.Closed);
  });

  it("emits 'message' with a string for a text message and a Buffer for a binary message", async () => {
    const server = await startServer();
    const client = await harness.ws(`ws://127.0.0.1:${server.port}/ws`);
    const connection = await server.nextConnection();
    const received = nextEvents<string | Buffer>(connection, 'message', 2);

    client.send('héllo ✓');
    client.send(Buffer.from([0, 1, 2, 255]));

    const [text, binary] = await received;
    expect(text).toBe('héllo ✓');
    expect(Buffer.isBuffer(binary)).toBe(true);
    expect(binary).toEqual(Buffer.from([0, 1, 2, 255]));
  });

  it('delivers a string as a text message and a Buffer as a binary message, small and large', async () => {
    const server = await startServer();
    const client = await harness.ws(`ws://127.0.0.1:${server.port}/ws`);
    const connection = await server.nextConnection();
    const received = nextEvents<[WebSocket.RawData, boolean]>(client, 'message', 4);
    const collected: Array<{ data: Buffer; isBinary: boolean }> = [];
    client.on('message', (data, isBinary) => collected.push({ data: data as Buffer, isBinary }));
    const largeBinary = Buffer.alloc(200_000);
    for (let i = 0; i < largeBinary.length; i++) largeBinary[i] = i % 251;
    const largeText = 'ü'.repeat(40_000);

    connection.send('hi');
    connection.send(Buffer.from('bytes'));
    connection.send(largeBinary);
    connection.send(largeText);
    await received;

    expect(collected.map(({ isBinary }) => isBinary)).toEqual([false, true, true, false]);
    expect(collected[0].data.toString()).toBe('hi');
    expect(collected[1].data).toEqual(Buffer.from('bytes'));
    expect(collected[2].data.equals(largeBinary)).toBe(true);
    expect(collected[3].data.toString()).toBe(largeText);
  });

  it("sends a ping the peer receives, and emits 'pong' when the peer answers", async () => {
    const server = await startServer();
    const client = await harness.ws(`ws://127.0.0.1:${server.port}/ws`);
    const connection = await server.nextConnection();
    const pinged = once(client, 'ping');
    const ponged = once(connection, 'pong');

    connection.ping(Buffer.from('heartbeat-1'));

    const [pingPayload] = (await pinged) as [Buffer];
    const [pongPayload] = (await ponged) as [Buffer];
    expect(pingPayload.toString()).toBe('heartbeat-1');
    expect(pongPayload.toString()).toBe('heartbeat-1');
  });

  it("answers a peer's ping with a pong carrying the same payload, and emits 'ping'", async () => {
    const server = await startServer();
    const client = await harness.ws(`ws://127.0.0.1:${server.port}/ws`);
    const connection = await server.nextConnection();
    const pinged = once(connection, 'ping');
    const ponged = once(client, 'pong');

    client.ping('are you there?');

    const [pingPayload] = (await pinged) as [Buffer];
    const [pongPayload] = (await ponged) as [Buffer];
    expect(pingPayload.toString()).toBe('are you there?');
    expect(pongPayload.toString()).toBe('are you there?');
  });

  it('refuses a ping payload longer than 125 bytes with a RangeError', async () => {
    const server = await startServer();
    await harness.ws(`ws://127.0.0.1:${server.port}/ws`);
    const connection = await server.nextConnection();

    expect(() => connection.ping(Buffer.alloc(126))).toThrow(RangeError);
    expect(connection.readyState).toBe(ReadyState.Open);
  });

  it('reads frames that arrived in the same packet as the handshake', async () => {
    const early: Array<string | Buffer> = [];
    const server = await startServer((connection) => {
      connection.on('message', (data) => early.push(data));
    });

    const peer = await harness.rawPeer(server.port, '/ws', { extraBytes: RawPeer.frame(Opcode.Text, 'sent with the handshake') });
    const connection = await server.nextConnection();
    const later = collectMessages(connection);
    peer.send(Opcode.Text, 'sent after');
    await once(connection, 'message');

    expect(early).toEqual(['sent with the handshake', 'sent after']);
    expect(later).toEqual(['sent after']);
  });

  it('reads nothing until an async onConnection resolves, then delivers the bytes that waited, in order', async () => {
    let releaseOnConnection!: () => void;
    const gate = new Promise<void>((resolve) => (releaseOnConnection = resolve));
    const messages: Array<string | Buffer> = [];
    const server = await harness.start({
      routes: [{
        path: '/ws',
        onConnection: async (connection) => {
          await gate;
          connection.on('message', (data) => messages.push(data));
        },
      }],
    });
    const peer = await harness.rawPeer(server.port, '/ws', { extraBytes: RawPeer.frame(Opcode.Text, 'in the handshake packet') });
    const connection = await server.nextConnection();
    peer.send(Opcode.Text, 'one');
    peer.send(Opcode.Binary, Buffer.from('two'));

    expect(connection.readyState).toBe(ReadyState.Open);
    const delivered = nextEvents(connection, 'message', 3);
    releaseOnConnection();
    await delivered;

    expect(connection.readyState).toBe(ReadyState.Open);
    expect(messages).toEqual(['in the handshake packet', 'one', Buffer.from('two')]);
  });

  it('gives each connection its own id', async () => {
    const server = await startServer();
    await harness.ws(`ws://127.0.0.1:${server.port}/ws`);
    await harness.ws(`ws://127.0.0.1:${server.port}/ws`);
    const first = await server.nextConnection();
    const second = await server.nextConnection();

    expect(first.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(second.id).not.toBe(first.id);
  });
});
