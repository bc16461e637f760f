import { QueueFullError } from '../../../lib/client';
import { OutboundMessage, Outbox } from '../../../lib/client/outbox';

const message = (event: string, requestId?: number): OutboundMessage => ({ event, text: JSON.stringify({ event }), requestId });
const events = (messages: OutboundMessage[]): string[] => messages.map(({ event }) => event);

describe('Outbox', () => {
  it('gives messages back oldest first, and is empty after drain', () => {
    const outbox = new Outbox(10, 'reject');
    outbox.push(message('a'));
    outbox.push(message('b'));

    expect(events(outbox.drain())).toEqual(['a', 'b']);
    expect(outbox.size).toBe(0);
  });

  it('pushes out the oldest message when full under drop-oldest, and reports it', () => {
    const outbox = new Outbox(2, 'drop-oldest');
    outbox.push(message('a'));
    outbox.push(message('b'));

    const { dropped } = outbox.push(message('c'));

    expect(dropped?.event).toBe('a');
    expect(events(outbox.drain())).toEqual(['b', 'c']);
  });

  it('refuses the newest message when full under drop-newest, and reports it', () => {
    const outbox = new Outbox(2, 'drop-newest');
    outbox.push(message('a'));
    outbox.push(message('b'));

    const { dropped } = outbox.push(message('c'));

    expect(dropped?.event).toBe('c');
    expect(events(outbox.drain())).toEqual(['a', 'b']);
  });

  it('throws QueueFullError when full under reject, and keeps what it had', () => {
    const outbox = new Outbox(1, 'reject');
    outbox.push(message('a'));

    expect(() => outbox.push(message('b'))).toThrow(new QueueFullError('b', 1));
    expect(events(outbox.drain())).toEqual(['a']);
  });

  it('keeps nothing with maxMessages 0: every message is dropped', () => {
    expect(new Outbox(0, 'drop-oldest').push(message('a')).dropped?.event).toBe('a');
    expect(new Outbox(0, 'drop-newest').push(message('a')).dropped?.event).toBe('a');
  });

  it('takes a queued request out by its id', () => {
    const outbox = new Outbox(10, 'reject');
    outbox.push(message('a'));
    outbox.push(message('join', 7));

    expect(outbox.removeRequest(7)).toBe(true);
    expect(outbox.removeRequest(7)).toBe(false);
    expect(events(outbox.drain())).toEqual(['a']);
  });
});
