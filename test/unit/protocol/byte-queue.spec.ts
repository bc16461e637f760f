import { ByteQueue } from '../../../lib/protocol/byte-queue';
import { seededRandom } from '../../helpers/chunking';
import { hex } from '../../helpers/hex';

/** True when `view` is a window onto `chunk`'s memory rather than a copy. */
const sharesMemory = (view: Buffer, chunk: Buffer): boolean =>
  view.buffer === chunk.buffer && view.byteOffset >= chunk.byteOffset && view.byteOffset + view.length <= chunk.byteOffset + chunk.length;

describe('ByteQueue', () => {
  it('counts the bytes pushed and taken', () => {
    const queue = new ByteQueue();

    queue.push(hex('01 02 03'));
    queue.push(hex('04 05'));
    expect(queue.length).toBe(5);
    queue.take(4);
    expect(queue.length).toBe(1);
  });

  it('ignores an empty chunk', () => {
    const queue = new ByteQueue();

    queue.push(Buffer.alloc(0));
    queue.push(hex('01'));
    queue.push(Buffer.alloc(0));

    expect(queue.length).toBe(1);
    expect(queue.take(1)).toEqual(hex('01'));
    expect(queue.length).toBe(0);
  });

  it('returns a view, not a copy, when take() stays inside one chunk', () => {
    const queue = new ByteQueue();
    const chunk = hex('01 02 03 04 05');
    queue.push(chunk);

    const first = queue.take(2);
    const second = queue.take(3);

    expect([first, second]).toEqual([hex('01 02'), hex('03 04 05')]);
    expect(sharesMemory(first, chunk) && sharesMemory(second, chunk)).toBe(true);
    second[0] = 0xff;
    expect(chunk[2]).toBe(0xff);
  });

  it('returns a copy when take() spans chunks', () => {
    const queue = new ByteQueue();
    const a = hex('01 02');
    const b = hex('03');
    const c = hex('04 05 06');
    queue.push(a);
    queue.push(b);
    queue.push(c);

    const taken = queue.take(5);

    expect(taken).toEqual(hex('01 02 03 04 05'));
    expect([a, b, c].some((chunk) => taken.buffer === chunk.buffer && sharesMemory(taken, chunk))).toBe(false);
    expect(queue.take(1)).toEqual(hex('06'));
  });

  it('continues from the middle of a chunk after a take() that spanned chunks', () => {
    const queue = new ByteQueue();
    queue.push(hex('01 02 03'));
    queue.push(hex('04 05 06'));

    queue.take(1);
    expect(queue.take(3)).toEqual(hex('02 03 04'));
    expect(queue.take(2)).toEqual(hex('05 06'));
  });

  it('takeUpTo() returns at most the rest of the first chunk, as a view', () => {
    const queue = new ByteQueue();
    const first = hex('01 02 03');
    queue.push(first);
    queue.push(hex('04 05'));

    const a = queue.takeUpTo(2);
    const b = queue.takeUpTo(10);
    const c = queue.takeUpTo(10);

    expect([a, b, c]).toEqual([hex('01 02'), hex('03'), hex('04 05')]);
    expect(sharesMemory(a, first) && sharesMemory(b, first)).toBe(true);
    expect(queue.length).toBe(0);
  });

  // take() promises "exactly n bytes (n ≤ length)": n = 0 on an empty queue meets that promise.
  it('returns an empty buffer from take(0) and takeUpTo() on an empty queue', () => {
    const queue = new ByteQueue();

    expect(queue.take(0)).toEqual(Buffer.alloc(0));
    expect(queue.takeUpTo(4)).toEqual(Buffer.alloc(0));
    expect(queue.length).toBe(0);
  });

  it('clear() drops every byte and the queue works again afterwards', () => {
    const queue = new ByteQueue();
    queue.push(hex('01 02 03'));
    queue.push(hex('04'));
    queue.take(2);

    queue.clear();
    expect(queue.length).toBe(0);
    queue.push(hex('aa bb'));
    expect(queue.take(2)).toEqual(hex('aa bb'));
  });

  it('keeps the bytes in order across hundreds of chunks and random reads', () => {
    const random = seededRandom(66);
    const queue = new ByteQueue();
    const pushed: number[] = [];
    const taken: number[] = [];
    let next = 0;
    for (let step = 0; step < 2000; step++) {
      if (random() < 0.6) {
        const chunk = Buffer.from(Array.from({ length: Math.floor(random() * 5) }, () => next++ & 0xff));
        pushed.push(...chunk);
        queue.push(chunk);
      } else if (queue.length > 0) {
        const n = 1 + Math.floor(random() * Math.min(queue.length, 12));
        taken.push(...(random() < 0.5 ? queue.take(n) : queue.takeUpTo(n)));
      }
      expect(queue.length).toBe(pushed.length - taken.length);
    }
    if (queue.length > 0) taken.push(...queue.take(queue.length));

    expect(taken).toEqual(pushed);
  });

  it('shows the chunk holding every unconsumed byte, and where they start, only while they sit in one chunk', () => {
    const queue = new ByteQueue();
    const first = Buffer.from('abcdef');
    const second = Buffer.from('gh');
    queue.push(first);
    queue.skip(2);

    expect(queue.soleChunk()).toBe(first);
    expect(queue.headOffset).toBe(2);
    expect(queue.length).toBe(4);
    queue.push(second);
    expect(queue.soleChunk()).toBeUndefined();
    queue.skip(4);
    expect(queue.soleChunk()).toBe(second);
    expect(queue.headOffset).toBe(0);
    queue.skip(2);
    expect(queue.soleChunk()).toBeUndefined();
  });
});
