import { HistoryRead, RetainedEntry } from '../../../../lib/history/history-backend.interface';
import { RetainedArrival, RetainedGaps } from '../../../../lib/history/redis/retained-gaps';

const NOBODY: ReadonlySet<string> = new Set();
const arrival = (offset: number, epoch = 'e1', except: ReadonlySet<string> = NOBODY): RetainedArrival => ({ room: 'lobby', offset, epoch, frame: Buffer.from(`m${offset}`), except });
const entry = (offset: number, except?: string[]): RetainedEntry => ({ offset, payload: `m${offset}`, except });

/** A history whose reads the test answers, and what was delivered (frame text and except). */
function harness(): { gaps: RetainedGaps; delivered: string[]; answer(read: HistoryRead | Error): void } {
  const delivered: string[] = [];
  let answer: (read: HistoryRead | Error) => void = () => undefined;
  const gaps = new RetainedGaps({
    read: () => new Promise<HistoryRead>((resolve, reject) => (answer = (read) => (read instanceof Error ? reject(read) : resolve(read)))),
    frameOf: (_room, _epoch, { offset }) => Buffer.from(`m${offset}`),
    deliver: ({ frame, except }) => delivered.push(except.size > 0 ? `${frame.toString()} except ${[...except].join(',')}` : frame.toString()),
    hasMembers: () => true,
  });
  return { gaps, delivered, answer: (read) => answer(read) };
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('RetainedGaps', () => {
  it('holds live messages during a fill, delivers the missed ones first, then the held ones, none twice', async () => {
    const { gaps, delivered, answer } = harness();
    gaps.receive(arrival(1));
    const filled = gaps.fill(Promise.resolve(true));
    gaps.receive(arrival(4)); // live after the resubscribe, before the read answered: held
    gaps.receive(arrival(5));
    await settle();
    answer({ epoch: 'e1', top: 4, entries: [entry(2), entry(3, ['ada']), entry(4)] });
    await filled;

    expect(delivered).toEqual(['m1', 'm2', 'm3 except ada', 'm4', 'm5']);
    expect(gaps.filledEntries).toBe(3);
  });

  it('fills nothing from where it had delivered once the node left the room (forget), even during the read', async () => {
    const { gaps, delivered, answer } = harness();
    gaps.receive(arrival(1));
    gaps.forget('lobby'); // the node's last member left: offset 1 is no start for a later member
    gaps.receive(arrival(5)); // the first live message after a member joined again
    const filled = gaps.fill(Promise.resolve(true));
    await settle();
    gaps.forget('lobby'); // left again while the stream was read
    answer({ epoch: 'e1', top: 7, entries: [entry(6), entry(7)] });
    await filled;

    expect(delivered).toEqual(['m1', 'm5']);
    expect(gaps.filledEntries).toBe(0);
  });

  it('delivers nothing of another epoch from the read, and lets the held messages through', async () => {
    const { gaps, delivered, answer } = harness();
    gaps.receive(arrival(7));
    const filled = gaps.fill(Promise.resolve(true));
    gaps.receive(arrival(1, 'e2'));
    await settle();
    answer({ epoch: 'e2', top: 1, entries: [entry(1)] });
    await filled;

    expect(delivered).toEqual(['m7', 'm1']);
  });

  it('lets the held messages through when the read fails (logged), and waits for no resubscribe that never comes', async () => {
    const { gaps, delivered, answer } = harness();
    gaps.receive(arrival(1));
    const filled = gaps.fill(Promise.resolve(false));
    gaps.receive(arrival(3));
    await settle();
    answer(new Error('Connection is closed.'));
    await filled;

    expect(delivered).toEqual(['m1', 'm3']);
  });

  it('drops a live message this node delivered already (a fill gave it)', () => {
    const { gaps, delivered } = harness();
    for (const offset of [1, 2, 2, 1, 3]) gaps.receive(arrival(offset));

    expect(delivered).toEqual(['m1', 'm2', 'm3']);
  });
});
