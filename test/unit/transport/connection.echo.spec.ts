import { once } from 'node:events';
import { FrameParser } from '../../../lib/protocol/frame-parser';
import { Opcode } from '../../../lib/protocol/opcode';
import { Connection, ConnectionOptions } from '../../../lib/transport/connection';
import { inflateMessage } from '../../helpers/deflate-client';
import { deflateParams } from '../../helpers/deflate-params';
import { maskedFrame, pattern, unmaskedFrame } from '../../helpers/frames';
import { hex } from '../../helpers/hex';
import { RecordingDuplex } from '../../helpers/recording-duplex';

const OPTIONS: ConnectionOptions = { maxMessageBytes: 1 << 20, closeTimeoutMs: 1_000, maxBufferedBytes: 4 << 20, onBufferOverflow: 'close' };
/** §5.2: 2 bytes, 8 for a 64-bit length, 4 for the mask key. */
const MASKED_HEADER_BYTES = 14;

describe('Connection: a large text sent back while it is delivered (an echo)', () => {
  let socket: RecordingDuplex;

  beforeEach(() => {
    socket = new RecordingDuplex();
  });

  afterEach(() => socket.destroy());

  const text = 'é'.repeat(50_000); // 100,000 bytes of UTF-8: a 64-bit length, and not ASCII

  it('leaves from the bytes it arrived in: the reply\'s payload is a view of the read, not a copy', () => {
    const connection = new Connection(socket, OPTIONS);
    connection.on('message', (message) => connection.send(message));
    const frame = maskedFrame(Opcode.Text, text);

    connection.open(frame); // read, answered and flushed before open() returns

    expect(socket.written).toEqual(unmaskedFrame(Opcode.Text, text));
    const payload = socket.writevCalls[0][1];
    expect(payload.buffer).toBe(frame.buffer);
    expect(payload.byteOffset).toBe(frame.byteOffset + MASKED_HEADER_BYTES);
  });

  it('encodes a different text of the same length as usual', () => {
    const other = 'è'.repeat(50_000);
    const connection = new Connection(socket, OPTIONS);
    connection.on('message', () => connection.send(other));
    const frame = maskedFrame(Opcode.Text, text);

    connection.open(frame);

    expect(socket.written).toEqual(unmaskedFrame(Opcode.Text, other));
    expect(socket.chunks.every((chunk) => chunk.buffer !== frame.buffer)).toBe(true);
  });

  it('keeps no bytes once the delivery is over: the same text sent later is encoded again', async () => {
    const connection = new Connection(socket, OPTIONS);
    let received = '';
    connection.on('message', (message) => void (received = message as string));
    const frame = maskedFrame(Opcode.Text, text);
    connection.open(frame);

    connection.send(received);
    await new Promise((resolve) => process.nextTick(resolve));

    expect(socket.written).toEqual(unmaskedFrame(Opcode.Text, text));
    expect(socket.chunks.every((chunk) => chunk.buffer !== frame.buffer)).toBe(true);
  });

  it('holds no more than twice the bytes of an echo waiting for a slow peer: a text that was a small part of its read is copied, not kept as a view of it', () => {
    const connection = new Connection(socket, OPTIONS);
    connection.on('message', (message) => {
      if (typeof message === 'string') connection.send(message); // binary is not echoed
    });
    socket.isStalled = true;
    const small = 'é'.repeat(2_500); // 5,000 bytes: kept by reference in a backlog
    const reads = Array.from({ length: 8 }, (_, i) =>
      Buffer.concat([maskedFrame(Opcode.Text, small), maskedFrame(Opcode.Binary, Buffer.alloc(60_000, i))]),
    );
    connection.open(maskedFrame(Opcode.Text, 'x'.repeat(40_000))); // fills the socket: what follows waits in the backlog
    for (const read of reads) socket.emit('data', read);

    socket.release();

    expect(socket.written).toEqual(Buffer.concat([unmaskedFrame(Opcode.Text, 'x'.repeat(40_000)), ...reads.map(() => unmaskedFrame(Opcode.Text, small))]));
    for (const chunk of socket.chunks) expect(chunk.buffer.byteLength).toBeLessThanOrEqual(2 * Math.max(chunk.length, 8 * 1024));
  });
});

/** Messages of the sizes a whole frame is read in place for: 7-bit and 16-bit lengths (§5.2). */
const IN_PLACE_CASES = [
  { name: 'text of 4 KiB', opcode: Opcode.Text, payload: Buffer.from('ü'.repeat(2_048)) },
  { name: 'text of 60,000 bytes', opcode: Opcode.Text, payload: Buffer.from('x'.repeat(60_000)) },
  { name: 'binary of 4 KiB', opcode: Opcode.Binary, payload: pattern(4_096) },
  { name: 'binary of 100 bytes', opcode: Opcode.Binary, payload: pattern(100) },
];
const messageOf = (opcode: Opcode, payload: Buffer): string | Buffer => (opcode === Opcode.Text ? payload.toString() : Buffer.from(payload));
/** `chunk` lies within `read`'s bytes (small buffers share Node's pool: the same ArrayBuffer alone says nothing). */
const isWithin = (chunk: Buffer, read: Buffer): boolean =>
  chunk.buffer === read.buffer && chunk.byteOffset >= read.byteOffset && chunk.byteOffset < read.byteOffset + read.length;
const CLOSE_1000 = unmaskedFrame(Opcode.Close, hex('03 e8'));

/** What the connection wrote before its answer to the peer's close frame, once that answer and FIN are out: replies that waited for 'drain' included. */
async function writtenBeforeClose(socket: RecordingDuplex): Promise<Buffer> {
  const finished = once(socket, 'finish');
  socket.push(maskedFrame(Opcode.Close, hex('03 e8')));
  await finished;
  const { written } = socket;
  expect(written.subarray(written.length - CLOSE_1000.length)).toEqual(CLOSE_1000);
  return written.subarray(0, written.length - CLOSE_1000.length);
}

describe.each(IN_PLACE_CASES)('Connection: a $name sent back while it is delivered, from a frame read whole', ({ opcode, payload }) => {
  let socket: RecordingDuplex;

  beforeEach(() => {
    socket = new RecordingDuplex();
  });

  afterEach(() => socket.destroy());

  it('leaves as one view of the read, its header written over the client\'s (4 bytes shorter: no mask key)', () => {
    const connection = new Connection(socket, OPTIONS);
    connection.on('message', (message) => connection.send(message));
    const read = maskedFrame(opcode, payload);

    connection.open(read);

    expect(socket.written).toEqual(unmaskedFrame(opcode, payload));
    expect(socket.chunks).toHaveLength(1);
    expect(socket.chunks[0].buffer).toBe(read.buffer);
    expect(socket.chunks[0].byteOffset).toBe(read.byteOffset + 4);
    expect(socket.chunks[0].length).toBe(read.length - 4);
  });

  it('leaves the payloads the handler got intact when the replies to one read are framed around them', async () => {
    const connection = new Connection(socket, OPTIONS);
    const received: Array<string | Buffer> = [];
    connection.on('message', (message) => {
      received.push(message);
      connection.send(message);
    });
    const read = Buffer.concat([0, 1, 2].map(() => maskedFrame(opcode, payload)));

    connection.open(read);

    expect(await writtenBeforeClose(socket)).toEqual(Buffer.concat([0, 1, 2].map(() => unmaskedFrame(opcode, payload))));
    expect(received).toEqual([0, 1, 2].map(() => messageOf(opcode, payload)));
  });

  it('is encoded or copied as usual when it is another message with the same length', async () => {
    const other = Buffer.alloc(payload.length, 'a');
    const connection = new Connection(socket, OPTIONS);
    connection.on('message', () => connection.send(messageOf(opcode, other)));
    const read = maskedFrame(opcode, payload);

    connection.open(read);

    expect(await writtenBeforeClose(socket)).toEqual(unmaskedFrame(opcode, other));
    expect(socket.chunks.some((chunk) => isWithin(chunk, read))).toBe(false);
  });

  it('is sent right when it is sent twice during its delivery', async () => {
    const connection = new Connection(socket, OPTIONS);
    connection.on('message', (message) => {
      connection.send(message);
      connection.send(message);
    });

    connection.open(maskedFrame(opcode, payload));

    expect(await writtenBeforeClose(socket)).toEqual(Buffer.concat([unmaskedFrame(opcode, payload), unmaskedFrame(opcode, payload)]));
  });

  it('is encoded or copied when it is sent after its delivery, during the next message\'s', async () => {
    const connection = new Connection(socket, OPTIONS);
    const next = opcode === Opcode.Text ? Buffer.from('next') : Buffer.from([1, 2, 3]);
    let previous: string | Buffer | undefined;
    connection.on('message', (message) => {
      if (previous !== undefined) connection.send(previous);
      previous = message;
    });
    const first = maskedFrame(opcode, payload);
    connection.open(first);

    socket.emit('data', maskedFrame(opcode, next));

    expect(await writtenBeforeClose(socket)).toEqual(unmaskedFrame(opcode, payload));
    expect(socket.chunks.some((chunk) => isWithin(chunk, first))).toBe(false);
  });

  it('leaves compressed or whole as permessage-deflate decides, and the read is not framed in place', async () => {
    const connection = new Connection(socket, { ...OPTIONS, deflate: deflateParams(false, { level: 1 }) });
    connection.on('message', (message) => connection.send(message));
    const read = maskedFrame(opcode, payload);
    const headerBytes = read.length - payload.length;
    const clientHeader = Buffer.from(read.subarray(0, headerBytes));

    connection.open(read);

    const [reply] = new FrameParser({ role: 'client', maxMessageBytes: 1 << 20, isDeflateNegotiated: true }).push(await writtenBeforeClose(socket));
    const echoed = reply.kind === 'compressed' ? inflateMessage(reply.data) : reply.kind === 'binary' ? reply.data : reply.kind === 'text' ? Buffer.from(reply.text) : undefined;
    expect(echoed).toEqual(payload);
    expect(read.subarray(0, headerBytes)).toEqual(clientHeader);
  });
});

describe('Connection: a binary message sent back while it is delivered, from a frame that spanned reads', () => {
  it('leaves as its header and the joined payload, without a copy (past the 16 KiB a read\'s replies are copied together up to)', () => {
    const socket = new RecordingDuplex();
    const connection = new Connection(socket, OPTIONS);
    let received: Buffer | undefined;
    connection.on('message', (message) => {
      received = message as Buffer;
      connection.send(message);
    });
    const frame = maskedFrame(Opcode.Binary, pattern(20_000));

    connection.open(frame.subarray(0, 5_000));
    socket.emit('data', frame.subarray(5_000));

    expect(socket.written).toEqual(unmaskedFrame(Opcode.Binary, pattern(20_000)));
    expect(socket.chunks).toContain(received);
    socket.destroy();
  });
});

/**
 * A peer that stops reading: the socket is still writing (the kernel has not taken earlier bytes)
 * but below its high-water mark, so replies go to the socket itself, not the backlog, and wait
 * there. A reply that is a view of a large read (framed in place, or sent from its delivered bytes)
 * would hold the whole read while it waits: many small replies, each from its own read of 60 KB,
 * held megabytes for a few hundred bytes queued (the budget counts bytes, not what they pin).
 */
describe.each([
  { name: 'binary of 10 bytes', opcode: Opcode.Binary, payload: pattern(10) },
  { name: 'text of 2,500 bytes', opcode: Opcode.Text, payload: Buffer.from('ü'.repeat(1_250)) },
])('Connection: a $name echoed from a large read to a peer that stopped reading, below the high-water mark', ({ opcode, payload }) => {
  it('holds no more than twice the bytes of each reply waiting in the socket: a view of its read is copied out', () => {
    const socket = new RecordingDuplex();
    const connection = new Connection(socket, OPTIONS);
    connection.on('message', (message) => {
      if (message.length < 10_000) connection.send(message); // the 60 KB neighbour is not echoed
    });
    socket.isStalled = true;
    connection.open(maskedFrame(Opcode.Binary, pattern(1))); // the kernel does not take it: the socket is still writing
    const reads = Array.from({ length: 4 }, (_, i) => Buffer.concat([maskedFrame(opcode, payload), maskedFrame(Opcode.Binary, Buffer.alloc(60_000, i))]));
    for (const read of reads) socket.emit('data', read);
    expect(socket.writableNeedDrain).toBe(false); // below the high-water mark: the socket's own queue, not the backlog

    socket.release();

    expect(socket.written).toEqual(Buffer.concat([unmaskedFrame(Opcode.Binary, pattern(1)), ...reads.map(() => unmaskedFrame(opcode, payload))]));
    for (const chunk of socket.chunks.slice(1)) expect(chunk.buffer.byteLength).toBeLessThanOrEqual(2 * Math.max(chunk.length, 8 * 1024));
    socket.destroy();
  });
});
