import { SendQueue } from '../../../lib/transport/send-queue';
import { RecordingDuplex } from '../../helpers/recording-duplex';

describe('SendQueue', () => {
  let socket: RecordingDuplex;
  let queue: SendQueue;

  beforeEach(() => {
    socket = new RecordingDuplex();
    queue = new SendQueue(socket, 1_000);
  });

  afterEach(() => socket.destroy());

  const endOfTick = (): Promise<void> => new Promise((resolve) => process.nextTick(resolve));

  it('reports the socket\'s unwritten bytes as bufferedAmount', async () => {
    socket.isStalled = true;
    queue.write(Buffer.alloc(300));
    queue.write(Buffer.alloc(200));

    expect(queue.bufferedAmount).toBe(500);
    await endOfTick();
    socket.release();
    expect(queue.bufferedAmount).toBe(0);
  });

  it('always admits a message onto an empty queue, however large', () => {
    expect(queue.wouldOverflow(1_000_000)).toBe(false);
  });

  it('refuses a message that would take a non-empty queue past maxBufferedBytes', () => {
    socket.isStalled = true;
    queue.write(Buffer.alloc(600));

    expect(queue.wouldOverflow(400)).toBe(false); // exactly at the limit is allowed
    expect(queue.wouldOverflow(401)).toBe(true);
  });

  it('returns false from write() once the socket passes its high-water mark', () => {
    socket.isStalled = true;

    expect(queue.write(Buffer.alloc(1_000))).toBe(true);
    expect(queue.write(Buffer.alloc(16 * 1024))).toBe(false);
  });

  it('writes bytes in the order they were queued', async () => {
    queue.write(Buffer.from('one '));
    queue.write(Buffer.from('two '));
    queue.writeParts(Buffer.from('head '), Buffer.from('payload'));
    await endOfTick();

    expect(socket.written.toString()).toBe('one two head payload');
  });

  it('holds the writes of one tick and hands them to the socket together, in one writev', async () => {
    queue.write(Buffer.from('one '));
    queue.write(Buffer.from('two '));

    expect(socket.writevCalls).toHaveLength(0);
    await endOfTick();
    expect(socket.writevCalls).toHaveLength(1);
    expect(Buffer.concat(socket.writevCalls[0]).toString()).toBe('one two ');
  });

  it('hands a header and its payload to the socket together, in one writev', async () => {
    const payload = Buffer.alloc(100_000, 7);

    const isBelowHighWater = queue.writeParts(Buffer.from([0x82, 0x7f]), payload);
    await endOfTick();

    expect(socket.writevCalls).toHaveLength(1);
    expect(socket.writevCalls[0][0]).toEqual(Buffer.from([0x82, 0x7f]));
    expect(socket.writevCalls[0][1]).toBe(payload); // not copied
    expect(isBelowHighWater).toBe(false);
  });
});
