// The RedisAdapter of two app nodes finding Redis through Sentinel (1 master, 1 replica, 3
// sentinels from Debian's packages): rooms across nodes, and a master SIGKILLed during traffic:
// publishes resume on the promoted replica, nothing arrives twice or out of order, the loss window
// and the time to the first delivery after the kill are printed.
import { ClusterNode } from '../../fixtures/redis/cluster-node.process';
import { RedisSentinelSet } from '../../helpers/redis-sentinel';
import { broadcast, expectOnceInOrder, member, trafficDuring } from '../../helpers/room-traffic';
import { waitUntil, WsTestClient } from '../../helpers/ws-test-client';

jest.setTimeout(60_000);

let sentinel: RedisSentinelSet;
let nodes: ClusterNode[];
const clients: WsTestClient[] = [];

describe('RedisAdapter through Redis Sentinel, two app nodes', () => {
  beforeAll(async () => {
    sentinel = await RedisSentinelSet.start();
    const redisConnection = { redisOptions: { sentinels: sentinel.endpoints, name: sentinel.name } };
    nodes = await Promise.all(['A', 'B'].map((name) => ClusterNode.start({ name, redisConnection, keyPrefix: 'rs:', heartbeatIntervalMs: 1000 })));
  }, 60_000);

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close().catch(() => client.terminate())));
  });

  afterAll(async () => {
    await Promise.all((nodes ?? []).map((node) => node.stop()));
    await sentinel?.dispose();
  }, 30_000);

  it('delivers a broadcast from one node to members on both', async () => {
    const members = await Promise.all(nodes.map((node) => member(clients, node, 'lobby')));

    await broadcast(nodes[0], 'lobby', 'A#0');
    await broadcast(nodes[1], 'lobby', 'B#0');

    await waitUntil(() => members.every(({ texts }) => texts.length === 2), () => `both broadcasts on both members: ${members.map(({ texts }) => texts.join(' '))}`, 10_000);
    for (const { texts } of members) expect([...texts].sort()).toEqual(['A#0', 'B#0']);
  });

  it('resumes publishing on the promoted replica after the master is SIGKILLed: nothing twice, loss window measured', async () => {
    const room = 'failover';
    const members = await Promise.all(nodes.map((node) => member(clients, node, room)));
    let failoverMs = 0;

    const report = await trafficDuring(nodes[0], room, [members[1]], async () => ({ failoverMs } = await sentinel.killMaster()));

    for (const { texts } of members) expectOnceInOrder(texts);
    const stats = await nodes[0].get<{ undelivered: number; outages: number }>('/stats');
    expect(stats.outages).toBeGreaterThanOrEqual(1);
    console.log(
      `sentinel failover under traffic: promoted after ${failoverMs} ms; ${report.sent} broadcasts, ${report.lost} lost on the other node (node A counted ${stats.undelivered} undelivered); first delivery after it ${report.recoveryMs} ms after the kill`,
    );
  });
});
