import { BudgetAnswer, OutboundBudget } from '../../../lib/transport/outbound-budget';
import { SendQueue } from '../../../lib/transport/send-queue';
import { newTrafficCounters, TrafficCounters } from '../../../lib/transport/traffic-counters';
import { RecordingDuplex } from '../../helpers/recording-duplex';

describe('OutboundBudget', () => {
  let socket: RecordingDuplex;
  let queue: SendQueue;
  let counters: TrafficCounters;
  const budgetFor = (onBufferOverflow: 'close' | 'drop'): OutboundBudget => new OutboundBudget(queue, 1_000, onBufferOverflow, counters);

  beforeEach(() => {
    socket = new RecordingDuplex();
    queue = new SendQueue(socket);
    counters = newTrafficCounters();
  });

  afterEach(() => socket.destroy());

  it('always admits a message onto an empty queue, however large', () => {
    expect(budgetFor('close').admit(1_000_000)).toBe(BudgetAnswer.Send);
  });

  it('refuses a message that would take a non-empty queue past maxBufferedBytes', () => {
    const budget = budgetFor('close');
    socket.isStalled = true;
    queue.write(Buffer.alloc(600));

    expect(budget.admit(400)).toBe(BudgetAnswer.Send); // exactly at the limit is allowed
    expect(budget.admit(401)).toBe(BudgetAnswer.Close);
  });

  it.each([
    ['close', BudgetAnswer.Close, { slowConsumerCloses: 1, droppedOverflow: 0 }],
    ['drop', BudgetAnswer.Drop, { slowConsumerCloses: 0, droppedOverflow: 1 }],
  ] as const)('answers the %s policy past the limit, and counts it once', (policy, answer, counted) => {
    const budget = budgetFor(policy);
    socket.isStalled = true;
    queue.write(Buffer.alloc(600));

    expect(budget.admit(401)).toBe(answer);
    expect(counters).toMatchObject(counted);
  });

  it('counts a message waiting for compression at its frame size until it leaves the backlog', () => {
    const budget = budgetFor('drop');
    budget.enterCompressionBacklog(600);

    expect(budget.bufferedBytes).toBe(600);
    expect(budget.admit(401)).toBe(BudgetAnswer.Drop);
    budget.leaveCompressionBacklog(600);
    expect(budget.bufferedBytes).toBe(0);
    expect(budget.admit(401)).toBe(BudgetAnswer.Send);
  });

  it('skips pongs once 64 KiB wait for the socket', () => {
    const budget = budgetFor('close');
    socket.isStalled = true;
    queue.write(Buffer.alloc(64 * 1024 - 1));
    expect(budget.canPong()).toBe(true);

    queue.write(Buffer.alloc(1));
    expect(budget.canPong()).toBe(false);
  });
});
