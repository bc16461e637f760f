import { once } from 'node:events';
import { Connection, ReadyState } from '../../../lib/transport/connection';
import { useTransportHarness } from '../../helpers/transport-harness';
import { RawPeer } from '../../helpers/transport-peer';

const KIB = 1024;
const MIB = 1024 * KIB;
/** A bound on every fill loop, far above what loopback kernel buffers can hold. */
const MAX_FILL_BYTES = 256 * MIB;

/** Lets libuv hand queued bytes to the kernel before the next send. */
const ioTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A binary message whose first 4 bytes are its index, so the peer can tell which ones arrived. */
const numbered = (index: number, byteLength: number): Buffer => {
  const message = Buffer.alloc(byteLength, 0xab);
  message.writeUInt32BE(index, 0);
  return message;
};

const indexesReceivedBy = (peer: RawPeer): number[] => peer.eventsOf('binary').map(({ data }) => data.readUInt32BE(0));

/** Waits until the peer has received `count` binary messages. */
const receiveBinary = async (peer: RawPeer, count: number): Promise<void> => {
  while (peer.eventsOf('binary').length < count) await peer.next();
};

describe('Connection: backpressure', () => {
  const harness = useTransportHarness();

  const connectPausedPeer = async (connection: Partial<{ maxBufferedBytes: number; onBufferOverflow: 'close' | 'drop'; closeTimeoutMs: number }>) => {
    const server = await harness.start({ routes: [{ path: '/ws', connection }] });
    const peer = await harness.rawPeer(server.port, '/ws');
    peer.socket.pause(); // the peer stops reading: the kernel buffers fill, then ours
    return { peer, connection: await server.nextConnection() };
  };

  /** Sends `byteLength`-byte messages, one per I/O turn, until `isDone` says so. */
  const sendUntil = async (connection: Connection, byteLength: number, isDone: (step: { result: boolean; before: number; after: number }) => boolean) => {
    const results: Array<{ index: number; result: boolean; before: number; after: number }> = [];
    for (let index = 0; index * byteLength < MAX_FILL_BYTES; index++) {
      const before = connection.bufferedAmount;
      const result = connection.send(numbered(index, byteLength));
      const step = { index, result, before, after: connection.bufferedAmount };
      results.push(step);
      if (isDone(step)) return results;
      await ioTurn();
    }
    throw new Error(`sent ${MAX_FILL_BYTES} bytes to a paused peer and the condition never held`);
  };

  it("grows bufferedAmount while the peer does not read, returns false from send, and emits 'drain' once the peer reads", async () => {
    const { peer, connection } = await connectPausedPeer({ maxBufferedBytes: MAX_FILL_BYTES * 2 });

    const results = await sendUntil(connection, 256 * KIB, ({ after }) => after >= 2 * MIB);
    const bufferedWhilePaused = connection.bufferedAmount;
    await ioTurn();
    let hasPeerResumed = false;
    const drained = once(connection, 'drain').then(() => hasPeerResumed);
    peer.socket.resume();
    hasPeerResumed = true;

    expect(bufferedWhilePaused).toBeGreaterThanOrEqual(2 * MIB);
    expect(results.at(-1)?.result).toBe(false);
    expect(await drained).toBe(true); // 'drain' came only after the peer read again
    expect(connection.bufferedAmount).toBe(0);
    await receiveBinary(peer, results.length);
    expect(indexesReceivedBy(peer)).toEqual(results.map(({ index }) => index));
  });

  it("with onBufferOverflow 'close', closes with 1008 queued behind the accepted messages when a send would pass maxBufferedBytes", async () => {
    const maxBufferedBytes = 512 * KIB;
    const { peer, connection } = await connectPausedPeer({ maxBufferedBytes, onBufferOverflow: 'close' });

    const results = await sendUntil(connection, 64 * KIB, () => connection.readyState !== ReadyState.Open);
    const accepted = results.slice(0, -1).map(({ index }) => index);

    expect(connection.readyState).toBe(ReadyState.Closing);
    expect(results.at(-1)?.result).toBe(false);
    expect(connection.send('after the overflow')).toBe(false);
    peer.socket.resume();
    expect(await peer.nextOf('close')).toEqual({ kind: 'close', code: 1008, reason: 'slow consumer' });
    expect(indexesReceivedBy(peer)).toEqual(accepted);
    peer.sendClose(1008, 'slow consumer');
    peer.socket.end();
    expect(await connection.closed).toEqual({ code: 1008, reason: 'slow consumer', wasClean: true });
  });

  it("with onBufferOverflow 'close', destroys a consumer that never reads after closeTimeoutMs, reporting 1008 and wasClean false", async () => {
    const { connection } = await connectPausedPeer({ maxBufferedBytes: 512 * KIB, onBufferOverflow: 'close', closeTimeoutMs: 200 });

    await sendUntil(connection, 64 * KIB, () => connection.readyState !== ReadyState.Open);

    expect(await connection.closed).toEqual({ code: 1008, reason: '', wasClean: false });
  });

  it("with onBufferOverflow 'drop', refuses messages past maxBufferedBytes with false and stays open", async () => {
    const maxBufferedBytes = 512 * KIB;
    const { peer, connection } = await connectPausedPeer({ maxBufferedBytes, onBufferOverflow: 'drop' });
    const isDropped = ({ result, before, after }: { result: boolean; before: number; after: number }): boolean =>
      !result && before > 0 && after === before;
    let dropCount = 0;

    const results = await sendUntil(connection, 64 * KIB, (step) => {
      if (isDropped(step)) dropCount++;
      return dropCount === 3;
    });
    const accepted = results.filter((step) => !isDropped(step)).map(({ index }) => index);

    expect(connection.readyState).toBe(ReadyState.Open);
    expect(Math.max(...results.map(({ after }) => after))).toBeLessThanOrEqual(maxBufferedBytes);
    peer.socket.resume();
    await once(connection, 'drain');
    expect(connection.send(numbered(results.length, 64 * KIB))).toBe(false); // above the high-water mark, but sent
    await receiveBinary(peer, accepted.length + 1);
    expect(indexesReceivedBy(peer)).toEqual([...accepted, results.length]);
    expect(accepted.length).toBe(results.length - 3);
  });

  it('sends a single message larger than maxBufferedBytes when nothing else is queued', async () => {
    const server = await harness.start({ routes: [{ path: '/ws', connection: { maxBufferedBytes: 1 * KIB, onBufferOverflow: 'close' } }] });
    const peer = await harness.rawPeer(server.port, '/ws');
    const connection = await server.nextConnection();
    const large = numbered(0, 300 * KIB);
    const medium = numbered(1, 4 * KIB);

    expect(connection.bufferedAmount).toBe(0);
    connection.send(large);
    if (connection.bufferedAmount > 0) await once(connection, 'drain');
    connection.send(medium);

    await receiveBinary(peer, 2);
    const [first, second] = peer.eventsOf('binary').map(({ data }) => data);
    // Buffer.equals: toEqual compares large buffers element by element, which takes most of a second.
    expect(first.equals(large)).toBe(true);
    expect(second.equals(medium)).toBe(true);
    expect(connection.readyState).toBe(ReadyState.Open);
  });
});
