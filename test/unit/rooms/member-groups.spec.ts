import { MemberGroups } from '../../../lib/rooms/member-groups';
import { LocalConnections } from '../../../lib/session/local-connections';
import { WsConnection } from '../../../lib/session/ws-connection';

function connectionsWith(ids: readonly string[]): { local: LocalConnections; written: Map<string, Buffer[]> } {
  const local = new LocalConnections();
  const written = new Map<string, Buffer[]>();
  for (const id of ids) {
    written.set(id, []);
    local.add({ id, sendFrame: (frame: Buffer) => written.get(id)?.push(frame) } as unknown as WsConnection);
  }
  return { local, written };
}

describe('MemberGroups', () => {
  it('tells when a group gets its first local member and loses its last', () => {
    const groups = new MemberGroups();

    expect([groups.add('r:lobby', 'c1'), groups.add('r:lobby', 'c2')]).toEqual([true, false]);
    expect(groups.remove('r:lobby', 'c1')).toEqual({ meta: undefined, isLast: false });
    expect(groups.remove('r:lobby', 'c2')).toEqual({ meta: undefined, isLast: true });
    expect(groups.remove('r:lobby', 'c2')).toBeUndefined();
  });

  it('keeps presence metadata until the member leaves, and hands it back then', () => {
    const groups = new MemberGroups();
    groups.add('r:lobby', 'c1', { name: 'ada' });

    expect([...groups.presence('r:lobby')]).toEqual([['c1', { name: 'ada' }]]);
    expect(groups.remove('r:lobby', 'c1')).toEqual({ meta: { name: 'ada' }, isLast: true });
    expect([...groups.presence('r:lobby')]).toEqual([]);
  });

  it('writes the same frame object once to a member of several groups, skipping the exceptions', () => {
    const groups = new MemberGroups();
    const { local, written } = connectionsWith(['c1', 'c2', 'c3']);
    groups.add('r:a', 'c1');
    groups.add('r:b', 'c1');
    groups.add('r:b', 'c2');
    groups.add('r:b', 'c3');
    const frame = Buffer.from([0x81, 0x00]);

    groups.deliver(['r:a', 'r:b'], frame, new Set(['c3']), local);

    expect(written.get('c1')).toEqual([frame]);
    expect(written.get('c2')?.[0]).toBe(frame);
    expect(written.get('c3')).toEqual([]);
  });

  describe.each([
    ['indexed by member (rooms, tags)', true],
    ['without the per-member index (gateway groups)', false],
  ])('%s', (_, isIndexedByMember) => {
    it('tells the groups of a member, and forgets the member once it left them all', () => {
      const groups = new MemberGroups({ isIndexedByMember });
      groups.add('ChatGateway', 'c1');
      groups.add('*', 'c1');
      groups.add('NewsGateway', 'c2');
      groups.add('*', 'c2');

      expect([groups.groupsOfConnection('c1').sort(), groups.groupsOfConnection('c2').sort(), groups.groupsOfConnection('c3')]).toEqual([
        ['*', 'ChatGateway'],
        ['*', 'NewsGateway'],
        [],
      ]);
      expect(groups.footprint()).toEqual({ groups: 3, connectionsInGroups: 2, presenceGroups: 0 });

      for (const group of groups.groupsOfConnection('c1')) groups.remove(group, 'c1');
      expect([groups.groupsOfConnection('c1'), [...groups.members('*')]]).toEqual([[], ['c2']]);
      expect(groups.footprint()).toEqual({ groups: 2, connectionsInGroups: 1, presenceGroups: 0 });
    });
  });
});
