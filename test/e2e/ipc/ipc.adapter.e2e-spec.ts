// Two nodes on IpcAdapters, their hub in another process (as a cluster's primary): what one node
// sends reaches the other's connections through that process, once, and the hub's view of the
// cluster follows the nodes, a node that goes away with members still in rooms included.
import { IpcAdapter } from '../../../lib';
import { encodeTextFrame } from '../../../lib/protocol/frame-writer';
import { HubProcess, startHubProcess } from '../../helpers/ipc-hub-process';
import { FakeNode, startFakeNode } from '../../helpers/rooms-node';
import { waitUntil } from '../../helpers/ws-test-client';

const NOBODY: ReadonlySet<string> = new Set();
const presence = (room: string, action: 'join' | 'leave', id: string, meta: object): unknown => ({ event: 'presence', data: { room, action, id, meta } });

describe('IpcAdapter across two nodes and a hub process', () => {
  let hub: HubProcess;
  let nodes: (FakeNode & { adapter: IpcAdapter })[] = [];

  async function nodeWith(name: string, ids: readonly string[]): Promise<FakeNode & { adapter: IpcAdapter }> {
    const adapter = new IpcAdapter({ port: hub.channel, nodeId: name });
    const fake = { ...(await startFakeNode(adapter, ids)), adapter };
    nodes.push(fake);
    return fake;
  }

  /** A broadcast from each node after what the test sent: the hub relays in order, so once both arrived nothing sent before can still come. */
  async function flush(room: string, watchers: readonly [FakeNode, string][]): Promise<void> {
    for (const [index, { node }] of nodes.entries()) await node.broadcast([room], encodeTextFrame(`"flush-${index}"`), NOBODY);
    for (const [{ received }, id] of watchers) {
      await waitUntil(() => nodes.every((_, index) => received.get(id)?.includes(`flush-${index}`)), () => `${id} did not get the flush markers`);
      received.set(id, received.get(id)?.filter((message) => typeof message !== 'string' || !message.startsWith('flush-')) ?? []);
    }
  }

  beforeAll(async () => {
    hub = await startHubProcess();
  }, 30_000);

  afterEach(async () => {
    for (const { node } of nodes.splice(0)) await node.close();
  });

  afterAll(async () => {
    await hub?.stop();
  });

  it('delivers a broadcast to the members on both nodes exactly once and in order, skipping the excepted', async () => {
    const a = await nodeWith('A', ['ada']);
    const b = await nodeWith('B', ['bob', 'eve']);
    for (const [fake, id] of [[a, 'ada'], [b, 'bob'], [b, 'eve']] as const) await fake.node.join(id, 'lobby');

    for (const text of ['one', 'two', 'three']) await a.node.broadcast(['lobby'], encodeTextFrame(`"${text}"`), new Set(['eve']));
    await flush('lobby', [[a, 'ada'], [b, 'bob'], [b, 'eve']]);

    expect([a.received.get('ada'), b.received.get('bob'), b.received.get('eve')]).toEqual([['one', 'two', 'three'], ['one', 'two', 'three'], []]);
  });

  it('sends to a connection and to a tag on the other node, and answers false for a connection no node holds', async () => {
    const a = await nodeWith('A', ['phone']);
    const b = await nodeWith('B', ['laptop']);
    await a.node.tag('phone', 'user:ada');
    await b.node.tag('laptop', 'user:ada');

    expect(await a.node.sendTo('laptop', encodeTextFrame('"direct"'))).toBe(true);
    expect(await a.node.sendTo('nobody', encodeTextFrame('"lost"'))).toBe(false);
    await b.node.sendToTag('user:ada', encodeTextFrame('"tagged"'), NOBODY);

    await waitUntil(() => a.received.get('phone')?.length === 1 && b.received.get('laptop')?.length === 2, () => 'the sends did not arrive');
    expect([a.received.get('phone'), b.received.get('laptop')]).toEqual([['tagged'], ['direct', 'tagged']]);
  });

  it("joins a connection of the other node through that node, and answers members, presence, rooms and nodes for both", async () => {
    const a = await nodeWith('A', ['ada']);
    const b = await nodeWith('B', ['bob']);
    await a.node.join('ada', 'lobby', { name: 'ada' });
    await a.node.join('bob', 'lobby', { name: 'bob' }); // bob is B's: B applies it, and this resolves once it did

    expect(await b.node.roomsOf('bob')).toEqual(['lobby']);
    await a.node.broadcast(['lobby'], encodeTextFrame('"welcome"'), NOBODY);
    await waitUntil(() => b.received.get('bob')?.includes('welcome') === true, () => 'bob did not get the broadcast after his remote join');
    for (const { adapter } of [a, b]) {
      expect((await adapter.members('lobby')).sort()).toEqual(['ada', 'bob']);
      expect(await adapter.presence('lobby')).toEqual(expect.arrayContaining([{ id: 'ada', meta: { name: 'ada' } }, { id: 'bob', meta: { name: 'bob' } }]));
      expect(await adapter.rooms()).toEqual(['lobby']);
      expect((await adapter.nodes()).map(({ id, connections, isSelf }) => [id, connections, isSelf])).toEqual([
        ['A', 1, adapter === a.adapter],
        ['B', 1, adapter === b.adapter],
      ]);
    }
    expect(a.received.get('ada')).toContainEqual(presence('lobby', 'join', 'bob', { name: 'bob' }));
  });

  it('takes a node that went away with members still in rooms out of the cluster: they leave with presence events', async () => {
    const a = await nodeWith('A', ['ada']);
    const b = await nodeWith('B', ['bob']);
    await a.node.join('ada', 'lobby', { name: 'ada' });
    await b.node.join('bob', 'lobby', { name: 'bob' });

    await b.adapter.close(); // as a worker that died: its connections never left their rooms
    nodes = nodes.filter((node) => node !== b);

    await waitUntil(() => a.received.get('ada')?.some((message) => JSON.stringify(message) === JSON.stringify(presence('lobby', 'leave', 'bob', { name: 'bob' }))) === true, () => "ada did not hear bob's node leave");
    expect(await a.adapter.members('lobby')).toEqual(['ada']);
    expect((await a.adapter.nodes()).map(({ id }) => id)).toEqual(['A']);
    expect(b.adapter.stats()).toMatchObject({ isConnected: false, outages: 0 });
  });
});
