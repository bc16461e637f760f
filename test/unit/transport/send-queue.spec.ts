import { encodeTextFrame } from '../../../lib/protocol/frame-writer';
import { SendQueue } from '../../../lib/transport/send-queue';
import { RecordingDuplex } from '../../helpers/recording-duplex';

describe('SendQueue', () => {
  let socket: RecordingDuplex;
  let queue: SendQueue;

  beforeEach(() => {
    socket = new RecordingDuplex();
    queue = new SendQueue(socket);
    // The owner's part (Connection does it): the backlog kept while the socket was full leaves on 'drain'.
    socket.on('drain', () => queue.flush());
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

  it('holds the small writes of one tick and hands them to the socket as one buffer, in one write', async () => {
    queue.write(Buffer.from('one '));
    queue.write(Buffer.from('two '));

    expect(socket.chunks).toHaveLength(0);
    expect(queue.bufferedAmount).toBe(8);
    await endOfTick();
    expect(socket.chunks).toHaveLength(1);
    expect(socket.writevCalls).toHaveLength(0);
    expect(socket.chunks[0].toString()).toBe('one two ');
  });

  it('past the high-water mark, moves the tick\'s bytes into the corked socket: write() says wait for drain, one writev at the end of the tick, and what follows waits for the drain', async () => {
    expect(queue.write(Buffer.alloc(10 * 1024, 1))).toBe(true);
    expect(queue.write(Buffer.alloc(6 * 1024, 2))).toBe(false);
    expect(queue.write(Buffer.from('after'))).toBe(false);
    expect(queue.bufferedAmount).toBe(16 * 1024 + 5);
    const drained = new Promise((resolve) => socket.once('drain', resolve));

    await endOfTick();

    expect(socket.writevCalls).toHaveLength(1);
    expect(socket.writevCalls[0].map((chunk) => chunk.length)).toEqual([10 * 1024, 6 * 1024]);
    await drained;
    expect(socket.written.subarray(-5).toString()).toBe('after');
    expect(queue.bufferedAmount).toBe(0);
  });

  it('keeps tiny frames written while the socket is full as their bytes, copied together, and writes them in order after the drain', async () => {
    socket.isStalled = true;
    queue.write(Buffer.alloc(16 * 1024));
    await endOfTick();
    const frames = Array.from({ length: 10_000 }, (_, i) => Buffer.of(0x82, 0x01, i & 0xff));
    for (const frame of frames) expect(queue.write(frame)).toBe(false);
    expect(queue.bufferedAmount).toBe(16 * 1024 + 30_000);
    await endOfTick();
    // The socket's own queue got no object per frame: only the first write is in it.
    expect(socket.writableLength).toBe(16 * 1024);

    socket.release();

    expect(socket.written).toEqual(Buffer.concat([Buffer.alloc(16 * 1024), ...frames]));
    // 30,000 bytes in slabs of 1, 2, 4, 8 and 16 KiB (they double from 1 KiB), after the first write.
    expect(socket.chunks.length).toBeLessThan(8);
    expect(queue.bufferedAmount).toBe(0);
  });

  it('hands what waited for the drain to the socket in one writev: large echoes backed up are not a write per header and per payload', async () => {
    socket.isStalled = true;
    queue.write(Buffer.alloc(16 * 1024));
    await endOfTick();
    const payloads = Array.from({ length: 8 }, (_, i) => Buffer.alloc(4 * 1024, i));
    for (const payload of payloads) queue.writeParts(Buffer.from([0x82, 0x7e, 0x10, 0x00]), payload);
    await endOfTick();
    const writesBefore = socket.chunks.length;

    socket.release();

    expect(socket.written).toEqual(Buffer.concat([Buffer.alloc(16 * 1024), ...payloads.flatMap((payload) => [Buffer.from([0x82, 0x7e, 0x10, 0x00]), payload])]));
    expect(socket.writevCalls).toHaveLength(1);
    expect(socket.chunks.length - writesBefore).toBe(socket.writevCalls[0].length);
  });

  it('writes what it holds before ending the socket', async () => {
    queue.write(Buffer.from('last words'));
    queue.end();
    await new Promise((resolve) => socket.once('finish', resolve));

    expect(socket.written.toString()).toBe('last words');
  });

  it('drops what it holds when the socket is destroyed before the tick ends', async () => {
    queue.write(Buffer.from('never sent'));
    socket.destroy();
    await endOfTick();

    expect(socket.chunks).toHaveLength(0);
    expect(queue.bufferedAmount).toBe(0);
  });

  it('hands a header and its large payload to the socket together, in one writev, without copying', async () => {
    const payload = Buffer.alloc(100_000, 7);

    const isBelowHighWater = queue.writeParts(Buffer.from([0x82, 0x7f]), payload);
    await endOfTick();

    expect(socket.writevCalls).toHaveLength(1);
    expect(socket.writevCalls[0][0]).toEqual(Buffer.from([0x82, 0x7f]));
    expect(socket.writevCalls[0][1]).toBe(payload); // not copied
    expect(isBelowHighWater).toBe(false);
  });

  describe('the replies to one read (beginBatch, endBatch)', () => {
    const textFrame = (text: string): Buffer => encodeTextFrame(text);

    it('holds a read\'s replies until the read ends and writes them in one write, also on a connection read twice in a row', () => {
      queue.beginBatch();
      queue.writeText('a', 1);
      queue.endBatch();

      queue.beginBatch();
      queue.writeText('one', 3);
      queue.writeText('two', 3);
      expect(socket.chunks).toHaveLength(1); // the earlier read's reply only
      queue.endBatch();

      expect(socket.chunks).toHaveLength(2);
      expect(socket.chunks[1]).toEqual(Buffer.concat([textFrame('one'), textFrame('two')]));
    });
  });

  describe('writeText', () => {
    const textFrame = (text: string): Buffer => encodeTextFrame(text);

    it('encodes a read\'s text frames into one buffer, in order with the buffers written between them', async () => {
      queue.writeText('one', 3);
      queue.writeText('two', 3);
      queue.write(Buffer.from([0x82, 0x01, 0x2a]));
      queue.writeText('ü', 2);

      expect(queue.bufferedAmount).toBe(5 + 5 + 3 + 4);
      await endOfTick();
      expect(socket.chunks).toHaveLength(1);
      expect(socket.written).toEqual(Buffer.concat([textFrame('one'), textFrame('two'), Buffer.from([0x82, 0x01, 0x2a]), textFrame('ü')]));
    });

    it('keeps each queue\'s frames its own when two queues write in the same tick, interleaved', async () => {
      const other = new RecordingDuplex();
      const otherQueue = new SendQueue(other);
      for (let i = 0; i < 3; i++) {
        queue.writeText(`a${i}`, 2);
        otherQueue.writeText(`b${i}`, 2);
      }
      await endOfTick();

      expect(socket.written).toEqual(Buffer.concat(['a0', 'a1', 'a2'].map(textFrame)));
      expect(other.written).toEqual(Buffer.concat(['b0', 'b1', 'b2'].map(textFrame)));
      other.destroy();
    });

    it('encodes 4 KiB replies into the shared slab: two queues\' frames share one allocation, and a read\'s two replies leave in one write without a copy to join them', async () => {
      const other = new RecordingDuplex();
      const otherQueue = new SendQueue(other);
      const reply = (i: number): string => `{"event":"echo","data":"${String(i).repeat(4_096)}"}`;
      startFreshSlab();
      queue.beginBatch();
      queue.writeText(reply(1), reply(1).length);
      queue.writeText(reply(2), reply(2).length);
      queue.endBatch();
      otherQueue.writeText(reply(3), reply(3).length);
      await endOfTick();

      expect(socket.chunks).toHaveLength(1);
      expect(socket.written).toEqual(Buffer.concat([textFrame(reply(1)), textFrame(reply(2))]));
      expect(other.written).toEqual(textFrame(reply(3)));
      expect(other.chunks[0].buffer).toBe(socket.chunks[0].buffer);
      other.destroy();
    });

    it('keeps a read\'s replies one view when the shared slab (32 KiB) runs out between them: the first moves to the new slab', () => {
      const fillerSocket = new RecordingDuplex();
      const filler = new SendQueue(fillerSocket);
      const text = (bytes: number, letter: string): string => letter.repeat(bytes - 4);
      startFreshSlab(); // 8 KiB of 32 used
      for (let i = 0; i < 2; i++) filler.writeText(text(8 * 1024, 'f'), 8 * 1024 - 4);
      queue.beginBatch();
      queue.writeText(text(6 * 1024, 'a'), 6 * 1024 - 4); // 2 KiB left
      queue.writeText(text(4 * 1024, 'b'), 4 * 1024 - 4);
      queue.endBatch();

      expect(socket.chunks).toHaveLength(1);
      expect(socket.chunks[0]).toEqual(Buffer.concat([textFrame(text(6 * 1024, 'a')), textFrame(text(4 * 1024, 'b'))]));
      expect(socket.chunks[0].buffer.byteLength).toBe(32 * 1024); // a view of the new slab, not a buffer joining two views
      fillerSocket.destroy();
    });

    it('copies a reply out of the shared slab when the socket is still writing an earlier one: a stalled socket keeps no slab alive per reply', async () => {
      socket.isStalled = true;
      queue.writeText('first', 5);
      await endOfTick();
      queue.writeText('second', 6);
      queue.writeText('third', 5);
      await endOfTick();
      socket.release();

      expect(socket.written).toEqual(Buffer.concat(['first', 'second', 'third'].map(textFrame)));
      expect(socket.chunks[0].buffer.byteLength).toBe(32 * 1024); // the idle socket's write took the view
      expect(socket.chunks.length).toBeGreaterThan(1);
      for (const chunk of socket.chunks.slice(1)) expect(chunk.buffer).not.toBe(socket.chunks[0].buffer);
    });

    /** Writes frames of the slab's largest size from a queue of their own until one starts a new slab (32 KiB): 24 KiB of it are free. */
    function startFreshSlab(): void {
      const filler = new RecordingDuplex();
      const fillerQueue = new SendQueue(filler);
      const text = 'f'.repeat(8 * 1024 - 4);
      for (let i = 0; i < 5 && filler.chunks.at(-1)?.byteOffset !== 0; i++) {
        fillerQueue.beginBatch();
        fillerQueue.writeText(text, text.length);
        fillerQueue.endBatch();
      }
      expect(filler.chunks.at(-1)?.byteOffset).toBe(0);
      filler.destroy();
    }

    it('gives a large text frame a buffer of its own, and keeps the order', async () => {
      const large = 'x'.repeat(70_000);
      queue.writeText('small', 5);
      queue.writeText(large, large.length);
      await endOfTick();

      expect(socket.written).toEqual(Buffer.concat([textFrame('small'), textFrame(large)]));
    });

    it('survives the shared slab running out mid-batch: every frame arrives whole and in order', async () => {
      const texts = Array.from({ length: 400 }, (_, i) => `message ${i} `.padEnd(100, '.'));
      socket.isStalled = true;
      for (const text of texts) queue.writeText(text, text.length);
      await endOfTick();
      socket.release();

      expect(socket.written).toEqual(Buffer.concat(texts.map(textFrame)));
    });
  });
});

