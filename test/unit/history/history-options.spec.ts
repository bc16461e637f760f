// Which rooms keep history: asked on every broadcast, so the answer for a room must not depend on
// how often it was asked (a RegExp with g or y moves its lastIndex on every test()).
import { resolveHistoryOptions } from '../../../lib/history/history-options.interface';

const askedFourTimes = (isRetained: (room: string) => boolean, room: string): boolean[] => [1, 2, 3, 4].map(() => isRetained(room));

describe('history.rooms', () => {
  it.each([
    ['a glob', 'h:*'],
    ['a RegExp', /^h:/],
    ['a RegExp with g', /^h:/g],
    ['a RegExp with y', /h:/y],
    ['a RegExp with g and y', /h:/gy],
  ])('gives a room the same answer every time it is asked, with %s', (_what, pattern) => {
    const { isRetained } = resolveHistoryOptions({ rooms: [pattern] });

    expect(askedFourTimes(isRetained, 'h:lobby')).toEqual([true, true, true, true]);
    expect(askedFourTimes(isRetained, 'x:h:lobby')).toEqual([false, false, false, false]);
  });

  it('leaves the RegExp it was given as it was', () => {
    const pattern = /^h:/g;
    const { isRetained } = resolveHistoryOptions({ rooms: [pattern] });

    isRetained('h:lobby');

    expect(pattern.lastIndex).toBe(0);
  });
});
