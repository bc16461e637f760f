import { once } from 'node:events';
import { Opcode } from '../../../lib/protocol/opcode';
import { CloseEvent, Connection, ReadyState } from '../../../lib/transport/connection';
import { collectMessages, useTransportHarness } from '../../helpers/transport-harness';
import { RawPeer } from '../../helpers/transport-peer';

describe('Connection: closing', () => {
  const harness = useTransportHarness();

  const startServer = (options: { closeTimeoutMs?: number; onConnection?: (connection: Connection) => void } = {}) =>
    harness.start({ routes: [{ path: '/ws', connection: { closeTimeoutMs: options.closeTimeoutMs ?? 1_000 }, onConnection: options.onConnection }] });

  const closeEventOf = (connection: Connection): Promise<CloseEvent> => once(connection, 'close').then(([event]) => event as CloseEvent);

  it("close(code, reason): the peer receives both and answers, and 'close' and `closed` report wasClean true", async () => {
    const server = await startServer();
    const client = await harness.ws(`ws://127.0.0.1:${server.port}/ws`);
    const connection = await server.nextConnection();
    const closeEvent = closeEventOf(connection);
    const clientClosed = once(client, 'close');

    connection.close(4000, 'bye now');

    const [clientCode, clientReason] = (await clientClosed) as [number, Buffer];
    expect(clientCode).toBe(4000);
    expect(clientReason.toString()).toBe('bye now');
    expect(await closeEvent).toEqual({ code: 4000, reason: 'bye now', wasClean: true });
    expect(await connection.closed).toEqual({ code: 4000, reason: 'bye now', wasClean: true });
  });

  it('ends TCP itself once the peer answers our close frame (§7.1.1)', async () => {
    const server = await startServer();
    const peer = await harness.rawPeer(server.port, '/ws');
    const connection = await server.nextConnection();

    connection.close(1000);
    await peer.nextOf('close');
    peer.sendClose(1000);

    await peer.ended;
    expect(connection.readyState).toBe(ReadyState.Closing);
    peer.socket.end();
    expect(await connection.closed).toEqual({ code: 1000, reason: '', wasClean: true });
  });

  it('destroys the socket after closeTimeoutMs when the peer never answers the close frame, with wasClean false', async () => {
    const server = await startServer({ closeTimeoutMs: 200 });
    const peer = await harness.rawPeer(server.port, '/ws');
    const connection = await server.nextConnection();
    const startedAt = Date.now();

    connection.close(1000, 'bye');
    expect(await peer.nextOf('close')).toEqual({ kind: 'close', code: 1000, reason: 'bye' });
    const closeEvent = await closeEventOf(connection);

    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(190);
    expect(closeEvent).toEqual({ code: 1000, reason: '', wasClean: false });
    await peer.ended; // the server destroyed its socket (FIN)
  });

  it('destroys the socket after closeTimeoutMs when the peer sent its close frame but never closes TCP', async () => {
    const server = await startServer({ closeTimeoutMs: 200 });
    const peer = await harness.rawPeer(server.port, '/ws');
    const connection = await server.nextConnection();

    peer.sendClose(1000, 'bye'); // and then the peer keeps its half of TCP open
    await peer.ended;
    const startedAt = Date.now();

    expect(await connection.closed).toEqual({ code: 1000, reason: 'bye', wasClean: true });
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(150);
    await peer.ended;
  });

  it('reports 1006 and wasClean false after terminate(), without a close frame', async () => {
    const server = await startServer();
    const peer = await harness.rawPeer(server.port, '/ws');
    const connection = await server.nextConnection();

    connection.terminate();

    expect(await connection.closed).toEqual({ code: 1006, reason: '', wasClean: false });
    expect(connection.readyState).toBe(ReadyState.Closed);
    await peer.ended;
    expect(peer.eventsOf('close')).toEqual([]);
  });

  it('echoes a close frame from the peer and then ends TCP', async () => {
    const server = await startServer();
    const peer = await harness.rawPeer(server.port, '/ws');
    const connection = await server.nextConnection();

    peer.sendClose(1001, 'going away');

    expect(await peer.nextOf('close')).toEqual({ kind: 'close', code: 1001, reason: 'going away' });
    await peer.ended;
    peer.socket.end();
    expect(await connection.closed).toEqual({ code: 1001, reason: 'going away', wasClean: true });
  });

  it('echoes an empty close frame with an empty one and reports 1005', async () => {
    const server = await startServer();
    const peer = await harness.rawPeer(server.port, '/ws');
    const connection = await server.nextConnection();

    peer.send(Opcode.Close);

    // The client-role parser reports an empty close payload as 1005 ("no status").
    expect(await peer.nextOf('close')).toEqual({ kind: 'close', code: 1005, reason: '' });
    await peer.ended;
    peer.socket.end();
    expect(await connection.closed).toEqual({ code: 1005, reason: '', wasClean: true });
  });

  it('ignores data frames that arrive after the close frame', async () => {
    const server = await startServer();
    const peer = await harness.rawPeer(server.port, '/ws');
    const connection = await server.nextConnection();
    const messages = collectMessages(connection);

    peer.socket.write(Buffer.concat([RawPeer.frame(Opcode.Text, 'before'), RawPeer.frame(Opcode.Close, Buffer.from([0x03, 0xe8])), RawPeer.frame(Opcode.Text, 'after')]));
    await peer.ended;
    peer.send(Opcode.Text, 'after the echo');
    peer.socket.end();
    await connection.closed;

    expect(messages).toEqual(['before']);
  });

  it('ends its half and reports 1006 when the peer ends TCP without a close frame', async () => {
    const server = await startServer();
    const peer = await harness.rawPeer(server.port, '/ws');
    const connection = await server.nextConnection();

    peer.socket.end();

    await peer.ended;
    expect(await connection.closed).toEqual({ code: 1006, reason: '', wasClean: false });
    expect(peer.eventsOf('close')).toEqual([]);
  });

  it('sends one close frame however often close() is called', async () => {
    const server = await startServer();
    const peer = await harness.rawPeer(server.port, '/ws');
    const connection = await server.nextConnection();

    connection.close(4001, 'first');
    connection.close(4002, 'second');
    await peer.nextOf('close');
    peer.sendClose(4001, 'first');
    await peer.ended;
    peer.socket.end();

    expect(await connection.closed).toEqual({ code: 4001, reason: 'first', wasClean: true });
    expect(peer.eventsOf('close')).toEqual([{ kind: 'close', code: 4001, reason: 'first' }]);
  });

  it('throws for a close code that may not be sent, and can still close normally afterwards', async () => {
    const server = await startServer();
    const peer = await harness.rawPeer(server.port, '/ws');
    const connection = await server.nextConnection();

    expect(() => connection.close(1006)).toThrow(RangeError);
    expect(connection.readyState).toBe(ReadyState.Open);
    connection.close(1000, 'second try');

    expect(connection.readyState).toBe(ReadyState.Closing); // fails fast instead of waiting for a frame that never comes
    expect(await peer.nextOf('close')).toEqual({ kind: 'close', code: 1000, reason: 'second try' });
  });

  it('sends no reason rather than an oversized one when a reason exceeds 123 bytes', async () => {
    const server = await startServer();
    const peer = await harness.rawPeer(server.port, '/ws');
    const connection = await server.nextConnection();

    connection.close(1000, 'x'.repeat(124));

    expect(await peer.nextOf('close')).toEqual({ kind: 'close', code: 1000, reason: '' });
  });

  it('sends a close frame requested during onConnection once the connection is accepted', async () => {
    const server = await startServer({ onConnection: (connection) => connection.close(4003, 'not today') });
    const client = await harness.ws(`ws://127.0.0.1:${server.port}/ws`);

    const [code, reason] = (await once(client, 'close')) as [number, Buffer];

    expect(code).toBe(4003);
    expect(reason.toString()).toBe('not today');
    const connection = await server.nextConnection();
    expect(await connection.closed).toEqual({ code: 4003, reason: 'not today', wasClean: true });
  });

  it('fails the connection with the protocol error\'s close code, e.g. 1002 for an unmasked frame', async () => {
    const server = await startServer();
    const peer = await harness.rawPeer(server.port, '/ws');
    const connection = await server.nextConnection();
    const messages = collectMessages(connection);

    peer.socket.write(Buffer.from([0x81, 0x02, 0x68, 0x69])); // unmasked text "hi" from a client

    const close = await peer.nextOf('close');
    expect(close.code).toBe(1002);
    await peer.ended;
    peer.socket.end();
    expect(await connection.closed).toEqual({ code: 1002, reason: '', wasClean: false });
    expect(messages).toEqual([]);
  });

  it('closes with 1009 when a message exceeds maxMessageBytes', async () => {
    const server = await harness.start({ routes: [{ path: '/ws', connection: { maxMessageBytes: 1_000 } }] });
    const peer = await harness.rawPeer(server.port, '/ws');
    const connection = await server.nextConnection();
    const messages = collectMessages(connection);

    peer.send(Opcode.Binary, Buffer.alloc(1_001));

    expect((await peer.nextOf('close')).code).toBe(1009);
    peer.socket.end();
    await connection.closed;
    expect(messages).toEqual([]);
  });
});
