// The RedisAdapter across three node processes on one redis-server: the shared cross-node cases
// (test/e2e/cross-node/cross-node.cases.ts, also run over the IPC broker), then what is Redis's
// own: channel subscriptions, a node's heartbeat and death, a Redis outage.
import { Redis } from 'ioredis';
import { AdapterStats, NodeInfo, PresenceMember } from '../../../lib';
import { RedisNames } from '../../../lib/adapters/redis/redis-channels';
import { ClusterNode } from '../../fixtures/redis/cluster-node.process';
import { RedisServer } from '../../helpers/redis-server';
import { waitUntil } from '../../helpers/ws-test-client';
import { ClusterMember as Member, copies, isEvent, isPresence } from '../../helpers/cluster-member';
import { crossNodeCases, Members } from '../cross-node/cross-node.cases';

const HEARTBEAT_MS = 1000;
const KEY_PREFIX = 'e2e:';
const SLOW_TEST_MS = 20_000;

let redis: RedisServer;
let nodes: ClusterNode[];
const members = new Members(() => nodes);
const connect = (node: ClusterNode): Promise<Member> => members.connect(node);
const join = (member: Member, room: string, name?: string): Promise<void> => members.join(member, room, name);
const freshRoom = (): string => members.freshRoom();

describe('RedisAdapter across three nodes', () => {
  beforeAll(async () => {
    redis = await RedisServer.start();
    nodes = await Promise.all(
      ['A', 'B', 'C'].map((name) => ClusterNode.start({ name, redisUrl: redis.url, keyPrefix: KEY_PREFIX, heartbeatIntervalMs: HEARTBEAT_MS, history: true })),
    );
  }, 60_000);

  afterAll(async () => {
    await Promise.all((nodes ?? []).map((node) => node.stop()));
    await redis?.dispose();
  }, 30_000);

  crossNodeCases(() => nodes, members);

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
