import { MemoryAdapter } from '../../../../lib/adapters/memory/memory.adapter';
import { PresenceChange } from '../../../../lib/rooms/rooms-adapter.interface';
import { fakeLocalConnections } from '../../../helpers/fake-local-connections';

/** A MemoryAdapter over fake connections whose frames are presence changes encoded as JSON. */
function adapterWith(ids: readonly string[]): { adapter: MemoryAdapter; received: Map<string, unknown[]> } {
  const received = new Map<string, unknown[]>(ids.map((id) => [id, []]));
  const adapter = new MemoryAdapter();
  adapter.attach(fakeLocalConnections(ids, (id, frame) => received.get(id)?.push(JSON.parse(frame.toString()))));
  adapter.usePresenceEncoder((change: PresenceChange) => Buffer.from(JSON.stringify(change)));
  return { adapter, received };
}

describe('MemoryAdapter', () => {
  it('lists members that joined with presence, and tells the room when they join and leave', async () => {
    const { adapter, received } = adapterWith(['watcher', 'ada']);
    await adapter.join('watcher', 'lobby');
    await adapter.join('ada', 'lobby', { name: 'ada' });

    expect(await adapter.presence('lobby')).toEqual([{ id: 'ada', meta: { name: 'ada' } }]);
    await adapter.leaveAll('ada');

    expect(received.get('watcher')).toEqual([
      { room: 'lobby', action: 'join', id: 'ada', meta: { name: 'ada' } },
      { room: 'lobby', action: 'leave', id: 'ada', meta: { name: 'ada' } },
    ]);
    expect(await adapter.presence('lobby')).toEqual([]);
  });

  it('announces nothing for members that joined without presence', async () => {
    const { adapter, received } = adapterWith(['watcher', 'quiet']);
    await adapter.join('watcher', 'lobby');
    await adapter.join('quiet', 'lobby');
    await adapter.leave('quiet', 'lobby');

    expect(received.get('watcher')).toEqual([]);
  });

  it('sends to the connections carrying a tag until they are untagged or removed', async () => {
    const { adapter, received } = adapterWith(['phone', 'laptop', 'other']);
    await adapter.tag('phone', 'user:ada');
    await adapter.tag('laptop', 'user:ada');
    await adapter.sendToTag('user:ada', Buffer.from('"first"'), new Set());
    await adapter.untag('phone', 'user:ada');
    await adapter.removeConnection('laptop');
    await adapter.sendToTag('user:ada', Buffer.from('"second"'), new Set());

    expect([...received.values()]).toEqual([['first'], ['first'], []]);
  });

  it('joins and tags nothing for a connection this node does not have open (closed, or never was)', async () => {
    const { adapter, received } = adapterWith(['watcher']);
    await adapter.join('watcher', 'lobby');

    await adapter.join('gone', 'lobby', { name: 'ghost' });
    await adapter.tag('gone', 'user:ghost');

    expect(await adapter.members('lobby')).toEqual(['watcher']);
    expect(await adapter.presence('lobby')).toEqual([]);
    expect(received.get('watcher')).toEqual([]);
    expect(adapter.footprint()).toEqual({ rooms: 1, connectionsInRooms: 1, presenceRooms: 0, tags: 0, taggedConnections: 0 });
  });

  it('reports one node holding every local connection', async () => {
    const { adapter } = adapterWith(['a', 'b']);

    expect(await adapter.nodes()).toEqual([{ id: 'local', connections: 2, isSelf: true }]);
    expect(adapter.stats()).toEqual({ isConnected: true, undelivered: 0, outages: 0 });
  });
});
