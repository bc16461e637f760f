import { RateLimiter } from '../../../lib/gateway/rate-limiter';

describe('RateLimiter', () => {
  // The buckets refill by the monotonic clock (performance.now()), which fake timers freeze and advance too:
  // every test is independent of CPU load.
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
    const bytes = limiter({ bytesPerSecond: 10 });
    expect(bytes.admit('é€')).toBe(true); // 5 bytes: 5 left
    expect(bytes.admit('é€é')).toBe(false); // 7 bytes
    expect(bytes.admit('éé')).toBe(true); // 4 bytes: 1 left
    expect([bytes.admit(Buffer.alloc(2)), bytes.admit(Buffer.alloc(1))]).toEqual([false, true]);
  });

  it('charges neither bucket for a message the byte bucket refuses', () => {
    const both = limiter({ messagesPerSecond: 2, bytesPerSecond: 10 });
    expect(both.admit('x'.repeat(6))).toBe(true); // 1 message and 4 bytes left
    expect(both.admit('x'.repeat(5))).toBe(false);
    expect(both.admit('x'.repeat(5))).toBe(false);
    // The refusals left the message bucket as it was: one more message fits, then none.
    expect([both.admit('x'.repeat(4)), both.admit('')]).toEqual([true, false]);
  });

  it('admits a message larger than a whole bucket when the bucket is full, then holds the rate until the debt is paid', () => {
    const bytes = limiter({ bytesPerSecond: 10 });
    expect(bytes.admit('x'.repeat(25))).toBe(true); // 15 bytes in debt
    jest.advanceTimersByTime(1_400);
    expect(bytes.admit('x')).toBe(false); // 14 refilled: still 1 in debt
    jest.advanceTimersByTime(2_000);
    expect(bytes.admit('x'.repeat(25))).toBe(true); // full again
  });

  it('admits one message per 1/messagesPerSecond when burstSeconds holds less than one message', () => {
    const messages = limiter({ messagesPerSecond: 4, burstSeconds: 0.125 }); // half a message
    expect([messages.admit('a'), messages.admit('b')]).toEqual([true, false]);
    jest.advanceTimersByTime(200);
    expect(messages.admit('c')).toBe(false);
    jest.advanceTimersByTime(50);
    expect([messages.admit('d'), messages.admit('e')]).toEqual([true, false]);
  });

  // The debt rule must not open a bypass: whatever the sizes (many under the burst, many over it), what passes in
  // T seconds is at most one burst, T seconds of rate and one message; a client that keeps sending gets the rate.
  it.each([
    ['tiny messages', 1, 3],
    ['messages around the burst', 5, 15],
    ['messages far over the burst', 30, 100],
  ])('holds the average byte rate over 60 s of %s at random intervals', (_name, minBytes, maxBytes) => {
    const bytesPerSecond = 10; // burst: 10 bytes
    const bytes = limiter({ bytesPerSecond });
    let seed = 7;
    const random = (): number => ((seed = (seed * 48_271) % 2_147_483_647) / 2_147_483_647);
    let admittedBytes = 0;
    for (let elapsedMs = 0; elapsedMs < 60_000; ) {
      const size = minBytes + Math.floor(random() * (maxBytes - minBytes + 1));
      if (bytes.admit('x'.repeat(size))) admittedBytes += size;
      const stepMs = 1 + Math.floor(random() * 50);
      jest.advanceTimersByTime(stepMs);
      elapsedMs += stepMs;
    }

    expect(admittedBytes).toBeLessThanOrEqual(10 + 60 * bytesPerSecond + maxBytes);
    expect(admittedBytes).toBeGreaterThanOrEqual(60 * bytesPerSecond - 2 * maxBytes);
  });

  // The wall clock (Date.now()) may be set back or forward between two messages (NTP, an operator);
  // fake timers move it without moving the monotonic clock, as such a jump does.
  describe.each([
    ['full', () => undefined, [true, true, false]],
    ['empty', (bucket: RateLimiter) => [1, 2].forEach(() => bucket.admit('x')), [false, false, false]],
    ['in debt', (bucket: RateLimiter) => bucket.admit('x'.repeat(50)), [false, false, false]],
  ])('with the bucket %s', (_state, drain, admittedAtOnce) => {
    it.each([1_000, 3_600_000])('refills at its rate after the clock is set back %i ms: no lockout', (jumpMs) => {
      const both = limiter({ messagesPerSecond: 2, bytesPerSecond: 10 });
      drain(both);
      jest.setSystemTime(Date.now() - jumpMs);
      jest.advanceTimersByTime(5_000); // pays any debt of the 50-byte message (5 s at 10 bytes per second)

      expect([both.admit('x'), both.admit('x'), both.admit('x')]).toEqual([true, true, false]);
    });

    it('grants nothing more after the clock is set forward an hour', () => {
      const both = limiter({ messagesPerSecond: 2, bytesPerSecond: 10 });
      drain(both);
      jest.setSystemTime(Date.now() + 3_600_000);

      expect([both.admit('x'), both.admit('x'), both.admit('x')]).toEqual(admittedAtOnce);
    });
  });
});
