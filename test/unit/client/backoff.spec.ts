import { backoffDelayMs } from '../../../lib/client';

const options = { initialDelayMs: 100, maxDelayMs: 1_000 };
const always = (value: number) => () => value;

describe('backoffDelayMs (exponential, full jitter)', () => {
  it('waits random · initialDelayMs on the first attempt', () => {
    expect(backoffDelayMs(1, options, always(0.5))).toBe(50);
  });

  it('doubles the cap with each attempt', () => {
    const delays = [1, 2, 3, 4].map((attempt) => backoffDelayMs(attempt, options, always(0.5)));

    expect(delays).toEqual([50, 100, 200, 400]);
  });

  it('never exceeds maxDelayMs, however many attempts failed', () => {
    expect(backoffDelayMs(5, options, always(0.999_999))).toBe(999);
    expect(backoffDelayMs(50, options, always(0.999_999))).toBe(999);
    expect(backoffDelayMs(5_000, options, always(0.5))).toBe(500);
  });

  it('spreads delays over the whole range, from 0 to just under the cap', () => {
    expect(backoffDelayMs(3, options, always(0))).toBe(0);
    expect(backoffDelayMs(3, options, always(0.999_999))).toBe(399);
  });

  it('treats attempt 0 or below as the first attempt', () => {
    expect(backoffDelayMs(0, options, always(0.5))).toBe(50);
  });

  it('gives whole milliseconds', () => {
    expect(Number.isInteger(backoffDelayMs(2, { initialDelayMs: 3, maxDelayMs: 10 }, always(0.7)))).toBe(true);
  });
});
