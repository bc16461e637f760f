// The RedisAdapter of three app nodes on a real 3-master / 3-replica Redis Cluster: broadcasts
// exactly once and in order across nodes, presence agreement, a master SIGKILLed during traffic and
// a busy room's slot migrated during traffic (loss windows printed, nothing delivered twice).
import { RedisNames } from '../../../lib/adapters/redis/redis-channels';
import { slotOf } from '../../../lib/adapters/redis/cluster-slot';
import { PresenceMember } from '../../../lib';
import { ClusterNode } from '../../fixtures/redis/cluster-node.process';
import { pollUntil, withRedisClient } from '../../helpers/redis-admin';
import { RedisCluster } from '../../helpers/redis-cluster';
import { broadcast, expectOnceInOrder, member, trafficDuring } from '../../helpers/room-traffic';
import { waitUntil, WsTestClient } from '../../helpers/ws-test-client';

jest.setTimeout(60_000);

const KEY_PREFIX = 'rc:';
const MESSAGES = 30;
const names = new RedisNames(KEY_PREFIX);

let cluster: RedisCluster;
let nodes: ClusterNode[];
const clients: WsTestClient[] = [];

/** A room whose partition's slot is served by the given master's range. */
async function roomOnMasterOf(slotHint: number, prefix: string): Promise<string> {
  const master = await cluster.masterOf(slotHint);
  const ranges = (await cluster.slots()).filter((range) => range.master === master.address);
  for (let index = 0; ; index++) {
    const room = `${prefix}-${index}`;
    const slot = slotOf(names.roomChannel(room));
    if (ranges.some(({ first, last }) => first <= slot && slot <= last)) return room;
  }
}

describe('RedisAdapter on a Redis Cluster (3 masters, 3 replicas), three app nodes', () => {
  beforeAll(async () => {
    cluster = await RedisCluster.start();
    nodes = await Promise.all(
      ['A', 'B', 'C'].map((name) => ClusterNode.start({ name, redisConnection: { clusterNodes: cluster.seeds }, keyPrefix: KEY_PREFIX, heartbeatIntervalMs: 1000 })),
    );
  }, 90_000);

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close().catch(() => client.terminate())));
  });

  afterAll(async () => {
    await Promise.all((nodes ?? []).map((node) => node.stop()));
    await cluster?.dispose();
  }, 30_000);

  it('delivers every broadcast to every member on every node exactly once, in order per room, over rooms on all three masters', async () => {
    const rooms = await Promise.all([0, 6000, 12000].map((slot, index) => roomOnMasterOf(slot, `spread${index}`)));
    const members = await Promise.all(rooms.flatMap((room) => nodes.map((node) => member(clients, node, room))));

    for (let number = 0; number < MESSAGES; number++) {
      for (const node of nodes) for (const room of rooms) await broadcast(node, room, `${node.name}#${number}`);
    }
    await waitUntil(() => members.every(({ texts }) => texts.length >= MESSAGES * nodes.length), () => `every broadcast; received ${members.map(({ texts }) => texts.length).join(', ')}`, 10_000);

    for (const { texts } of members) {
      expect(texts).toHaveLength(MESSAGES * nodes.length);
      expectOnceInOrder(texts);
    }
  });

  it('answers the same presence on every node', async () => {
    const room = 'presence-room';
    await Promise.all(nodes.map((node, index) => member(clients, node, room, `user-${index}`)));

    const views = await Promise.all(nodes.map((node) => node.get<PresenceMember[]>(`/rooms/${room}/presence`)));
    const named = views.map((view) => view.map(({ meta }) => (meta as { name?: string }).name).sort());

    expect(named).toEqual(nodes.map(() => ['user-0', 'user-1', 'user-2']));
  });

  it("keeps a busy room's traffic flowing when its slot migrates to another master, delivering nothing twice", async () => {
    const room = await roomOnMasterOf(0, 'migrating');
    const members = await Promise.all(nodes.slice(1).map((node) => member(clients, node, room)));
    const slot = slotOf(names.roomChannel(room));
    const { to } = await cluster.migrationOf(slot);

    const report = await trafficDuring(nodes[0], room, members, () => cluster.migrateSlot(slot, to));

    for (const { texts } of members) expectOnceInOrder(texts);
    console.log(`cluster slot migration under traffic: ${report.sent} broadcasts, ${report.lost} lost, first delivery after it ${report.recoveryMs} ms from its start`);
  });

  it('loses no broadcast of a busy room when its slot migrates once the importing master is seen (subscribed ahead), nothing twice', async () => {
    const room = await roomOnMasterOf(6000, 'imported');
    const members = await Promise.all(nodes.slice(1).map((node) => member(clients, node, room)));
    const channel = names.roomChannel(room);
    const slot = slotOf(channel);
    const { to } = await cluster.migrationOf(slot);

    const finish = await cluster.beginSlotMigration(slot, to);
    // Both member nodes subscribe the room's channel on the importing master too (their periodic check).
    const subscribersOn = (node: typeof to): Promise<number> => withRedisClient(node.port, async (redis) => Number(((await redis.pubsub('SHARDNUMSUB', channel)) as [string, number])[1]));
    await pollUntil('both member nodes subscribed ahead on the importing master', async () => (await subscribersOn(to)) === 2, 10_000, () => 'not yet');
    const report = await trafficDuring(nodes[0], room, members, finish);

    expect(report.lost).toBe(0);
    for (const { texts } of members) expectOnceInOrder(texts);
    console.log(`cluster slot migration under traffic, subscribed ahead: ${report.sent} broadcasts, ${report.lost} lost`);
  });

  it("keeps a busy room's traffic flowing when its master is SIGKILLed (replica promoted): loss window measured, nothing twice", async () => {
    const room = await roomOnMasterOf(12000, 'failover');
    const members = await Promise.all(nodes.slice(1).map((node) => member(clients, node, room)));
    let failoverMs = 0;

    const report = await trafficDuring(nodes[0], room, members, async () => ({ failoverMs } = await cluster.killMasterOf(slotOf(names.roomChannel(room)))));

    for (const { texts } of members) expectOnceInOrder(texts);
    const stats = await nodes[0].get<{ undelivered: number }>('/stats');
    console.log(
      `cluster master failover under traffic: promoted after ${failoverMs} ms; ${report.sent} broadcasts, ${report.lost} lost (node A counted ${stats.undelivered} undelivered); first delivery after it ${report.recoveryMs} ms after the kill`,
    );
  });
});
