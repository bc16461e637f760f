import { randomBytes } from 'node:crypto';
import { encodeFrame } from '../../../lib/protocol/frame-writer';
import { Opcode } from '../../../lib/protocol/opcode';
import { Connection } from '../../../lib/transport/connection';
import { ZLIB_ON_LOOP_MAX_BYTES } from '../../../lib/transport/deflate/zlib-pool';
import { deflateParams } from '../../helpers/deflate-params';
import { compressedTextFrame } from '../../helpers/deflate-peer';
import { RecordingDuplex } from '../../helpers/recording-duplex';

const masked = (text: string): Buffer => encodeFrame(Buffer.from(text), { opcode: Opcode.Text, maskKey: randomBytes(4) });

// A message carries when its socket read was handled (the gateway times handlers from there): the
// clock is read once per read, not once per message.
describe('Connection message times', () => {
  afterEach(() => jest.restoreAllMocks());

  it('gives the messages of one read the clock read of that read, and the next read its own', () => {
    let clockMs = 0;
    const now = jest.spyOn(performance, 'now').mockImplementation(() => (clockMs += 10));
    const socket = new RecordingDuplex();
    const connection = new Connection(socket, { maxMessageBytes: 1 << 20, closeTimeoutMs: 1_000, maxBufferedBytes: 1 << 20, onBufferOverflow: 'close' });
    const received: [string, number][] = [];
    connection.on('message', (data, receivedAtMs) => received.push([String(data), receivedAtMs]));
    connection.open();
    now.mockClear();

    socket.emit('data', Buffer.concat([masked('a'), masked('b'), masked('c')]));
    const readsOfFirst = now.mock.calls.length;
    socket.emit('data', masked('d'));

    const [[, first]] = received;
    expect(received).toEqual([['a', first], ['b', first], ['c', first], ['d', expect.any(Number)]]);
    expect(received[3][1]).toBeGreaterThan(first);
    expect(readsOfFirst).toBe(1);
    connection.terminate();
    socket.destroy();
  });

  // A small compressed message is inflated at once, in its read; a large one on the thread pool (ZLIB_ON_LOOP_MAX_BYTES).
  it.each([
    ['a small compressed message, inflated in its read, the read\'s time, like the message after it', 'compressed', 'toBe'],
    ['a large compressed message, inflated on the thread pool, the time it was inflated, and the one behind it the time it was delivered', 'c'.repeat(ZLIB_ON_LOOP_MAX_BYTES + 1), 'toBeGreaterThan'],
  ] as const)('gives %s', async (_case, text, matcher) => {
    let clockMs = 0;
    jest.spyOn(performance, 'now').mockImplementation(() => (clockMs += 10));
    const socket = new RecordingDuplex();
    const connection = new Connection(socket, { maxMessageBytes: 1 << 20, closeTimeoutMs: 1_000, maxBufferedBytes: 1 << 20, onBufferOverflow: 'close', deflate: deflateParams(false) });
    const received: [string, number][] = [];
    const allReceived = new Promise<void>((resolve) =>
      connection.on('message', (data, receivedAtMs) => {
        if (received.push([String(data), receivedAtMs]) === 3) resolve();
      }),
    );
    connection.open();

    socket.emit('data', Buffer.concat([masked('plain'), compressedTextFrame(text), masked('waited')]));
    await allReceived;

    expect(received.map(([data]) => data)).toEqual(['plain', text, 'waited']);
    const [[, readAtMs], [, inflatedAtMs], [, deliveredAtMs]] = received;
    expect(inflatedAtMs)[matcher](readAtMs);
    expect(deliveredAtMs)[matcher](inflatedAtMs);
    connection.terminate();
    socket.destroy();
  });
});
