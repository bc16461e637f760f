import { currentRead, endRead, startRead } from '../../../lib/transport/read-sequence';

describe('read sequence', () => {
  it('gives each read its own number while it is handled, and 0 between reads', () => {
    startRead();
    const first = currentRead();
    endRead();
    const between = currentRead();
    startRead();
    const second = currentRead();
    endRead();

    expect(first).toBeGreaterThan(0);
    expect(between).toBe(0);
    expect(second).toBeGreaterThan(first);
    expect(currentRead()).toBe(0);
  });
});
