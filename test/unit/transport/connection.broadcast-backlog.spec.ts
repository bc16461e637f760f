import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { FrameParser } from '../../../lib/protocol/frame-parser';
import { encodeFrame } from '../../../lib/protocol/frame-writer';
import { Opcode } from '../../../lib/protocol/opcode';
import { Connection, ConnectionOptions } from '../../../lib/transport/connection';
import { RecordingDuplex } from '../../helpers/recording-duplex';
import { retainedBytes } from '../../helpers/retained-memory';
import { deflateParams } from '../../helpers/deflate-params';

const MiB = 1024 * 1024;
const OPTIONS: ConnectionOptions = { maxMessageBytes: 1 << 20, closeTimeoutMs: 1_000, maxBufferedBytes: 8 << 20, onBufferOverflow: 'close' };
const NO_CONTEXT_TAKEOVER = deflateParams(false);
const CONNECTIONS = 1_000;
const FRAMES = 100;
/** Under the 1 KiB deflate threshold: sent as they are. */
const PAYLOAD_BYTES = 512;
const endOfTick = (): Promise<void> => new Promise(setImmediate);

/**
 * A broadcast frame is encoded once and the same bytes are written to every member (DESIGN.md).
 * Members that read slowly keep it in their send backlog: by reference, not as a copy each, or a
 * room of slow readers multiplies every broadcast by its size (125 MiB for the case below, 12c5166).
 */
describe.each([
  { name: 'deflate off', deflate: undefined, isCompressing: false },
  { name: 'deflate on, frames under the threshold', deflate: NO_CONTEXT_TAKEOVER, isCompressing: false },
  { name: 'deflate on, while a message of its own waits for zlib', deflate: NO_CONTEXT_TAKEOVER, isCompressing: true },
])('Connection.sendFrame() to slow readers ($name)', ({ deflate, isCompressing }) => {
  const sockets: RecordingDuplex[] = [];
  afterEach(() => sockets.splice(0).forEach((socket) => socket.destroy()));

  it(`holds ${FRAMES} shared frames for ${CONNECTIONS} backed-up connections in less than 16 MiB, and writes them in order`, async () => {
    // Past the socket's high-water mark, and not made smaller by deflate.
    const backlogFill = encodeFrame(randomBytes(17 * 1024), { opcode: Opcode.Binary });
    const connections = Array.from({ length: CONNECTIONS }, () => {
      const socket = new RecordingDuplex();
      socket.isStalled = true;
      sockets.push(socket);
      const connection = new Connection(socket, { ...OPTIONS, deflate });
      connection.sendFrame(backlogFill);
      return connection;
    });
    while (sockets.some((socket) => socket.chunks.length === 0)) await endOfTick(); // compressed and written
    const frames = Array.from({ length: FRAMES }, (_, i) => encodeFrame(Buffer.alloc(PAYLOAD_BYTES, i), { opcode: Opcode.Binary }));
    // Sent before the broadcast, and measured apart from it: a compression each, queued.
    if (isCompressing) for (const connection of connections) connection.send(randomBytes(2048));
    const before = retainedBytes();

    for (const frame of frames) for (const connection of connections) connection.sendFrame(frame);
    await endOfTick();
    const grown = retainedBytes() - before;

    expect(grown).toBeLessThan(16 * MiB);
    const [first] = sockets;
    first.release();
    await endOfTick();
    const events = new FrameParser({ role: 'client', maxMessageBytes: 1 << 20, isDeflateNegotiated: true }).push(first.written);
    expect(events).toHaveLength(1 + (isCompressing ? 1 : 0) + FRAMES); // the fill, our own message, the broadcast
    expect(events.slice(-FRAMES)).toEqual(frames.map((_, i) => ({ kind: 'binary', data: Buffer.alloc(PAYLOAD_BYTES, i), isInPlace: true })));
    expect(connections[0].bufferedAmount).toBe(0);
  });
});

describe('Connection.sendFrame() to slow readers, the socket filled by the tick before', () => {
  const sockets: RecordingDuplex[] = [];
  afterEach(() => sockets.splice(0).forEach((socket) => socket.destroy()));

  // A socket can be full with no backlog yet (a tick's writes overfilled it when they left): a
  // frame written then was held until the end of the tick and copied into the backlog started then.
  it('keeps shared frames by reference when the socket filled up in the tick before, drain after drain', async () => {
    const connections = Array.from({ length: 300 }, () => {
      const socket = new RecordingDuplex();
      socket.isStalled = true;
      sockets.push(socket);
      return new Connection(socket, OPTIONS);
    });
    // Shared by every connection: what the sockets record costs a slot each, not their bytes.
    const fillBelowHighWater = encodeFrame(Buffer.alloc(15 * 1024), { opcode: Opcode.Binary });
    const overfill = encodeFrame(Buffer.alloc(2048), { opcode: Opcode.Binary });
    const frames = Array.from({ length: 20 }, (_, i) => encodeFrame(Buffer.alloc(PAYLOAD_BYTES, i), { opcode: Opcode.Binary }));
    const sendToAll = async (frame: Buffer): Promise<void> => {
      for (const connection of connections) connection.sendFrame(frame);
      await endOfTick();
    };
    const before = retainedBytes();

    for (const frame of frames) {
      await sendToAll(fillBelowHighWater);
      await sendToAll(overfill); // past the high-water mark when it leaves, at the end of the tick
      await sendToAll(frame);
      expect(sockets.every((socket) => socket.writableNeedDrain)).toBe(true);
      const drained = sockets.map((socket) => once(socket, 'drain'));
      for (const socket of sockets) {
        socket.release();
        socket.isStalled = true;
      }
      await Promise.all(drained);
    }
    await endOfTick();
    const grown = retainedBytes() - before;

    expect(grown).toBeLessThan(2 * MiB);
    sockets[0].release();
    const events = new FrameParser({ role: 'client', maxMessageBytes: 1 << 20, isDeflateNegotiated: true }).push(sockets[0].written);
    expect(events.filter((event) => event.kind === 'binary' && event.data.length === PAYLOAD_BYTES).map((event) => event.kind === 'binary' && event.data[0])).toEqual(frames.map((_, i) => i));
  });
});
