// RFC 8441 §6 on our HTTP/2 streams: END_STREAM is TCP's FIN and RST_STREAM its reset, at every
// point of a connection's life; our close is the closing handshake then END_STREAM, our abort RST_STREAM(CANCEL).
import { once } from 'node:events';
import { ClientHttp2Stream, constants, createServer } from 'node:http2';
import { CloseEvent, Connection } from '../../../lib/transport/connection';
import { extendedConnect, opened } from '../../helpers/h2-peer';
import { OP, closePayload, encodeFrame } from '../../helpers/raw-frames';
import { RawClient } from '../../helpers/raw-client';
import { collectMessages, StartedServer, useTransportHarness } from '../../helpers/transport-harness';

/** Bytes the peer sends before it leaves: nothing, part of a frame, or a whole message. */
const MESSAGE = encodeFrame({ opcode: OP.text, payload: Buffer.from('delivered first') });
const POINTS: ReadonlyArray<[string, Buffer, string[]]> = [
  ['at once', Buffer.alloc(0), []],
  ['inside a frame header', MESSAGE.subarray(0, 1), []],
  ['inside a payload', MESSAGE.subarray(0, MESSAGE.length - 3), []],
  ['after a whole message', MESSAGE, ['delivered first']],
];

describe('RFC 8441 §6: END_STREAM and RST_STREAM on a WebSocket stream', () => {
  const harness = useTransportHarness();

  interface Opened {
    server: StartedServer;
    stream: ClientHttp2Stream;
    connection: Connection;
    messages: Array<string | Buffer>;
    closed: Promise<CloseEvent>;
  }

  async function open(closeTimeoutMs = 1_000): Promise<Opened> {
    const server = await harness.start({ server: createServer(), routes: [{ path: '/ws', connection: { closeTimeoutMs } }] });
    const { session } = await harness.h2(server.port);
    const stream = extendedConnect(session, '/ws');
    await opened(stream);
    const connection = await server.nextConnection();
    return { server, stream, connection, messages: collectMessages(connection), closed: connection.closed };
  }

  it.each(POINTS)('the peer\'s END_STREAM %s: what came before is delivered, the app sees 1006, we end our half', async (_point, bytes, delivered) => {
    const { server, stream, messages, closed } = await open();

    stream.end(bytes);
    const [event] = await Promise.all([closed, once(stream, 'close')]);

    expect(event).toEqual({ code: 1006, reason: '', wasClean: false });
    expect(messages.map(String)).toEqual(delivered);
    expect(stream.rstCode).toBe(constants.NGHTTP2_NO_ERROR);
    expect(server.unexpectedErrors).toEqual([]);
  });

  it.each(POINTS)('the peer\'s RST_STREAM %s: the app sees 1006, and the stream is gone', async (_point, bytes, delivered) => {
    const { server, stream, connection, messages, closed } = await open();
    if (bytes.length > 0) {
      stream.write(bytes);
      if (delivered.length > 0) await once(connection, 'message');
    }

    stream.close(constants.NGHTTP2_CANCEL);
    const event = await closed;

    expect(event).toEqual({ code: 1006, reason: '', wasClean: false });
    expect(messages.map(String)).toEqual(delivered);
    expect(server.listener.connections.size).toBe(0);
    expect(server.unexpectedErrors).toEqual([]);
  });

  it('our close(): the close frame, the peer\'s answer, then END_STREAM both ways: clean', async () => {
    const { stream, connection, closed } = await open();
    const client = RawClient.onStream(stream);

    connection.close(1000, 'bye');
    const frame = await client.nextFrame();
    await client.sendFrame({ opcode: OP.close, payload: closePayload(1000, 'bye') });
    await client.expectTcpClosed();

    expect({ opcode: frame.opcode, payload: frame.payload.toString('hex') }).toEqual({ opcode: OP.close, payload: closePayload(1000, 'bye').toString('hex') });
    expect(await closed).toEqual({ code: 1000, reason: 'bye', wasClean: true });
    expect(stream.rstCode).toBe(constants.NGHTTP2_NO_ERROR);
  });

  it('the peer\'s close frame: echoed, then END_STREAM: clean', async () => {
    const { stream, closed } = await open();
    const client = RawClient.onStream(stream);

    await client.sendFrame({ opcode: OP.close, payload: closePayload(1001, 'leaving') });

    await client.expectClose(1001, 'leaving');
    expect(await closed).toEqual({ code: 1001, reason: 'leaving', wasClean: true });
    expect(stream.rstCode).toBe(constants.NGHTTP2_NO_ERROR);
  });

  it('a protocol error: 1002, then END_STREAM (RFC 6455 §7.1.7)', async () => {
    const { stream, closed } = await open();
    const client = RawClient.onStream(stream);

    await client.write(Buffer.from([0x81, 0x00])); // unmasked text from a client: §5.1

    await client.expectClose(1002);
    expect((await closed).code).toBe(1002);
  });

  it('the peer\'s RST_STREAM after our close frame: not clean, nothing more written', async () => {
    const { server, stream, connection, closed } = await open();
    const client = RawClient.onStream(stream);
    connection.close(1000);
    await client.nextFrame();

    stream.close(constants.NGHTTP2_CANCEL);

    expect(await closed).toEqual({ code: 1000, reason: '', wasClean: false });
    expect(server.unexpectedErrors).toEqual([]);
  });

  it('terminate() is RST_STREAM(CANCEL), not END_STREAM', async () => {
    const { stream, connection, closed } = await open();
    const streamClosed = once(stream, 'close');

    connection.terminate();
    await streamClosed;

    expect(stream.rstCode).toBe(constants.NGHTTP2_CANCEL);
    expect((await closed).wasClean).toBe(false);
  });

  it('a peer that never answers our close frame gets RST_STREAM(CANCEL) after the close timeout', async () => {
    const { stream, connection, closed } = await open(100);
    stream.resume(); // reads, never answers
    const streamClosed = once(stream, 'close');

    connection.close(1000);
    await streamClosed;

    expect(stream.rstCode).toBe(constants.NGHTTP2_CANCEL);
    expect(await closed).toEqual({ code: 1000, reason: '', wasClean: false });
  });

  it('the whole HTTP/2 connection torn down: every WebSocket on it sees 1006', async () => {
    const server = await harness.start({ server: createServer(), routes: [{ path: '/ws' }] });
    const { session } = await harness.h2(server.port);
    const streams = [extendedConnect(session, '/ws'), extendedConnect(session, '/ws'), extendedConnect(session, '/ws')];
    await Promise.all(streams.map(opened));
    const connections = await Promise.all(streams.map(() => server.nextConnection()));

    session.destroy(); // the socket with it: no GOAWAY, no END_STREAM, no RST_STREAM
    const events = await Promise.all(connections.map((connection) => connection.closed));

    expect(events.map((event) => event.code)).toEqual([1006, 1006, 1006]);
    expect(server.listener.connections.size).toBe(0);
  });
});
