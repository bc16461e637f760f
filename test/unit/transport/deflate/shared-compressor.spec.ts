import { randomBytes } from 'node:crypto';
import { Duplex } from 'node:stream';
import { encodeFrame, framePayloadOf } from '../../../../lib/protocol/frame-writer';
import { Opcode } from '../../../../lib/protocol/opcode';
import { Connection } from '../../../../lib/transport/connection';
import { sharedCompressedFrame } from '../../../../lib/transport/deflate/shared-compressor';
import { ZLIB_ON_LOOP_MAX_BYTES } from '../../../../lib/transport/deflate/zlib-pool';
import { inflateMessage } from '../../../helpers/deflate-client';
import { RecordingDuplex } from '../../../helpers/recording-duplex';
import { deflateParams } from '../../../helpers/deflate-params';

const MiB = 1024 * 1024;
const PARAMS = deflateParams(false);

describe('sharedCompressedFrame', () => {
  it('compresses a frame once per parameters and gives every caller the same frame, RSV1 set (RFC 7692 §6)', async () => {
    const frame = encodeFrame(Buffer.from('x'.repeat(4096)), { opcode: Opcode.Text });

    const [first, second] = await Promise.all([sharedCompressedFrame(frame, PARAMS), sharedCompressedFrame(frame, PARAMS)]);

    expect(second).toBe(first);
    expect(first[0]).toBe(0x80 | 0x40 | Opcode.Text);
    expect(inflateMessage(framePayloadOf(first).payload).toString()).toBe('x'.repeat(4096));
  });

  // zlib allocates a context (about 200 KB of RSS, part of it reported as external memory) when a
  // job is made, before it runs: without the process-wide pool, 2,000 connections sending a message
  // each at once took +383 MiB of RSS. A small message is compressed at once, one context at a time.
  it.each([
    ['small messages, compressed at once', 1536],
    ['messages past ZLIB_ON_LOOP_MAX_BYTES, through the thread pool', ZLIB_ON_LOOP_MAX_BYTES],
  ])('keeps zlib contexts bounded for %s: 500 connections sending at once do not each make one', async (_case, randomByteCount) => {
    const sockets: Duplex[] = Array.from({ length: 500 }, () => new RecordingDuplex());
    const connections = sockets.map((socket) => new Connection(socket, { maxMessageBytes: 1 << 20, closeTimeoutMs: 1_000, maxBufferedBytes: 8 << 20, onBufferOverflow: 'close', deflate: PARAMS }));
    const message = randomBytes(randomByteCount).toString('base64');
    const before = process.memoryUsage().external;

    for (const connection of connections) connection.send(message);
    // What the connections hold: their frames, uncompressed or compressed (random base64 shrinks to 3/4).
    const grown = process.memoryUsage().external - before - 500 * message.length;

    sockets.forEach((socket) => socket.destroy());
    await Promise.all(connections.map((connection) => connection.closed));
    expect(grown).toBeLessThan(2 * MiB);
  });
});
