// Many WebSockets on one HTTP/2 connection (RFC 8441 §1): each stream its own Connection, its own
// flow control (RFC 9113 §5.2) and its own end; one reset or one slow reader leaves the others as they were.
import { once } from 'node:events';
import { ClientHttp2Stream, constants, createServer } from 'node:http2';
import { Connection, ConnectionOptions } from '../../../lib/transport/connection';
import { extendedConnect, opened } from '../../helpers/h2-peer';
import { OP, closePayload } from '../../helpers/raw-frames';
import { RawClient } from '../../helpers/raw-client';
import { useTransportHarness } from '../../helpers/transport-harness';

const STREAMS = 50;
const MESSAGES_PER_STREAM = 10;
const RESET_STREAM = 25;
const RESET_AFTER = 5;

describe('WebSockets multiplexed on one HTTP/2 connection', () => {
  const harness = useTransportHarness();
  const echo = (connection: Connection): void => void connection.on('message', (data) => connection.send(data));

  /** Two echo streams on one connection; the first one's reader stalls (no reads, so no WINDOW_UPDATE for it). */
  async function stalledBesideFlowing(connection: Partial<ConnectionOptions> = {}): Promise<{ slow: ClientHttp2Stream; slowConnection: Connection; neighbourClient: RawClient }> {
    const server = await harness.start({ server: createServer(), routes: [{ path: '/echo', onConnection: echo, connection }] });
    const { session } = await harness.h2(server.port);
    const slow = extendedConnect(session, '/echo');
    const neighbour = extendedConnect(session, '/echo');
    await Promise.all([opened(slow), opened(neighbour)]);
    const slowConnection = await server.nextConnection();
    slow.pause();
    return { slow, slowConnection, neighbourClient: RawClient.onStream(neighbour) };
  }

  it(`${STREAMS} streams each echo their own messages in order; one reset midway leaves the other ${STREAMS - 1} intact`, async () => {
    const server = await harness.start({ server: createServer(), routes: [{ path: '/echo', onConnection: echo }] });
    const { session } = await harness.h2(server.port);
    const streams: ClientHttp2Stream[] = [];
    for (let i = 0; i < STREAMS; i++) streams.push(extendedConnect(session, `/echo?stream=${i}`));
    await Promise.all(streams.map(opened));
    const clients = streams.map((stream) => RawClient.onStream(stream));
    const connections = await Promise.all(streams.map(() => server.nextConnection()));
    const resetClosed = once(streams[RESET_STREAM], 'close');

    // Round robin: message j of every stream before message j + 1 of any, so their DATA frames interleave.
    for (let j = 0; j < MESSAGES_PER_STREAM; j++) {
      if (j === RESET_AFTER) streams[RESET_STREAM].close(constants.NGHTTP2_CANCEL);
      for (let i = 0; i < STREAMS; i++) {
        if (i !== RESET_STREAM || j < RESET_AFTER) void clients[i].sendFrame({ opcode: OP.text, payload: Buffer.from(`stream ${i} message ${j}`) });
      }
    }
    await resetClosed;
    for (let i = 0; i < STREAMS; i++) {
      if (i === RESET_STREAM) continue;
      for (let j = 0; j < MESSAGES_PER_STREAM; j++) await clients[i].expectMessage(OP.text, `stream ${i} message ${j}`);
    }

    expect(server.listener.connections.size).toBe(STREAMS - 1);
    expect((await connections[RESET_STREAM].closed).code).toBe(1006);
    for (let i = 0; i < STREAMS; i++) {
      if (i !== RESET_STREAM) await clients[i].sendFrame({ opcode: OP.close, payload: closePayload(1000) });
    }
    const events = await Promise.all(connections.filter((_, i) => i !== RESET_STREAM).map((connection) => connection.closed));
    expect(events.every((event) => event.code === 1000 && event.wasClean)).toBe(true);
    expect(server.listener.connections.size).toBe(0);
    expect(server.unexpectedErrors).toEqual([]);
  }, 20_000);

  it('a stream whose reader stalls fills its own flow-control window: send() says so, drain follows the reader, and its neighbour keeps flowing', async () => {
    const { slow, slowConnection, neighbourClient } = await stalledBesideFlowing();

    // Past the stream's 64 KiB window (RFC 9113 §6.9.2), what is sent waits on our side.
    const chunk = Buffer.alloc(16 * 1024, 7);
    const chunks = 16;
    const accepted = Array.from({ length: chunks }, () => slowConnection.send(chunk));
    const sentBytes = chunks * chunk.length;
    await neighbourClient.sendFrame({ opcode: OP.binary, payload: Buffer.from('still flowing') });
    await neighbourClient.expectMessage(OP.binary, 'still flowing');
    const bufferedWhenFull = slowConnection.bufferedAmount;

    const drained = once(slowConnection, 'drain');
    // Each 16 KiB binary message arrives behind its 4-byte header (RFC 6455 §5.2).
    const frameBytes = sentBytes + chunks * 4;
    let receivedBytes = 0;
    const allReceived = new Promise<void>((resolve) => slow.on('data', (data: Buffer) => {
      receivedBytes += data.length;
      if (receivedBytes >= frameBytes) resolve();
    }));
    slow.resume();
    await drained;
    await allReceived;

    expect(accepted.at(-1)).toBe(false);
    // No more than the stream's initial window (65,535 B) left before the reader stalled.
    expect(bufferedWhenFull).toBeGreaterThanOrEqual(frameBytes - 65_535);
    expect(slowConnection.bufferedAmount).toBe(0);
    expect(receivedBytes).toBe(frameBytes);
  });

  it('a stalled reader past maxBufferedBytes is closed with 1008 and reset; its neighbour on the same connection is not', async () => {
    const { slow, slowConnection, neighbourClient } = await stalledBesideFlowing({ maxBufferedBytes: 256 * 1024, closeTimeoutMs: 100 });
    const slowClosed = once(slow, 'close');

    const chunk = Buffer.alloc(64 * 1024, 1);
    for (let i = 0; i < 8 && slowConnection.readyState === 1; i++) slowConnection.send(chunk);
    const event = await slowConnection.closed;
    await slowClosed;
    await neighbourClient.sendFrame({ opcode: OP.text, payload: Buffer.from('unaffected') });

    await neighbourClient.expectMessage(OP.text, 'unaffected');
    expect(event.code).toBe(1008);
    expect(slow.rstCode).toBe(constants.NGHTTP2_CANCEL);
  });
});
