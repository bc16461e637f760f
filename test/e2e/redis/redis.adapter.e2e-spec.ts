import { Redis } from 'ioredis';
import { AdapterStats, NodeInfo, PresenceMember } from '../../../lib';
import { RedisNames } from '../../../lib/adapters/redis/redis-channels';
import { ClusterNode } from '../../fixtures/redis/cluster-node.process';
import { RedisServer } from '../../helpers/redis-server';
import { TestEnvelope, waitUntil, WsTestClient } from '../../helpers/ws-test-client';

const HEARTBEAT_MS = 1000;
const KEY_PREFIX = 'e2e:';
const SLOW_TEST_MS = 20_000;

/** A client of one node, with the connection id the server gave it and every envelope it received. */
interface Member {
  client: WsTestClient;
  id: string;
  node: ClusterNode;
  received: TestEnvelope[];
}

let redis: RedisServer;
let nodes: ClusterNode[];
let open: Member[] = [];
let roomCount = 0;
const freshRoom = (): string => `room-${++roomCount}`;

async function connect(node: ClusterNode): Promise<Member> {
  const client = await WsTestClient.connect(node.wsUrl());
  const received: TestEnvelope[] = [];
  client.socket.on('message', (data, isBinary) => {
    if (!isBinary) received.push(JSON.parse(String(data)) as TestEnvelope);
  });
  const reply = await client.request<{ id: string }>('whoami');
  const member = { client, id: reply.data?.id ?? '', node, received };
  open.push(member);
  return member;
}

async function join(member: Member, room: string, name?: string): Promise<void> {
  expect((await member.client.request('join', { room, name })).data).toEqual({ room });
}

const isEvent =
  (event: string, text?: unknown) =>
  (envelope: TestEnvelope): boolean =>
    envelope.event === event && (text === undefined || (envelope.data as { text?: unknown } | undefined)?.text === text);

/** Copies of an event (with that text) a member received so far. */
const copies = (member: Member, event: string, text: unknown): number => member.received.filter(isEvent(event, text)).length;

/**
 * Every node broadcasts a marker to the room and every member waits for all of them. A node's
 * subscriber gets messages in publish order, so afterwards nothing sent before can still arrive.
 */
async function flush(room: string, members: readonly Member[], through: readonly ClusterNode[] = nodes): Promise<void> {
  const marker = `flush-${Math.random()}`;
  for (const node of through) await node.post('/broadcast', { rooms: [room], event: 'flush', data: { text: `${marker}-${node.name}` } });
  for (const member of members) {
    for (const node of through) await member.client.nextEnvelope(isEvent('flush', `${marker}-${node.name}`), `the flush marker from ${node.name}`);
  }
}

describe('RedisAdapter across three nodes', () => {
  beforeAll(async () => {
    redis = await RedisServer.start();
    nodes = await Promise.all(
      ['A', 'B', 'C'].map((name) => ClusterNode.start({ name, redisUrl: redis.url, keyPrefix: KEY_PREFIX, heartbeatIntervalMs: HEARTBEAT_MS })),
    );
  }, 60_000);

  afterEach(async () => {
    await Promise.all(open.map(({ client }) => client.close().catch(() => client.terminate())));
    open = [];
  });

  afterAll(async () => {
    await Promise.all((nodes ?? []).map((node) => node.stop()));
    await redis?.dispose();
  }, 30_000);

  it('delivers a room broadcast to every member on every node exactly once', async () => {
    const room = freshRoom();
    const members = [await connect(nodes[0]), await connect(nodes[1]), await connect(nodes[2]), await connect(nodes[2])];
    for (const member of members) await join(member, room);

    await nodes[1].post('/broadcast', { rooms: [room], event: 'said', data: { text: 'hello' } });

    for (const member of members) expect(await member.client.nextEnvelope(isEvent('said', 'hello'))).toEqual({ event: 'said', data: { text: 'hello' } });
    await flush(room, members);
    for (const member of members) expect(copies(member, 'said', 'hello')).toBe(1);
  });

  it('delivers a broadcast to several rooms once to a member of more than one', async () => {
    const [red, blue] = [freshRoom(), freshRoom()];
    const both = await connect(nodes[2]);
    const redOnly = await connect(nodes[1]);
    const blueOnly = await connect(nodes[0]);
    await join(both, red);
    await join(both, blue);
    await join(redOnly, red);
    await join(blueOnly, blue);

    await nodes[0].post('/broadcast', { rooms: [red, blue], event: 'said', data: { text: 'to both' } });

    for (const member of [both, redOnly, blueOnly]) await member.client.nextEnvelope(isEvent('said', 'to both'));
    await flush(red, [both, redOnly]);
    await flush(blue, [both, blueOnly]);
    expect(copies(both, 'said', 'to both')).toBe(1);
  });

  it('skips the excepted connections on every node', async () => {
    const room = freshRoom();
    const members = [await connect(nodes[0]), await connect(nodes[1]), await connect(nodes[2])];
    for (const member of members) await join(member, room);

    await nodes[0].post('/broadcast', { rooms: [room], event: 'said', data: { text: 'not for B or C' }, except: [members[1].id, members[2].id] });
    // A member's own `say` goes to the others: except(client) with the client on another node than them.
    expect((await members[2].client.request('say', { room, text: 'from C' })).data).toEqual({ sent: true });

    await members[0].client.nextEnvelope(isEvent('said', 'not for B or C'));
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
  });

  it('sends to a tag whose connections are on two other nodes', async () => {
    const phone = await connect(nodes[1]);
    const laptop = await connect(nodes[2]);
    const stranger = await connect(nodes[2]);
    for (const member of [phone, laptop]) expect((await member.client.request('tag', { tag: 'user:ada' })).data).toEqual({ tag: 'user:ada' });
    const room = freshRoom();
    for (const member of [phone, laptop, stranger]) await join(member, room);

    await nodes[0].post('/tags/user:ada', { event: 'notification', data: { text: 'for ada' } });

    for (const member of [phone, laptop]) expect(await member.client.nextEnvelope(isEvent('notification'))).toEqual({ event: 'notification', data: { text: 'for ada' } });
    await flush(room, [phone, laptop, stranger]);
    expect([phone, laptop, stranger].map((member) => copies(member, 'notification', 'for ada'))).toEqual([1, 1, 0]);
  });

  it('joins a connection of another node to a room on its node', async () => {
    const room = freshRoom();
    const remote = await connect(nodes[2]);
    const local = await connect(nodes[0]);
    await join(local, room);

    await nodes[0].post(`/connections/${remote.id}/join`, { room });

    await waitUntil(
      async () => (await nodes[0].get<string[]>(`/rooms/${room}/members`)).length === 2,
      () => `${remote.id} did not appear in ${room}`,
    );
    await nodes[0].post('/broadcast', { rooms: [room], event: 'said', data: { text: 'welcome' } });
    expect(await remote.client.nextEnvelope(isEvent('said', 'welcome'))).toEqual({ event: 'said', data: { text: 'welcome' } });
    expect(await nodes[1].get<string[]>(`/connections/${remote.id}/rooms`)).toEqual([room]);
  });

  it('lists the same members, rooms and presence on every node', async () => {
    const room = freshRoom();
    const ada = await connect(nodes[0]);
    const bob = await connect(nodes[1]);
    const quiet = await connect(nodes[2]);
    await join(ada, room, 'ada');
    await join(bob, room, 'bob');
    await join(quiet, room);

    const expectedPresence: PresenceMember[] = [
      { id: ada.id, meta: { name: 'ada' } },
      { id: bob.id, meta: { name: 'bob' } },
    ].sort((a, b) => a.id.localeCompare(b.id));
    for (const node of nodes) {
      expect(await node.get<string[]>(`/rooms/${room}/members`)).toEqual([ada.id, bob.id, quiet.id].sort());
      expect(await node.get<PresenceMember[]>(`/rooms/${room}/presence`)).toEqual(expectedPresence);
      expect(await node.get<string[]>('/rooms')).toContain(room);
      expect(await node.get<string[]>(`/connections/${bob.id}/rooms`)).toEqual([room]);
    }
  });

  it('counts connections per node and in total, the same on every node', async () => {
    // Connections of earlier tests leave Redis after their disconnect hooks: wait until none is left over.
    await waitUntil(
      async () => {
        const { nodes: seen } = await nodes[0].get<{ nodes: NodeInfo[] }>('/nodes');
        const local = await Promise.all(nodes.map((node) => node.get<{ connections: number }>('/self')));
        return nodes.every((node, i) => seen.find(({ id }) => id === node.nodeId)?.connections === local[i].connections);
      },
      () => 'the connection counts in Redis did not settle',
    );
    const before = await nodes[0].get<{ nodes: NodeInfo[]; total: number }>('/nodes');
    await connect(nodes[0]);
    await connect(nodes[2]);
    await connect(nodes[2]);

    const expected = Object.fromEntries(before.nodes.map((node) => [node.id, node.connections]));
    expected[nodes[0].nodeId] += 1;
    expected[nodes[2].nodeId] += 2;
    for (const node of nodes) {
      const { nodes: seen, total } = await node.get<{ nodes: NodeInfo[]; total: number }>('/nodes');
      expect(Object.fromEntries(seen.map((info) => [info.id, info.connections]))).toEqual(expected);
      expect(seen.filter((info) => info.isSelf).map((info) => info.id)).toEqual([node.nodeId]);
      expect(total).toBe(before.total + 3);
    }
  });

  it('subscribes to a room channel only on the nodes holding one of its members', async () => {
    const room = freshRoom();
    const channel = new RedisNames(KEY_PREFIX).roomChannel(room);
    const probe = new Redis(redis.url);
    try {
      const subscribers = async (): Promise<number> => Number(((await probe.pubsub('NUMSUB', channel)) as [string, number])[1]);
      const first = await connect(nodes[0]);
      const second = await connect(nodes[0]);
      const third = await connect(nodes[1]);
      await join(first, room);
      await join(second, room);
      expect(await subscribers()).toBe(1);
      await join(third, room);
      expect(await subscribers()).toBe(2);

      expect((await third.client.request('leave', { room })).data).toEqual({ room });
      expect(await subscribers()).toBe(1);
    } finally {
      probe.disconnect();
    }
  });

  it('tells members on every node when a member with presence joins, leaves or disconnects', async () => {
    const room = freshRoom();
    const watchers = [await connect(nodes[0]), await connect(nodes[1])];
    for (const watcher of watchers) await join(watcher, room);
    const carol = await connect(nodes[2]);
    const dave = await connect(nodes[2]);

    await join(carol, room, 'carol');
    await join(dave, room, 'dave');
    for (const watcher of watchers) {
      expect(await watcher.client.nextEnvelope(isPresence('join', carol.id))).toEqual({ event: 'presence', data: { room, action: 'join', id: carol.id, meta: { name: 'carol' } } });
      await watcher.client.nextEnvelope(isPresence('join', dave.id));
    }

    expect((await carol.client.request('leave', { room })).data).toEqual({ room });
    await dave.client.close();
    for (const watcher of watchers) {
      expect(await watcher.client.nextEnvelope(isPresence('leave', carol.id))).toEqual({ event: 'presence', data: { room, action: 'leave', id: carol.id, meta: { name: 'carol' } } });
      await watcher.client.nextEnvelope(isPresence('leave', dave.id));
    }
    for (const node of nodes) expect(await node.get<PresenceMember[]>(`/rooms/${room}/presence`)).toEqual([]);
  });

  it('removes a node stopped gracefully at once: its members leave with events, it leaves the node list', async () => {
    const room = freshRoom();
    const watcher = await connect(nodes[0]);
    await join(watcher, room);
    // A heartbeat far longer than the test: its deadline cannot pass, so only the graceful stop can
    // explain the leave (no clock compared, which a busy machine would break).
    const extra = await ClusterNode.start({ name: 'D', redisUrl: redis.url, keyPrefix: KEY_PREFIX, heartbeatIntervalMs: 10 * 60_000 });
    try {
      const leaving = await connect(extra);
      await join(leaving, room, 'leaving');
      await watcher.client.nextEnvelope(isPresence('join', leaving.id));
      expect((await nodes[0].get<{ nodes: NodeInfo[] }>('/nodes')).nodes.map(({ id }) => id)).toContain(extra.nodeId);

      await extra.stop();

      await watcher.client.nextEnvelope(isPresence('leave', leaving.id), 'a leave event', SLOW_TEST_MS / 2);
      expect((await nodes[0].get<{ nodes: NodeInfo[] }>('/nodes')).nodes.map(({ id }) => id)).not.toContain(extra.nodeId);
      expect(await nodes[1].get<string[]>(`/rooms/${room}/members`)).toEqual([watcher.id]);
    } finally {
      await extra.stop('SIGKILL');
    }
  }, SLOW_TEST_MS);

  // A node's deadline in a room is 1.5 periods past its last refresh, and a live node's next refresh removes its members: 2.5 periods at most.
  it("removes a killed node's members from presence on the others within 2.5 heartbeats, with leave events", async () => {
    const room = freshRoom();
    const watchers = [await connect(nodes[0]), await connect(nodes[1])];
    for (const watcher of watchers) await join(watcher, room, 'watcher');
    const doomed = [await connect(nodes[2]), await connect(nodes[2])];
    for (const member of doomed) await join(member, room, 'doomed');
    for (const watcher of watchers) {
      for (const member of doomed) await watcher.client.nextEnvelope(isPresence('join', member.id));
    }

    const killedAt = Date.now();
    await nodes[2].kill();

    for (const watcher of watchers) {
      for (const member of doomed) {
        expect((await watcher.client.nextEnvelope(isPresence('leave', member.id), 'a leave event', 2.5 * HEARTBEAT_MS)).data).toEqual({
          room,
          action: 'leave',
          id: member.id,
          meta: { name: 'doomed' },
        });
      }
    }
    expect(Date.now() - killedAt).toBeLessThanOrEqual(2.5 * HEARTBEAT_MS);
    const stillThere = watchers.map(({ id }) => id).sort();
    for (const node of nodes.slice(0, 2)) {
      expect((await node.get<PresenceMember[]>(`/rooms/${room}/presence`)).map(({ id }) => id)).toEqual(stillThere);
      expect(await node.get<string[]>(`/rooms/${room}/members`)).toEqual(stillThere);
      expect((await node.get<{ nodes: NodeInfo[] }>('/nodes')).nodes.map(({ id }) => id).sort()).toEqual([nodes[0].nodeId, nodes[1].nodeId].sort());
    }
  }, SLOW_TEST_MS);

  it('keeps local traffic flowing while Redis is down, counts what it could not deliver, and resumes after Redis restarts', async () => {
    const [a, b] = nodes;
    const room = freshRoom();
    const onA = [await connect(a), await connect(a)];
    const onB = await connect(b);
    for (const member of [...onA, onB]) await join(member, room, 'm');
    const undeliveredBefore = (await a.get<AdapterStats>('/stats')).undelivered;

    await redis.stop('SIGKILL');
    for (const node of [a, b]) await waitUntil(async () => !(await node.get<AdapterStats>('/stats')).isConnected, () => `${node.name} did not notice Redis going down`);
    await a.post('/broadcast', { rooms: [room], event: 'said', data: { text: 'during the outage' } });

    for (const member of onA) await member.client.nextEnvelope(isEvent('said', 'during the outage'));
    expect((await a.get<AdapterStats>('/stats')).undelivered).toBeGreaterThan(undeliveredBefore);

    await redis.restart();
    for (const node of [a, b]) await waitUntil(async () => (await node.get<AdapterStats>('/stats')).isConnected, () => `${node.name} did not reconnect`, 10_000);
    await a.post('/broadcast', { rooms: [room], event: 'said', data: { text: 'from A after' } });
    await b.post('/broadcast', { rooms: [room], event: 'said', data: { text: 'from B after' } });

    for (const member of [...onA, onB]) {
      await member.client.nextEnvelope(isEvent('said', 'from A after'));
      await member.client.nextEnvelope(isEvent('said', 'from B after'));
    }
    expect([...onA, onB].map((member) => copies(member, 'said', 'during the outage'))).toEqual([1, 1, 0]);
    for (const node of [a, b]) {
      // The restarted Redis was empty: each node wrote its own members back.
      expect(await node.get<string[]>(`/rooms/${room}/members`)).toEqual([...onA, onB].map(({ id }) => id).sort());
      expect(node.count(/Redis unreachable/)).toBe(1);
      expect(node.count(/Redis reachable again/)).toBe(1);
      expect(node.output.split('\n').filter((line) => /ERROR/.test(line))).toEqual([]);
      expect(node.isRunning).toBe(true);
    }
    expect((await a.get<AdapterStats>('/stats')).outages).toBe(1);
  }, SLOW_TEST_MS);
});

const isPresence =
  (action: 'join' | 'leave', id: string) =>
  (envelope: TestEnvelope): boolean => {
    const data = envelope.data as { action?: string; id?: string } | undefined;
    return envelope.event === 'presence' && data?.action === action && data.id === id;
  };
