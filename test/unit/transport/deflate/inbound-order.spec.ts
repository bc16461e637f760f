import { InboundEvent } from '../../../../lib/protocol/inbound-event';
import { InboundOrder } from '../../../../lib/transport/deflate/inbound-order';
import { SerialQueue } from '../../../../lib/transport/deflate/serial-queue';
import { RecordingDuplex } from '../../../helpers/recording-duplex';

const compressed: InboundEvent = { kind: 'compressed', isText: true, data: Buffer.from('x') };
const ping: InboundEvent = { kind: 'ping', payload: Buffer.alloc(0) };

describe('InboundOrder', () => {
  let socket: RecordingDuplex;
  let queue: SerialQueue;
  let parsed: number[];
  let handled: string[];
  /** Inflations in flight, finished by the test in order. */
  let inflations: (() => void)[];
  let order: InboundOrder;

  beforeEach(() => {
    socket = new RecordingDuplex();
    queue = new SerialQueue();
    parsed = [];
    handled = [];
    inflations = [];
    order = new InboundOrder(
      socket,
      queue,
      (bytes) => void parsed.push(bytes.length),
      (event) => {
        handled.push(event.kind);
        if (event.kind === 'compressed') return new Promise<void>((resolve) => inflations.push(resolve));
      },
    );
  });

  afterEach(() => socket.destroy());

  const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

  it('parses a read 4 KiB at a time', () => {
    order.read(Buffer.alloc(10 * 1024));
    expect(parsed).toEqual([4096, 4096, 2048]);
  });

  it('queues everything behind a compressed message sent to the thread pool, and keeps their order', async () => {
    expect(order.mustWait()).toBe(false);
    order.enqueue(compressed);
    expect(order.mustWait()).toBe(true); // behind the inflation
    order.enqueue(ping);
    const steps: string[] = [];
    order.inStreamOrder(() => steps.push('end'));
    await settle();
    expect({ handled, steps }).toEqual({ handled: ['compressed'], steps: [] });

    inflations.shift()!();
    await settle();
    expect({ handled, steps }).toEqual({ handled: ['compressed', 'ping'], steps: ['end'] });
  });

  it('stops reading at 16 waiting messages, keeps the rest of the read unparsed, and resumes at 8', async () => {
    for (let i = 0; i < 17; i++) order.enqueue(compressed); // one inflating, 16 waiting
    order.read(Buffer.alloc(8 * 1024));
    expect({ parsed, isPaused: socket.isPaused() }).toEqual({ parsed: [], isPaused: true });

    // The 9th inflation to finish leaves 8 waiting.
    for (let i = 0; i < 9; i++) {
      await settle();
      expect(socket.isPaused()).toBe(true);
      inflations.shift()!();
    }
    await settle();
    expect({ parsed, isPaused: socket.isPaused() }).toEqual({ parsed: [4096, 4096], isPaused: false });
  });

  it('parses what it kept at once when the socket ends or closes, whatever the backlog', () => {
    for (let i = 0; i < 17; i++) order.enqueue(compressed);
    order.read(Buffer.alloc(1024));
    order.parseUnparsedRead();
    expect(parsed).toEqual([1024]);
  });
});
