import { newConnectionId } from '../../../lib/transport/connection-id';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('newConnectionId', () => {
  it('returns version 4 UUIDs, none twice, across many draws of random bytes', () => {
    const ids = Array.from({ length: 1_000 }, () => newConnectionId()); // 128 ids per draw

    for (const id of ids) expect(id).toMatch(UUID_V4);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('uses every hex digit in the random positions', () => {
    const digits = new Set(Array.from({ length: 200 }, () => newConnectionId().replace(/-/g, '')).join(''));

    expect([...digits].sort().join('')).toBe('0123456789abcdef');
  });
});
