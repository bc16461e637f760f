// Silent-loss detection on a Redis Cluster: one master's subscriber connection stays open and stops
// delivering (a proxy stops forwarding what that master sends on it; the node's command connection
// through the same proxy keeps working). The node's probe on that connection does not come back: it
// reconnects it, resubscribes, and its members get what they missed from the room's history, in
// order and once, without reconnecting themselves.
import { RedisAdapter } from '../../../lib';
import { slotOf } from '../../../lib/adapters/redis/cluster-slot';
import { RedisNames } from '../../../lib/adapters/redis/redis-channels';
import { HistoryAppServer, startHistoryApp } from '../history/history-app-server';
import { range, ResumingClient } from '../history/resuming-client';
import { withRedisClient } from '../../helpers/redis-admin';
import { RedisCluster } from '../../helpers/redis-cluster';
import { RedisServer } from '../../helpers/redis-server';
import { TcpProxy } from '../../helpers/tcp-proxy';
import { waitUntil } from '../../helpers/ws-test-client';

jest.setTimeout(60_000);

const KEY_PREFIX = 'silentc:';
const HEARTBEAT_MS = 200;
const ROOM = 'h:deaf';
const NODE_ID = 'silent-node';

describe('RedisAdapter silent-loss detection on a Redis Cluster', () => {
  let cluster: RedisCluster;
  let master: RedisServer;
  let proxy: TcpProxy;
  let adapter: RedisAdapter;
  let server: HistoryAppServer;
  const members: ResumingClient[] = [];

  beforeAll(async () => {
    cluster = await RedisCluster.start();
    master = await cluster.masterOf(slotOf(new RedisNames(KEY_PREFIX).roomChannel(ROOM)));
    // This node reaches the room's master through a proxy (commands and pub/sub alike).
    proxy = await TcpProxy.start(master.port);
    const natMap = { [master.address]: { host: '127.0.0.1', port: proxy.port } };
    adapter = new RedisAdapter({ clusterNodes: cluster.seeds, clusterOptions: { natMap }, keyPrefix: KEY_PREFIX, heartbeatIntervalMs: HEARTBEAT_MS, nodeId: NODE_ID });
    server = await startHistoryApp({ adapter });
  }, 90_000);

  afterAll(async () => {
    for (const member of members) member.socket.terminate();
    await server?.app.close();
    await proxy?.stop();
    await cluster?.dispose();
  }, 30_000);

  async function member(room: string): Promise<ResumingClient> {
    const joined = await ResumingClient.connect(server.url);
    members.push(joined);
    await joined.request('join', { room });
    return joined;
  }

  /** The ports the master's sharded pub/sub connections use on its side of the proxy (CLIENT LIST shows the proxy's address). */
  function pubSubPorts(): Promise<Set<number>> {
    return withRedisClient(master.port, async (redis) => {
      const list = String(await redis.call('CLIENT', 'LIST', 'TYPE', 'pubsub'));
      // Only connections with sharded subscriptions: ioredis's Cluster keeps an idle pub/sub connection of its own.
      const sharded = list.split('\n').filter((line) => /\bssub=[1-9]/.test(line));
      return new Set(sharded.map((line) => Number(/addr=[^ ]+:(\d+) /.exec(line)?.[1])));
    });
  }

  /** The node's probe channels subscribed on the master (PUBSUB SHARDCHANNELS: once its SSUBSCRIBE went through). */
  function probeChannels(): Promise<string[]> {
    return withRedisClient(master.port, async (redis) => (await redis.call('PUBSUB', 'SHARDCHANNELS', new RedisNames(KEY_PREFIX).probeChannelBase(NODE_ID) + ':*')) as string[]);
  }

  it('finds the master connection silent, reconnects it, and gives the members what they missed, in order and once', async () => {
    const [ada, bob] = [await member(ROOM), await member(ROOM)];
    await server.publish(ROOM, 1, 3);
    for (const joined of [ada, bob]) await joined.waitForCount(ROOM, 3);
    // The probe is on that connection before it goes deaf (a deaf one before it is found by the probe's unanswered SSUBSCRIBE: shard-subscribers.e2e-spec).
    await waitUntil(async () => (await probeChannels()).length === 1, () => 'the probe channel was not subscribed on the master');
    const gapsBefore = adapter.stats().silentGaps ?? 0;
    expect(gapsBefore).toBe(0); // no false alarm while it was set up

    const subscriberPorts = await pubSubPorts();
    expect(subscriberPorts.size).toBe(1);
    proxy.stallDownstream((port) => subscriberPorts.has(port)); // open, deaf; the command connection still answers
    await server.publish(ROOM, 4, 5); // retained, published, lost on the way to this node

    await waitUntil(async () => (adapter.stats().silentGaps ?? 0) > gapsBefore, () => 'the silent master connection was not detected');
    for (const joined of [ada, bob]) await joined.waitForCount(ROOM, 8);
    await server.publish(ROOM, 9, 2);
    for (const joined of [ada, bob]) {
      await joined.waitForCount(ROOM, 10);
      expect(joined.numbers(ROOM)).toEqual(range(1, 10));
      expect(joined.received.filter(({ room }) => room === ROOM).map(({ offset }) => offset)).toEqual(range(1, 10));
    }
    expect(adapter.stats()).toMatchObject({ isConnected: true, silentGaps: gapsBefore + 1 });
  });
});
