import { randomBytes } from 'node:crypto';
import { constants, deflateRawSync } from 'node:zlib';
import { encodeFrame } from '../../../lib/protocol/frame-writer';
import { Opcode } from '../../../lib/protocol/opcode';
import { Connection, ConnectionOptions } from '../../../lib/transport/connection';
import { ZLIB_ON_LOOP_BYTES_PER_READ, ZLIB_ON_LOOP_MAX_BYTES } from '../../../lib/transport/deflate/zlib-pool';
import { deflateParams } from '../../helpers/deflate-params';
import { RecordingDuplex } from '../../helpers/recording-duplex';
import { waitUntil } from '../../helpers/ws-test-client';

const OPTIONS: ConnectionOptions = { maxMessageBytes: 1 << 20, closeTimeoutMs: 1_000, maxBufferedBytes: 8 << 20, onBufferOverflow: 'close' };

/** A masked text frame with RSV1 (§6) whose payload inflates to `inflatedBytes` (compressed alone, §7.2.1). */
const compressedText = (index: number, inflatedBytes: number): Buffer => {
  const text = `${index} `.padEnd(inflatedBytes, 'x');
  const compressed = deflateRawSync(Buffer.from(text), { finishFlush: constants.Z_SYNC_FLUSH });
  return encodeFrame(compressed.subarray(0, compressed.length - 4), { opcode: Opcode.Text, rsv1: true, maskKey: randomBytes(4) });
};

/**
 * Small compressed messages inflate on the event loop (no thread-pool trip), but one read's worth
 * of them is bounded: a read of hundreds of tiny messages that each inflate to 16 KiB (a ~400:1
 * amplification) must not hold the loop while it makes megabytes. Past the budget, the rest of the
 * read takes the pool, in order, and all of it is still delivered.
 */
describe('Connection with permessage-deflate: inflation on the event loop per socket read', () => {
  it.each([
    ['inflating to 16 KiB each (the largest inflated on the loop)', ZLIB_ON_LOOP_MAX_BYTES],
    ['inflating to 1 KiB each', 1024],
  ])('inflates at most ZLIB_ON_LOOP_BYTES_PER_READ of a read of many small messages on the loop, %s, and delivers every message in order', async (_name, inflatedBytes) => {
    const count = Math.ceil((8 * ZLIB_ON_LOOP_BYTES_PER_READ) / inflatedBytes);
    const read = Buffer.concat(Array.from({ length: count }, (_, i) => compressedText(i, inflatedBytes)));
    const socket = new RecordingDuplex();
    const connection = new Connection(socket, { ...OPTIONS, deflate: deflateParams(false) });
    const delivered: number[] = [];
    connection.on('message', (data) => delivered.push(Number.parseInt(String(data), 10)));
    connection.open();

    socket.emit('data', read);
    // What the read delivered before returning to the loop was inflated on it.
    const deliveredInTheRead = delivered.length;
    expect(deliveredInTheRead * inflatedBytes).toBeLessThanOrEqual(ZLIB_ON_LOOP_BYTES_PER_READ + inflatedBytes);
    expect(deliveredInTheRead).toBeGreaterThan(0); // the loop path is still taken for the first ones

    await waitUntil(() => delivered.length === count, () => `${delivered.length} of ${count} delivered`, 30_000);
    expect(delivered).toEqual(Array.from({ length: count }, (_, i) => i));
    connection.terminate();
  }, 60_000);
});
