import { slotOf } from '../../../../lib/adapters/redis/cluster-slot';

// Expected slots are what redis-server 7.0.15 answers to CLUSTER KEYSLOT for the same keys.
describe('slotOf', () => {
  it.each([
    ['foo', 12182],
    ['123456789', 12739],
    ['', 0],
    ['{user1000}.following', 3443],
    ['x{y', 2740],
    ['a{}b', 13694],
    ['é{ü}z', 9552],
  ])('maps %j to slot %i, as Redis Cluster does', (key, slot) => {
    expect(slotOf(key)).toBe(slot);
  });

  it('hashes the whole key when its first braces are empty, even if a later pair is not ({}{x}, where cluster-key-slot says 11068)', () => {
    expect(slotOf('{}{x}')).toBe(3257);
  });

  it('puts keys sharing a hash tag in one slot, whatever surrounds the tag', () => {
    expect(new Set(['{room:1}:hist', 'p:{room:1}:meta', '{room:1}', '{room:1}}x'].map(slotOf))).toEqual(new Set([slotOf('room:1')]));
  });
});
