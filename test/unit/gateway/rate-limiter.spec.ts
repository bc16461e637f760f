import { RateLimiter } from '../../../lib/gateway/rate-limiter';

describe('RateLimiter', () => {
  // The buckets refill with Date.now(): a frozen clock makes every test independent of CPU load.
  beforeEach(() => {
    jest.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  const limiter = (options: Parameters<typeof RateLimiter.for>[0]): RateLimiter => {
    const created = RateLimiter.for(options);
    if (!created) throw new Error('expected a limiter');
    return created;
  };

  it('is undefined when neither budget is set', () => {
    expect(RateLimiter.for(undefined)).toBeUndefined();
    expect(RateLimiter.for({})).toBeUndefined();
    expect(RateLimiter.for({ messagesPerSecond: 0, bytesPerSecond: 0 })).toBeUndefined();
  });

  it('admits a burst of burstSeconds × messagesPerSecond messages, then refuses until the bucket refills', () => {
    const messages = limiter({ messagesPerSecond: 2, burstSeconds: 2 });
    expect([1, 2, 3, 4, 5].map(() => messages.admit('x'))).toEqual([true, true, true, true, false]);
    jest.advanceTimersByTime(500);
    expect([messages.admit('x'), messages.admit('x')]).toEqual([true, false]);
  });

  it('counts text by its UTF-8 bytes and binary by its length', () => {
    const bytes = limiter({ bytesPerSecond: 4 });
    expect(bytes.admit('é€')).toBe(false); // 5 bytes
    expect(bytes.admit('éé')).toBe(true); // 4 bytes
    expect(bytes.admit(Buffer.alloc(1))).toBe(false);
  });

  it('charges neither bucket for a message the byte bucket refuses', () => {
    const both = limiter({ messagesPerSecond: 2, bytesPerSecond: 10 });
    expect(both.admit('x'.repeat(11))).toBe(false);
    expect(both.admit('x'.repeat(11))).toBe(false);
    // Both refusals left the message bucket whole: two small messages still pass.
    expect([both.admit('a'), both.admit('b')]).toEqual([true, true]);
    expect(both.admit('c')).toBe(false);
  });

  it('charges both buckets for a message it admits', () => {
    const both = limiter({ messagesPerSecond: 2, bytesPerSecond: 10 });
    expect(both.admit('x'.repeat(6))).toBe(true);
    expect(both.admit('x'.repeat(5))).toBe(false); // 4 bytes left
    expect([both.admit('x'.repeat(4)), both.admit('')]).toEqual([true, false]); // the message budget (2) is spent by the two admitted
  });
});
