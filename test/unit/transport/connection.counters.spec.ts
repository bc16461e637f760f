import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { encodeClose, encodeFrame } from '../../../lib/protocol/frame-writer';
import { Opcode } from '../../../lib/protocol/opcode';
import { CloseEvent, Connection } from '../../../lib/transport/connection';
import { newTrafficCounters } from '../../../lib/transport/traffic-counters';
import { deflateParams } from '../../helpers/deflate-params';
import { RecordingDuplex } from '../../helpers/recording-duplex';

const DEFLATES = [
  { name: 'deflate off', deflate: undefined },
  { name: 'deflate with context takeover', deflate: deflateParams(true) },
  { name: 'deflate without context takeover', deflate: deflateParams(false) },
];
const CELLS = DEFLATES.flatMap((d) => (['close', 'drop'] as const).map((policy) => ({ ...d, policy })));
const masked = (opcode: Opcode, text: string): Buffer => encodeFrame(Buffer.from(text), { opcode, maskKey: randomBytes(4) });

/**
 * Every outbound path (text, small and large binary, a shared frame, compressed or not, a run
 * behind a compression, ping, pong, close) counts what it hands the socket once: bytesOut is what
 * was written, and messagesOut the data messages, while the budget drops or closes on the way.
 */
describe('Connection traffic counters', () => {
  it.each(CELLS)('$name, $policy on overflow: bytesOut is every byte written, once', async ({ deflate, policy }) => {
    const socket = new RecordingDuplex();
    const counters = newTrafficCounters();
    const connection = new Connection(socket, { maxMessageBytes: 1 << 22, closeTimeoutMs: 1_000, maxBufferedBytes: 200_000, onBufferOverflow: policy, deflate, counters });
    const frame = encodeFrame(Buffer.from('shared'), { opcode: Opcode.Text });
    connection.on('message', (message) => {
      connection.send(message);
      connection.send(Buffer.alloc(70_000, 1)); // past 64 KiB: written after its header
      connection.sendFrame(frame);
      connection.send('y'.repeat(2_000)); // compressed with deflate
      connection.ping(Buffer.from('p'));
    });
    connection.open();
    socket.isStalled = true;
    for (let i = 0; i < 5; i++) socket.push(masked(Opcode.Text, `hello ${i}`));
    socket.push(masked(Opcode.Ping, 'ping'));
    const ended = once(socket, 'finish'); // our close frame, then TCP ends (§7.1.1)
    socket.push(encodeClose(1000, '', randomBytes(4)));
    await new Promise((resolve) => setImmediate(resolve));
    socket.release();
    await ended;
    socket.destroy();
    const [event] = (await once(connection, 'close')) as [CloseEvent];

    // Past maxBufferedBytes the first overflow either closes (1008) or drops; data still went out.
    const overflow = policy === 'close' ? { slowConsumerCloses: 1, droppedOverflow: 0 } : { slowConsumerCloses: 0, droppedOverflow: 3 };
    expect({ ...counters, written: socket.written.length, wasClean: event.wasClean }).toEqual({
      ...counters,
      ...overflow,
      bytesOut: socket.written.length,
      written: socket.written.length,
      wasClean: true,
    });
    expect(counters.messagesOut).toBeGreaterThan(0);
  });
});
