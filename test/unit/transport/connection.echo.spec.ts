import { Opcode } from '../../../lib/protocol/opcode';
import { Connection, ConnectionOptions } from '../../../lib/transport/connection';
import { maskedFrame, unmaskedFrame } from '../../helpers/frames';
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
