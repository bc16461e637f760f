import { MemoryAdapter } from '../../../lib';
import { RoomHistory } from '../../../lib/history/room-history.service';
import { RoomsNode } from '../../../lib/rooms/rooms-node';
import { OPERATIONS, runCell, SweepCluster, TIMINGS } from '../../helpers/disconnect-sweep';
import { MembershipNode } from '../../helpers/membership-node';

// 13 operations × 5 moments = 65 cells.
describe('every stateful API of Rooms and the registry races the client closing (memory adapter)', () => {
  const adapter = new MemoryAdapter();
  let node: MembershipNode;
  let cluster: SweepCluster;

  beforeAll(async () => {
    node = await MembershipNode.start(adapter);
    const history = node.app.get(RoomHistory);
    cluster = {
      home: node,
      remote: node,
      leftovers: async () => ({
        registry: node.registry.footprint(),
        rooms: node.app.get(RoomsNode).local.footprint(),
        // Gateway groups have no per-member index (member-groups.ts): a close must still find them all.
        gateways: node.app.get(RoomsNode).local.gateways.footprint(),
        liveSessions: history.liveSessions,
      }),
      idle: {
        registry: { connections: 0, gateways: 0, tags: 0, taggedConnections: 0 },
        rooms: { rooms: 0, connectionsInRooms: 0, presenceRooms: 0, tags: 0, taggedConnections: 0, closing: 0 },
        gateways: { groups: 0, connectionsInGroups: 0, presenceGroups: 0 },
        liveSessions: 0,
      },
    };
  });

  afterAll(async () => {
    await node.stop();
  });

  describe.each(TIMINGS.map((timing) => [timing.name, timing] as const))('%s', (_name, timing) => {
    it.each(OPERATIONS.map((operation) => [operation.name, operation] as const))('%s leaves nothing behind', async (_operation, operation) => {
      await runCell(cluster, operation, timing);
    });
  });
});
