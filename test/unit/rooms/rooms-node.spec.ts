import { MemoryAdapter } from '../../../lib/adapters/memory/memory.adapter';
import { encodeTextFrame } from '../../../lib/protocol/frame-writer';
import { closeFake, startFakeNode } from '../../helpers/rooms-node';

const NOBODY: ReadonlySet<string> = new Set();
const presence = (room: string, action: 'join' | 'leave', id: string, meta: object): unknown => ({ event: 'presence', data: { room, action, id, meta } });

describe('RoomsNode over the MemoryAdapter', () => {
  afterEach(() => jest.restoreAllMocks());

  it('lists members that joined with presence, and tells the room when they join and leave', async () => {
    const adapter = new MemoryAdapter();
    const { node, received } = await startFakeNode(adapter, ['watcher', 'ada']);
    await node.join('watcher', 'lobby');
    await node.join('ada', 'lobby', { name: 'ada' });

    expect(await adapter.presence('lobby')).toEqual([{ id: 'ada', meta: { name: 'ada' } }]);
    await node.leaveAll('ada');

    expect(received.get('watcher')).toEqual([presence('lobby', 'join', 'ada', { name: 'ada' }), presence('lobby', 'leave', 'ada', { name: 'ada' })]);
    expect(await adapter.presence('lobby')).toEqual([]);
  });

  it('announces nothing for members that joined without presence', async () => {
    const { node, received } = await startFakeNode(new MemoryAdapter(), ['watcher', 'quiet']);
    await node.join('watcher', 'lobby');
    await node.join('quiet', 'lobby');
    await node.leave('quiet', 'lobby');

    expect(received.get('watcher')).toEqual([]);
  });

  it('sends to the connections carrying a tag until they are untagged or closed', async () => {
    const { node, received } = await startFakeNode(new MemoryAdapter(), ['phone', 'laptop', 'other']);
    await node.tag('phone', 'user:ada');
    await node.tag('laptop', 'user:ada');
    await node.sendToTag('user:ada', encodeTextFrame('"first"'), NOBODY);
    await node.untag('phone', 'user:ada');
    await node.closed('laptop');
    await node.sendToTag('user:ada', encodeTextFrame('"second"'), NOBODY);

    expect([...received.values()]).toEqual([['first'], ['first'], []]);
  });

  it('joins and tags nothing for a connection this node does not have open (closed, or never was)', async () => {
    const { node, received } = await startFakeNode(new MemoryAdapter(), ['watcher', 'closing']);
    await node.join('watcher', 'lobby');
    await node.closed('closing');

    await node.join('gone', 'lobby', { name: 'ghost' });
    await node.tag('gone', 'user:ghost');
    await node.join('closing', 'lobby', { name: 'late' });
    await node.tag('closing', 'user:late');

    expect([...node.local.rooms.members('lobby')]).toEqual(['watcher']);
    expect(received.get('watcher')).toEqual([]);
    expect(node.local.footprint()).toEqual({ rooms: 1, connectionsInRooms: 1, presenceRooms: 0, tags: 0, taggedConnections: 0, closing: 1 });
  });

  it('forgets a closed connection once its leaveAll() has run: rooms, tags and the closing mark', async () => {
    const { node, received } = await startFakeNode(new MemoryAdapter(), ['watcher', 'ada']);
    await node.join('watcher', 'lobby');
    await node.join('ada', 'lobby', { name: 'ada' });
    await node.join('ada', 'kitchen');
    await node.tag('ada', 'user:ada');

    await node.closed('ada');
    expect(await node.roomsOf('ada')).toEqual(['lobby', 'kitchen']); // the disconnect hook still sees them
    await node.leaveAll('ada');

    expect(await node.roomsOf('ada')).toEqual([]);
    expect(received.get('watcher')).toEqual([presence('lobby', 'join', 'ada', { name: 'ada' }), presence('lobby', 'leave', 'ada', { name: 'ada' })]);
    expect(node.local.footprint()).toEqual({ rooms: 1, connectionsInRooms: 1, presenceRooms: 0, tags: 0, taggedConnections: 0, closing: 0 });
  });

  it('leaves every room at once: a broadcast sent right after leaveAll() reaches none of them', async () => {
    const { node, received } = await startFakeNode(new MemoryAdapter(), ['ada']);
    for (const room of ['a', 'b', 'c']) await node.join('ada', room);

    const leaving = node.leaveAll('ada');
    await node.broadcast(['a', 'b', 'c'], encodeTextFrame('"after"'), NOBODY);
    await leaving;

    expect(received.get('ada')).toEqual([]);
  });

  it('sends to one connection of this node, and to none when it is not open here', async () => {
    const { node, received } = await startFakeNode(new MemoryAdapter(), ['ada']);

    expect(await node.sendTo('ada', encodeTextFrame('"hi"'))).toBe(true);
    expect(await node.sendTo('elsewhere', encodeTextFrame('"hi"'))).toBe(false);
    expect(received.get('ada')).toEqual(['hi']);
  });

  it('keeps a copy of presence metadata taken at the join, and refuses what JSON cannot hold before anything changed', async () => {
    const { node } = await startFakeNode(new MemoryAdapter(), ['ada']);
    const meta: Record<string, unknown> = { name: 'ada' };

    await expect(node.join('ada', 'refused', { big: 1n })).rejects.toThrow(TypeError);
    await node.join('ada', 'kept', meta);
    meta.name = 'changed';

    expect(await node.roomsOf('ada')).toEqual(['kept']);
    expect([...node.local.rooms.presence('kept')]).toEqual([['ada', { name: 'ada' }]]);
  });

  it('announces every presence leave of leaveAll() even when the codec refuses one of them', async () => {
    const { node, received } = await startFakeNode(new MemoryAdapter(), ['watcher', 'ada']);
    for (const room of ['a', 'b']) {
      await node.join('watcher', room);
      await node.join('ada', room, { room });
    }
    received.set('watcher', []);
    jest.spyOn(JSON, 'stringify').mockImplementationOnce(() => {
      throw new Error('refused');
    });

    await expect(node.leaveAll('ada')).rejects.toThrow(AggregateError);

    expect(received.get('watcher')).toEqual([presence('b', 'leave', 'ada', { room: 'b' })]);
    expect(node.local.footprint()).toMatchObject({ rooms: 2, connectionsInRooms: 1, presenceRooms: 0 });
  });

  it('forgets a closed connection and announces its leaves even when every port of the adapter rejects', async () => {
    const adapter = new MemoryAdapter();
    const { node, connections, received } = await startFakeNode(adapter, ['watcher', 'ada']);
    await node.join('watcher', 'lobby');
    await node.join('ada', 'lobby', { name: 'ada' });
    await node.join('ada', 'alone');
    await node.tag('ada', 'user:ada');
    for (const port of ['unsubscribe', 'leave', 'removeConnection'] as const) jest.spyOn(adapter, port).mockRejectedValue(new Error(`${port} failed`));

    await expect(closeFake({ node, connections, received }, 'ada')).rejects.toThrow('unsubscribe failed');
    await expect(node.leaveAll('ada')).rejects.toThrow('unsubscribe failed');

    expect(received.get('watcher')).toEqual([presence('lobby', 'join', 'ada', { name: 'ada' }), presence('lobby', 'leave', 'ada', { name: 'ada' })]);
    expect(node.local.footprint()).toEqual({ rooms: 1, connectionsInRooms: 1, presenceRooms: 0, tags: 0, taggedConnections: 0, closing: 0 });
    expect(await node.roomsOf('ada')).toEqual([]);
  });

  it('keeps a join here and tells the caller when the store rejects it: local members still get the room', async () => {
    const adapter = new MemoryAdapter();
    const { node, received } = await startFakeNode(adapter, ['ada']);
    jest.spyOn(adapter, 'join').mockRejectedValue(new Error('store away'));

    await expect(node.join('ada', 'lobby')).rejects.toThrow('store away');
    await node.broadcast(['lobby'], encodeTextFrame('"still here"'), NOBODY);

    expect(received.get('ada')).toEqual(['still here']);
    expect(await node.roomsOf('ada')).toEqual(['lobby']);
  });

  it('reports one node holding every local connection', async () => {
    const { node } = await startFakeNode(new MemoryAdapter(), ['a', 'b']);
    const adapter = new MemoryAdapter();
    await adapter.start(node);

    expect(await adapter.nodes()).toEqual([{ id: 'local', connections: 2, isSelf: true }]);
    expect(adapter.stats()).toEqual({ isConnected: true, undelivered: 0, outages: 0 });
  });
});
