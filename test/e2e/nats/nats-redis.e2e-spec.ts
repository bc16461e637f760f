// The NatsAdapter with presence and history in Redis (`redis`), across three node processes on one
// nats-server and one redis-server: the shared cross-node cases (test/e2e/cross-node/cross-node.cases.ts,
// with history and resume), then what the pairing must settle: a killed node's members leave by
// Redis's TTL with events, and a room's retained messages from two nodes at once reach every member
// in offset order, each once, although NATS carries the rest.
import { NodeInfo, PresenceMember } from '../../../lib';
import { ClusterNode } from '../../fixtures/redis/cluster-node.process';
import { ClusterMember as Member, isPresence } from '../../helpers/cluster-member';
import { NatsServer } from '../../helpers/nats-server';
import { RedisServer } from '../../helpers/redis-server';
import { TestEnvelope, waitUntil } from '../../helpers/ws-test-client';
import { crossNodeCases, Members } from '../cross-node/cross-node.cases';

const HEARTBEAT_MS = 1000;
const KEY_PREFIX = 'e2e';
const SLOW_TEST_MS = 30_000;
const CONCURRENT_MESSAGES = 150;

let nats: NatsServer;
let redis: RedisServer;
let nodes: ClusterNode[];
const members = new Members(() => nodes);

type Retained = TestEnvelope & { room: string; offset: number; epoch: string };
const retainedOf = (member: Member, room: string): Retained[] => member.received.filter((envelope): envelope is Retained => (envelope as Partial<Retained>).room === room);

describe('NatsAdapter with presence and history in Redis, across three nodes', () => {
  beforeAll(async () => {
    [nats, redis] = await Promise.all([NatsServer.start(), RedisServer.start()]);
    nodes = await Promise.all(
      ['A', 'B', 'C'].map((name) => ClusterNode.start({ name, natsUrl: nats.url, redisUrl: redis.url, keyPrefix: KEY_PREFIX, heartbeatIntervalMs: HEARTBEAT_MS, history: true })),
    );
    for (const node of nodes) await waitUntil(async () => (await node.get<{ nodes: NodeInfo[] }>('/nodes')).nodes.length === 3, () => `${node.name} did not hear the other nodes`);
  }, 60_000);

  afterAll(async () => {
    await Promise.all((nodes ?? []).map((node) => node.stop()));
    await Promise.all([nats?.dispose(), redis?.dispose()]);
  }, 30_000);

  crossNodeCases(() => nodes, members);

  it('delivers a room history written by two nodes at once in offset order, each offset once, on every node', async () => {
    const room = members.freshRoom('h:concurrent');
    const watchers = [await members.connect(nodes[0], '/resume'), await members.connect(nodes[1], '/resume'), await members.connect(nodes[2], '/resume')];
    for (const watcher of watchers) await members.join(watcher, room);

    // Offsets are assigned by Redis (one script per room); the two senders race for them.
    await Promise.all(
      [nodes[0], nodes[2]].map(async (node) => {
        for (let i = 0; i < CONCURRENT_MESSAGES; i++) await node.post('/broadcast', { rooms: [room], event: 'n', data: { text: `${node.name}${i}` } });
      }),
    );

    const total = 2 * CONCURRENT_MESSAGES;
    for (const watcher of watchers) {
      await waitUntil(() => retainedOf(watcher, room).length >= total, () => `${watcher.node.name} got ${retainedOf(watcher, room).length} of ${total}`);
      const offsets = retainedOf(watcher, room).map(({ offset }) => offset);
      expect(offsets).toEqual(Array.from({ length: total }, (_, i) => offsets[0] + i));
    }
    // The same message at each offset on every node.
    const texts = (member: Member): unknown[] => retainedOf(member, room).map(({ data }) => (data as { text: unknown }).text);
    expect(texts(watchers[1])).toEqual(texts(watchers[0]));
    expect(texts(watchers[2])).toEqual(texts(watchers[0]));
  }, SLOW_TEST_MS);

  it("removes a killed node's members from Redis's presence within 2.5 heartbeats, with leave events on the other nodes", async () => {
    const room = members.freshRoom();
    const watchers = [await members.connect(nodes[0]), await members.connect(nodes[1])];
    for (const watcher of watchers) await members.join(watcher, room, 'watcher');
    const doomed = [await members.connect(nodes[2]), await members.connect(nodes[2])];
    for (const member of doomed) await members.join(member, room, 'doomed');
    for (const watcher of watchers) for (const member of doomed) await watcher.client.nextEnvelope(isPresence('join', member.id));

    await nodes[2].kill();

    for (const watcher of watchers) {
      for (const member of doomed) {
        expect((await watcher.client.nextEnvelope(isPresence('leave', member.id), 'a leave event', 2.5 * HEARTBEAT_MS)).data).toEqual({ room, action: 'leave', id: member.id, meta: { name: 'doomed' } });
      }
    }
    const stillThere = watchers.map(({ id }) => id).sort();
    for (const node of nodes.slice(0, 2)) {
      expect((await node.get<PresenceMember[]>(`/rooms/${room}/presence`)).map(({ id }) => id).sort()).toEqual(stillThere);
      expect((await node.get<string[]>(`/rooms/${room}/members`)).sort()).toEqual(stillThere);
    }
  }, SLOW_TEST_MS);
});
