import { Redis } from 'ioredis';
import { RedisAdapter } from '../../../lib';
import { RoomHistory } from '../../../lib/history/room-history.service';
import { RoomsNode } from '../../../lib/rooms/rooms-node';
import { OPERATIONS, runCell, SweepCluster, TIMINGS } from '../../helpers/disconnect-sweep';
import { MembershipNode } from '../../helpers/membership-node';
import { RedisServer } from '../../helpers/redis-server';

const KEY_PREFIX = 'sweep:';
// History (streams, and sessions that outlive their connections by design) is not membership.
const isMembershipKey = (key: string): boolean => !/:(hist|meta)$|^sweep:session:/.test(key);

// 13 operations × 5 moments = 65 cells, over two nodes: the subject on one, the watcher and the by-id calls on the other.
describe('every stateful API of Rooms and the registry races the client closing (RedisAdapter, two nodes)', () => {
  let redis: RedisServer;
  let probe: Redis;
  const nodes: MembershipNode[] = [];
  let cluster: SweepCluster;

  beforeAll(async () => {
    redis = await RedisServer.start();
    probe = new Redis(redis.url);
    const adapters = [0, 1].map(() => new RedisAdapter({ url: redis.url, keyPrefix: KEY_PREFIX }));
    for (const adapter of adapters) nodes.push(await MembershipNode.start(adapter));
    const [home, remote] = nodes;
    const nodeState = (node: MembershipNode, adapter: RedisAdapter) => ({
      registry: node.registry.footprint(),
      rooms: node.app.get(RoomsNode).local.footprint(),
      gateways: node.app.get(RoomsNode).local.gateways.footprint(), // no per-member index: a close scans them
      adapter: adapter.footprint(),
      liveSessions: node.app.get(RoomHistory).liveSessions,
    });
    const idleNode = {
      registry: { connections: 0, gateways: 0, tags: 0, taggedConnections: 0 },
      rooms: { rooms: 0, connectionsInRooms: 0, presenceRooms: 0, tags: 0, taggedConnections: 0, closing: 0 },
      gateways: { groups: 0, connectionsInGroups: 0, presenceGroups: 0 },
      adapter: { pendingAcks: 0, pendingQuestions: 0, channels: 2 }, // its node channel, and the one of every node
      liveSessions: 0,
    };
    cluster = {
      home,
      remote,
      leftovers: async () => ({
        home: nodeState(home, adapters[0]),
        remote: nodeState(remote, adapters[1]),
        keys: (await probe.keys(`*${KEY_PREFIX}*`)).filter(isMembershipKey).sort(),
        // Group channels are `{<prefix><partition>}<group>`; node channels `{<prefix>n:<node>}` and `{<prefix>nodes}`.
        groupChannels: await probe.pubsub('CHANNELS', `{${KEY_PREFIX}[0-9]*}*`),
      }),
      idle: { home: idleNode, remote: idleNode, keys: [], groupChannels: [] },
    };
  }, 30_000);

  afterAll(async () => {
    for (const node of nodes) await node.stop();
    probe?.disconnect();
    await redis?.dispose();
  });

  describe.each(TIMINGS.map((timing) => [timing.name, timing] as const))('%s', (_name, timing) => {
    it.each(OPERATIONS.map((operation) => [operation.name, operation] as const))('%s leaves nothing behind', async (_operation, operation) => {
      await runCell(cluster, operation, timing);
    });
  });
});
