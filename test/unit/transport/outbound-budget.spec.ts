import { admitOutbound, BudgetAnswer, canPong, OutboundBudgetPolicy } from '../../../lib/transport/outbound-budget';
import { SendQueue } from '../../../lib/transport/send-queue';
import { newTrafficCounters, TrafficCounters } from '../../../lib/transport/traffic-counters';
import { RecordingDuplex } from '../../helpers/recording-duplex';

describe('the outbound budget', () => {
  let socket: RecordingDuplex;
  let queue: SendQueue;
  let counters: TrafficCounters;
  const policy = (onBufferOverflow: 'close' | 'drop'): OutboundBudgetPolicy => ({ maxBufferedBytes: 1_000, onBufferOverflow });

  beforeEach(() => {
    socket = new RecordingDuplex();
    queue = new SendQueue(socket);
    counters = newTrafficCounters();
  });

  afterEach(() => socket.destroy());

  it('always admits a message onto an empty queue, however large', () => {
    expect(admitOutbound(queue.bufferedAmount, 1_000_000, policy('close'), counters)).toBe(BudgetAnswer.Send);
  });

  it('refuses a message that would take a non-empty queue past maxBufferedBytes', () => {
    socket.isStalled = true;
    queue.write(Buffer.alloc(600));

    expect(admitOutbound(queue.bufferedAmount, 400, policy('close'), counters)).toBe(BudgetAnswer.Send); // exactly at the limit is allowed
    expect(admitOutbound(queue.bufferedAmount, 401, policy('close'), counters)).toBe(BudgetAnswer.Close);
  });

  it.each([
    ['close', BudgetAnswer.Close, { slowConsumerCloses: 1, droppedOverflow: 0 }],
    ['drop', BudgetAnswer.Drop, { slowConsumerCloses: 0, droppedOverflow: 1 }],
  ] as const)('answers the %s policy past the limit, and counts it once', (onBufferOverflow, answer, counted) => {
    expect(admitOutbound(600, 401, policy(onBufferOverflow), counters)).toBe(answer);
    expect(counters).toMatchObject(counted);
  });

  it('counts nothing for a message it admits', () => {
    admitOutbound(600, 400, policy('drop'), counters);
    expect(counters).toEqual(newTrafficCounters());
  });

  it('skips pongs once 64 KiB wait for the socket', () => {
    expect(canPong(64 * 1024 - 1)).toBe(true);
    expect(canPong(64 * 1024)).toBe(false);
  });
});
