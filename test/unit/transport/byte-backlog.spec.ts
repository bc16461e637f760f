import { ByteBacklog } from '../../../lib/transport/byte-backlog';
import { RecordingDuplex } from '../../helpers/recording-duplex';
import { retainedBytes } from '../../helpers/retained-memory';

const KiB = 1024;
const MiB = 1024 * KiB;

/** Sizes around the copy threshold (4 KiB) and the slab size (64 KiB), and tiny ones between them. */
const SIZES = [1, 2, 125, 126, 4 * KiB - 1, 4 * KiB, 4 * KiB + 1, 64 * KiB - 1, 64 * KiB, 64 * KiB + 1, 3, 200 * KiB, 1];

const chunkOf = (index: number, byteLength: number): Buffer => Buffer.alloc(byteLength, index & 0xff);

describe('ByteBacklog', () => {
  it.each([
    ['in the order given', SIZES],
    ['in reverse order', [...SIZES].reverse()],
    ['each size between many tiny chunks', SIZES.flatMap((size) => [1, 2, size, 3, 1])],
  ])('writes every byte in order, chunk sizes %s', (_label, sizes) => {
    const backlog = new ByteBacklog();
    const socket = new RecordingDuplex();
    const chunks = sizes.map((size, index) => chunkOf(index, size));
    for (const chunk of chunks) backlog.push(chunk);

    expect(backlog.byteLength).toBe(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
    backlog.writeTo((bytes) => socket.write(bytes));

    expect(socket.written.equals(Buffer.concat(chunks))).toBe(true);
    expect(backlog.byteLength).toBe(0);
    socket.destroy();
  });

  // Many slow connections with a few bytes backed up each: a 64 KiB slab each was 625 MiB of
  // Buffers for 10,000 of them holding 2 bytes (12c5166).
  it('holds a few bytes in about that much memory: 10,000 backlogs of 2 bytes take less than 16 MiB', () => {
    const backlogs: ByteBacklog[] = [];
    const before = retainedBytes();
    for (let i = 0; i < 10_000; i++) {
      const backlog = new ByteBacklog();
      backlog.push(Buffer.of(0x82, 0x00));
      backlogs.push(backlog);
    }
    const grown = retainedBytes() - before;

    expect(backlogs).toHaveLength(10_000);
    expect(grown).toBeLessThan(16 * MiB);
  });

  it('copies a flood of tiny chunks into few slabs: 1 M chunks of 3 bytes take less than 3 times their bytes', () => {
    const backlog = new ByteBacklog();
    const chunk = Buffer.of(0x82, 0x01, 0x00);
    const before = retainedBytes();
    for (let i = 0; i < 1_000_000; i++) backlog.push(chunk);
    const grown = retainedBytes() - before;

    expect(backlog.byteLength).toBe(3_000_000);
    expect(grown).toBeLessThan(9_000_000);
  });
});
