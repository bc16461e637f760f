import { RecentIds } from '../../../../lib/adapters/redis/recent-ids';

describe('RecentIds', () => {
  it('reports an id as seen the second time only', () => {
    const recent = new RecentIds(4);

    expect([recent.seen('a'), recent.seen('a'), recent.seen('b')]).toEqual([false, true, false]);
  });

  it('forgets the oldest ids beyond its capacity', () => {
    const recent = new RecentIds(2);
    for (const id of ['a', 'b', 'c']) recent.seen(id);

    expect([recent.seen('c'), recent.seen('b'), recent.seen('a')]).toEqual([true, true, false]);
  });
});
