// One contract, every adapter: the same cases run against each implementation of the broker and
// presence store ports (RoomsAdapter), through the node that drives them.
import { Broker, IpcAdapter, MemoryAdapter, NatsAdapter, PresenceStore, RedisAdapter } from '../../../lib';
import { encodeTextFrame } from '../../../lib/protocol/frame-writer';
import { RoomsAdapter } from '../../../lib/rooms/rooms-adapter.interface';
import { HubProcess, startHubProcess } from '../../helpers/ipc-hub-process';
import { NatsServer } from '../../helpers/nats-server';
import { RedisServer } from '../../helpers/redis-server';
import { closeFake, FakeNode, startFakeNode } from '../../helpers/rooms-node';
import { waitUntil } from '../../helpers/ws-test-client';

const NOBODY: ReadonlySet<string> = new Set();
const presence = (room: string, action: 'join' | 'leave', id: string, meta: object): unknown => ({ event: 'presence', data: { room, action, id, meta } });

// The IpcAdapter's hub runs in a child process, as a cluster's primary does: every call crosses a process.
describe.each(['MemoryAdapter', 'RedisAdapter', 'IpcAdapter', 'NatsAdapter'])('%s behind the broker and presence store ports', (implementation) => {
  let redis: RedisServer | undefined;
  let hub: HubProcess | undefined;
  let nats: NatsServer | undefined;
  let prefixes = 0;
  const started: FakeNode[] = [];

  // Typed by the two public ports: what a user writing an adapter implements.
  const adapterFor = (): Broker & PresenceStore => {
    if (implementation === 'MemoryAdapter') return new MemoryAdapter();
    if (implementation === 'IpcAdapter') return new IpcAdapter({ port: (hub as HubProcess).channel });
    if (implementation === 'NatsAdapter') return new NatsAdapter({ servers: (nats as NatsServer).url, subjectPrefix: `contract-${++prefixes}` });
    return new RedisAdapter({ url: (redis as RedisServer).url, keyPrefix: `contract-${++prefixes}:` });
  };

  async function nodeWith(ids: readonly string[]): Promise<FakeNode & { adapter: RoomsAdapter }> {
    const adapter = adapterFor();
    const fake = await startFakeNode(adapter, ids);
    started.push(fake);
    return { ...fake, adapter };
  }

  beforeAll(async () => {
    if (implementation === 'RedisAdapter') redis = await RedisServer.start();
    if (implementation === 'IpcAdapter') hub = await startHubProcess();
    if (implementation === 'NatsAdapter') nats = await NatsServer.start();
  }, 30_000);

  afterEach(async () => {
    for (const fake of started.splice(0)) await fake.node.close();
  });

  afterAll(async () => {
    await redis?.dispose();
    await hub?.stop();
    await nats?.dispose();
  });

  it('answers members, presence, rooms and roomsOf as the joins and leaves left them', async () => {
    const { node, adapter } = await nodeWith(['ada', 'bob']);
    await node.join('ada', 'lobby', { name: 'ada' });
    await node.join('bob', 'lobby');
    await node.join('bob', 'kitchen');
    await node.leave('bob', 'kitchen');

    expect((await adapter.members('lobby')).sort()).toEqual(['ada', 'bob']);
    expect(await adapter.presence('lobby')).toEqual([{ id: 'ada', meta: { name: 'ada' } }]);
    expect(await adapter.rooms()).toEqual(['lobby']);
    expect(await node.roomsOf('bob')).toEqual(['lobby']);
    expect(await adapter.members('kitchen')).toEqual([]);
  });

  it('keeps tags out of the rooms, and reaches every tagged connection once', async () => {
    const { node, adapter, received } = await nodeWith(['phone', 'laptop']);
    await node.tag('phone', 'user:ada');
    await node.tag('laptop', 'user:ada');

    await node.sendToTag('user:ada', encodeTextFrame('"hi"'), new Set(['laptop']));

    expect(await adapter.rooms()).toEqual([]);
    expect([received.get('phone'), received.get('laptop')]).toEqual([['hi'], []]);
  });

  it('delivers a broadcast to several rooms once to a member of more than one, and announces presence to the room', async () => {
    const { node, received } = await nodeWith(['watcher', 'ada']);
    await node.join('watcher', 'red');
    await node.join('watcher', 'blue');
    await node.join('ada', 'red', { name: 'ada' });

    await node.broadcast(['red', 'blue'], encodeTextFrame('"both"'), NOBODY);

    expect(received.get('watcher')).toEqual([presence('red', 'join', 'ada', { name: 'ada' }), 'both']);
    expect(received.get('ada')).toEqual([presence('red', 'join', 'ada', { name: 'ada' }), 'both']); // the joiner is a member when it is announced
  });

  it('forgets a closed connection everywhere once its leaveAll() ran, and tells the rooms it left', async () => {
    const fake = await nodeWith(['watcher', 'ada']);
    const { node, adapter, received } = fake;
    await node.join('watcher', 'lobby');
    await node.join('ada', 'lobby', { name: 'ada' });
    await node.tag('ada', 'user:ada');

    await closeFake(fake, 'ada');
    await node.leaveAll('ada');

    expect(await adapter.members('lobby')).toEqual(['watcher']);
    expect(await adapter.presence('lobby')).toEqual([]);
    expect(await node.roomsOf('ada')).toEqual([]);
    expect(received.get('watcher')).toEqual([presence('lobby', 'join', 'ada', { name: 'ada' }), presence('lobby', 'leave', 'ada', { name: 'ada' })]);
    expect(node.local.footprint()).toEqual({ rooms: 1, connectionsInRooms: 1, presenceRooms: 0, tags: 0, taggedConnections: 0, closing: 0 });
  });

  it.each([
    ['its first member', []],
    ['a room this node already listens to', ['watcher']],
])('leaves nothing behind when a join and a tag race the close, in %s', async (_case, others) => {
    const fake = await nodeWith(['ada', ...others]);
    const { node, adapter } = fake;
    for (const id of others) await node.join(id, 'lobby');

    const joining = node.join('ada', 'lobby', { name: 'ada' });
    const tagging = node.tag('ada', 'user:ada');
    await closeFake(fake, 'ada');
    await node.leaveAll('ada');
    await Promise.all([joining, tagging]);

    expect(await adapter.members('lobby')).toEqual(others);
    expect(await adapter.presence('lobby')).toEqual([]);
    expect(await node.roomsOf('ada')).toEqual([]);
    expect(node.local.footprint()).toMatchObject({ connectionsInRooms: others.length, tags: 0, closing: 0 });
  });

  it('changes nothing and reaches no one for a connection no node holds', async () => {
    const { node, adapter } = await nodeWith(['watcher']);

    await node.join('nobody', 'lobby', { name: 'ghost' });
    await node.leave('nobody', 'lobby');
    await node.leaveAll('nobody');

    expect(await node.sendTo('nobody', encodeTextFrame('"hi"'))).toBe(false);
    expect(await adapter.members('lobby')).toEqual([]);
    expect(await node.roomsOf('nobody')).toEqual([]);
  });

  it('counts this node and its open connections, and reports its link up', async () => {
    const { adapter } = await nodeWith(['a', 'b']);

    await waitUntil(() => adapter.stats().isConnected, () => `${implementation} did not report its link up`);
    expect((await adapter.nodes()).map(({ connections, isSelf }) => ({ connections, isSelf }))).toEqual([{ connections: 2, isSelf: true }]);
    expect(adapter.stats()).toMatchObject({ undelivered: 0, outages: 0 });
  });
});
