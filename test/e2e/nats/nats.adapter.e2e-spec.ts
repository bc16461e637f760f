import { AdapterStats, NodeInfo, PresenceMember } from '../../../lib';
import { ClusterNode } from '../../fixtures/redis/cluster-node.process';
import { ClusterMember, connectMember, copies, flushRoom, isEvent, isPresence, joinRoom } from '../../helpers/cluster-member';
import { NatsServer } from '../../helpers/nats-server';
import { TestEnvelope, waitUntil } from '../../helpers/ws-test-client';

const HEARTBEAT_MS = 1000;
const SUBJECT_PREFIX = 'e2e';
const SLOW_TEST_MS = 30_000;
const ORDERED_MESSAGES = 200;

let nats: NatsServer;
let nodes: ClusterNode[];
let open: ClusterMember[] = [];
let roomCount = 0;
const freshRoom = (): string => `room.${++roomCount} *>`; // '.', '*', '>' and a space: none may split or widen a subject

async function connect(node: ClusterNode): Promise<ClusterMember> {
  const member = await connectMember(node);
  open.push(member);
  return member;
}

const flush = (room: string, members: readonly ClusterMember[]): Promise<void> => flushRoom(room, members, nodes);
const texts = (member: ClusterMember, event: string): unknown[] => member.received.filter(isEvent(event)).map((envelope: TestEnvelope) => (envelope.data as { text: unknown }).text);

describe('NatsAdapter across three nodes', () => {
  beforeAll(async () => {
    nats = await NatsServer.start();
    nodes = await Promise.all(['A', 'B', 'C'].map((name) => ClusterNode.start({ name, natsUrl: nats.url, keyPrefix: SUBJECT_PREFIX, heartbeatIntervalMs: HEARTBEAT_MS })));
    // Every node has heard the two others (their hellos) before a test asks across nodes.
    for (const node of nodes) await waitUntil(async () => (await node.get<{ nodes: NodeInfo[] }>('/nodes')).nodes.length === 3, () => `${node.name} did not hear the other nodes`);
  }, 60_000);

  afterEach(async () => {
    await Promise.all(open.map(({ client }) => client.close().catch(() => client.terminate())));
    open = [];
  });

  afterAll(async () => {
    await Promise.all((nodes ?? []).map((node) => node.stop()));
    await nats?.dispose();
  }, 30_000);

  it('delivers a room broadcast to every member on every node exactly once', async () => {
    const room = freshRoom();
    const members = [await connect(nodes[0]), await connect(nodes[1]), await connect(nodes[2]), await connect(nodes[2])];
    for (const member of members) await joinRoom(member, room);

    await nodes[1].post('/broadcast', { rooms: [room], event: 'said', data: { text: 'hello' } });

    for (const member of members) expect(await member.client.nextEnvelope(isEvent('said', 'hello'))).toEqual({ event: 'said', data: { text: 'hello' } });
    await flush(room, members);
    for (const member of members) expect(copies(member, 'said', 'hello')).toBe(1);
  });

  it("keeps each node's broadcasts in the order it sent them, on every node", async () => {
    const room = freshRoom();
    const members = [await connect(nodes[0]), await connect(nodes[1]), await connect(nodes[2])];
    for (const member of members) await joinRoom(member, room);

    // Two senders at once: each one's messages arrive in its order, whatever the interleaving.
    await Promise.all(
      [nodes[0], nodes[2]].map(async (node) => {
        for (let i = 0; i < ORDERED_MESSAGES; i++) await node.post('/broadcast', { rooms: [room], event: 'seq', data: { text: `${node.name}${i}` } });
      }),
    );

    await flush(room, members);
    for (const member of members) {
      const received = texts(member, 'seq') as string[];
      for (const sender of ['A', 'C']) expect(received.filter((text) => text.startsWith(sender))).toEqual(Array.from({ length: ORDERED_MESSAGES }, (_, i) => `${sender}${i}`));
    }
  }, SLOW_TEST_MS);

  it('delivers a broadcast to several rooms once to a member of more than one', async () => {
    const [red, blue] = [freshRoom(), freshRoom()];
    const both = await connect(nodes[2]);
    const redOnly = await connect(nodes[1]);
    const blueOnly = await connect(nodes[0]);
    await joinRoom(both, red);
    await joinRoom(both, blue);
    await joinRoom(redOnly, red);
    await joinRoom(blueOnly, blue);

    await nodes[0].post('/broadcast', { rooms: [red, blue], event: 'said', data: { text: 'to both' } });

    for (const member of [both, redOnly, blueOnly]) await member.client.nextEnvelope(isEvent('said', 'to both'));
    await flush(red, [both, redOnly]);
    await flush(blue, [both, blueOnly]);
    expect([both, redOnly, blueOnly].map((member) => copies(member, 'said', 'to both'))).toEqual([1, 1, 1]);
  });

  it('skips the excepted connections on every node', async () => {
    const room = freshRoom();
    const members = [await connect(nodes[0]), await connect(nodes[1]), await connect(nodes[2])];
    for (const member of members) await joinRoom(member, room);

    await nodes[0].post('/broadcast', { rooms: [room], event: 'said', data: { text: 'not for B or C' }, except: [members[1].id, members[2].id] });
    expect((await members[2].client.request('say', { room, text: 'from C' })).data).toEqual({ sent: true });

    await members[0].client.nextEnvelope(isEvent('said', 'from C'));
    await members[1].client.nextEnvelope(isEvent('said', 'from C'));
    await flush(room, members);
    expect(members.map((member) => copies(member, 'said', 'not for B or C'))).toEqual([1, 0, 0]);
    expect(members.map((member) => copies(member, 'said', 'from C'))).toEqual([1, 1, 0]);
  });

  it('sends to one connection on another node, and answers false for a connection no node has', async () => {
    const target = await connect(nodes[2]);

    expect(await nodes[0].post('/connections/' + target.id, { event: 'direct', data: { text: 'just you' } })).toEqual({ delivered: true });
    expect(await target.client.nextEnvelope(isEvent('direct'))).toEqual({ event: 'direct', data: { text: 'just you' } });
    expect(await nodes[0].post('/connections/no-such-connection', { event: 'direct' })).toEqual({ delivered: false });
    expect(copies(target, 'direct', 'just you')).toBe(1);
  });

  it('sends to a tag whose connections are on two other nodes, once each', async () => {
    const phone = await connect(nodes[1]);
    const laptop = await connect(nodes[2]);
    const stranger = await connect(nodes[2]);
    for (const member of [phone, laptop]) expect((await member.client.request('tag', { tag: 'user:ada' })).data).toEqual({ tag: 'user:ada' });
    const room = freshRoom();
    for (const member of [phone, laptop, stranger]) await joinRoom(member, room);

    await nodes[0].post('/tags/user:ada', { event: 'said', data: { text: 'for ada' } });

    for (const member of [phone, laptop]) await member.client.nextEnvelope(isEvent('said', 'for ada'));
    await flush(room, [phone, laptop, stranger]);
    expect([phone, laptop, stranger].map((member) => copies(member, 'said', 'for ada'))).toEqual([1, 1, 0]);
  });

  it('joins a connection of another node to a room on its node', async () => {
    const room = freshRoom();
    const remote = await connect(nodes[2]);
    const local = await connect(nodes[0]);
    await joinRoom(local, room);

    await nodes[0].post(`/connections/${remote.id}/join`, { room });

    await nodes[0].post('/broadcast', { rooms: [room], event: 'said', data: { text: 'welcome' } });
    expect(await remote.client.nextEnvelope(isEvent('said', 'welcome'))).toEqual({ event: 'said', data: { text: 'welcome' } });
    expect(await nodes[1].get<string[]>(`/connections/${remote.id}/rooms`)).toEqual([room]);
  });

  it('lists the same members, rooms and presence on every node, and tells every node of joins and leaves', async () => {
    const room = freshRoom();
    const watcher = await connect(nodes[0]);
    await joinRoom(watcher, room);
    const ada = await connect(nodes[1]);
    const bob = await connect(nodes[2]);
    await joinRoom(ada, room, 'ada');
    await joinRoom(bob, room, 'bob');

    const expectedPresence: PresenceMember[] = [
      { id: ada.id, meta: { name: 'ada' } },
      { id: bob.id, meta: { name: 'bob' } },
    ].sort((a, b) => a.id.localeCompare(b.id));
    for (const node of nodes) {
      expect(await node.get<string[]>(`/rooms/${encodeURIComponent(room)}/members`)).toEqual([watcher.id, ada.id, bob.id].sort());
      expect(await node.get<PresenceMember[]>(`/rooms/${encodeURIComponent(room)}/presence`)).toEqual(expectedPresence);
      expect(await node.get<string[]>('/rooms')).toContain(room);
      expect(await node.get<string[]>(`/connections/${bob.id}/rooms`)).toEqual([room]);
    }

    await bob.client.close();
    expect(await watcher.client.nextEnvelope(isPresence('join', ada.id))).toEqual({ event: 'presence', data: { room, action: 'join', id: ada.id, meta: { name: 'ada' } } });
    expect(await watcher.client.nextEnvelope(isPresence('leave', bob.id))).toEqual({ event: 'presence', data: { room, action: 'leave', id: bob.id, meta: { name: 'bob' } } });
    for (const node of nodes) expect(await node.get<PresenceMember[]>(`/rooms/${encodeURIComponent(room)}/presence`)).toEqual([{ id: ada.id, meta: { name: 'ada' } }]);
  });

  it('counts connections per node and in total, the same on every node', async () => {
    const own = async (): Promise<number[]> => Promise.all(nodes.map(async (node) => (await node.get<{ connections: number }>('/self')).connections));
    await waitUntil(async () => (await own()).every((count) => count === 0), () => 'connections of earlier tests are still open');
    await connect(nodes[0]);
    await connect(nodes[2]);
    await connect(nodes[2]);

    for (const node of nodes) {
      const { nodes: seen, total } = await node.get<{ nodes: NodeInfo[]; total: number }>('/nodes');
      expect(Object.fromEntries(seen.map((info) => [info.id, info.connections]))).toEqual({ [nodes[0].nodeId]: 1, [nodes[1].nodeId]: 0, [nodes[2].nodeId]: 2 });
      expect(seen.filter((info) => info.isSelf).map((info) => info.id)).toEqual([node.nodeId]);
      expect(total).toBe(3);
    }
  });

  it('keeps local traffic flowing while NATS is down, counts what it could not deliver, and resumes after NATS restarts', async () => {
    const [a, b] = nodes;
    const room = freshRoom();
    const onA = [await connect(a), await connect(a)];
    const onB = await connect(b);
    for (const member of [...onA, onB]) await joinRoom(member, room);
    const before = await a.get<AdapterStats>('/stats');

    await nats.stop('SIGKILL');
    for (const node of nodes) await waitUntil(async () => !(await node.get<AdapterStats>('/stats')).isConnected, () => `${node.name} did not notice NATS going down`);
    await a.post('/broadcast', { rooms: [room], event: 'said', data: { text: 'during the outage' } });
    expect(await a.post('/connections/' + onB.id, { event: 'direct', data: { text: 'during the outage' } })).toEqual({ delivered: false });

    for (const member of onA) await member.client.nextEnvelope(isEvent('said', 'during the outage'));
    const during = await a.get<AdapterStats>('/stats');
    expect(during).toEqual({ isConnected: false, undelivered: before.undelivered + 2, outages: before.outages + 1 });
    // Queries answer from the node itself meanwhile.
    expect(await a.get<string[]>(`/rooms/${encodeURIComponent(room)}/members`)).toEqual(onA.map(({ id }) => id).sort());

    await nats.restart();
    for (const node of nodes) await waitUntil(async () => (await node.get<AdapterStats>('/stats')).isConnected, () => `${node.name} did not reconnect`, 15_000);
    // Every node hears the others again (their hellos after the reconnect).
    for (const node of nodes) await waitUntil(async () => (await node.get<{ nodes: NodeInfo[] }>('/nodes')).nodes.length === 3, () => `${node.name} did not hear the others again`);
    await a.post('/broadcast', { rooms: [room], event: 'said', data: { text: 'from A after' } });
    await b.post('/broadcast', { rooms: [room], event: 'said', data: { text: 'from B after' } });

    for (const member of [...onA, onB]) {
      await member.client.nextEnvelope(isEvent('said', 'from A after'));
      await member.client.nextEnvelope(isEvent('said', 'from B after'));
    }
    expect([...onA, onB].map((member) => copies(member, 'said', 'during the outage'))).toEqual([1, 1, 0]);
    expect(await b.get<string[]>(`/rooms/${encodeURIComponent(room)}/members`)).toEqual([...onA, onB].map(({ id }) => id).sort());
    expect(await a.get<AdapterStats>('/stats')).toEqual({ isConnected: true, undelivered: before.undelivered + 2, outages: before.outages + 1 });
    for (const node of nodes) {
      expect(node.count(/NATS connection lost/)).toBe(1);
      expect(node.count(/NATS connection back/)).toBe(1);
      expect(node.output.split('\n').filter((line) => /ERROR/.test(line))).toEqual([]);
      expect(node.isRunning).toBe(true);
    }
  }, SLOW_TEST_MS);
});
