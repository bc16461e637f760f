import { Redis } from 'ioredis';
import { RedisAdapter, RemoteMembershipError } from '../../../lib';
import { MembershipNode } from '../../helpers/membership-node';
import { rawClusterMessage } from '../../helpers/raw-cluster-message';
import { RedisNames } from '../../../lib/adapters/redis/redis-channels';
import { RedisServer } from '../../helpers/redis-server';
import { FakeNode, startFakeNode } from '../../helpers/rooms-node';
import { waitUntil } from '../../helpers/ws-test-client';

const KEY_PREFIX = 'attacks:';

describe('RedisAdapter under malformed traffic and a stalled Redis', () => {
  let redis: RedisServer;
  let probe: Redis;
  // No listener of ours on `process`: Jest keeps uncaught exceptions and unhandled rejections from
  // reaching one, and fails the test they happen in itself (checked with a probe spec).

  beforeAll(async () => {
    redis = await RedisServer.start();
    probe = new Redis(redis.url);
  }, 30_000);

  afterAll(async () => {
    probe?.disconnect();
    await redis?.dispose();
  });

  it('drops cluster messages whose fields have the wrong types (another version, corruption) and keeps delivering', async () => {
    const node = await MembershipNode.start(new RedisAdapter({ url: redis.url, keyPrefix: KEY_PREFIX, nodeId: 'receiver' }));
    const sender = await MembershipNode.start(new RedisAdapter({ url: redis.url, keyPrefix: KEY_PREFIX, nodeId: 'sender' }));
    try {
      const member = await node.connect();
      await node.rooms.join(member.connection, 'lobby');
      const malformed = [
        { k: 'b', o: 'old', g: 5 },
        { k: 'b', o: 'old', g: {} },
        { k: 'b', o: 'old', g: ['r:lobby'], x: 7 },
        { k: 'd', o: 'old', c: { id: member.id } },
        { k: 'm', o: 'old', c: member.id, a: 'join', r: ['lobby'], q: 'old:1' },
        { k: 'm', o: 'old', c: member.id, a: 'join', r: 'other', m: 'not an object', q: 'old:2' },
        { k: 'a', o: 'old', q: { id: 1 } },
        null,
      ];
      for (const header of malformed) {
        for (const channel of [`${KEY_PREFIX}node-ch:receiver`, `${KEY_PREFIX}ch:r:lobby`]) await probe.publish(channel, rawClusterMessage(header));
      }

      await sender.rooms.to('lobby').send('said', { text: 'after the malformed ones' });

      expect(await member.client.nextEnvelope((envelope) => envelope.event === 'said')).toEqual({ event: 'said', data: { text: 'after the malformed ones' } });
      expect(await node.rooms.roomsOf(member.connection)).toEqual(['lobby']);
    } finally {
      await node.stop();
      await sender.stop();
    }
  });

  describe("a remote join whose PUBLISH Redis holds longer than remoteMembershipTimeoutMs (CLIENT PAUSE WRITE: reads answer, writes wait)", () => {
    let adapter: RedisAdapter;
    let fake: FakeNode;

    beforeEach(async () => {
      adapter = new RedisAdapter({ url: redis.url, keyPrefix: KEY_PREFIX, remoteMembershipTimeoutMs: 100 });
      fake = await startFakeNode(adapter);
      await probe.set(new RedisNames(KEY_PREFIX).connection('far-away'), 'stalled-node');
    });

    afterEach(async () => {
      await probe.client('UNPAUSE');
      await probe.del(new RedisNames(KEY_PREFIX).connection('far-away'));
      await adapter.close();
    });

    it('rejects at the timeout while the PUBLISH still waits, with no unhandled rejection and no pending acknowledgement', async () => {
      await probe.client('PAUSE', 60_000, 'WRITE');

      const joins = [1, 2, 3].map((n) => fake.node.join('far-away', `lobby-${n}`));

      for (const join of joins) await expect(join).rejects.toThrow(new RemoteMembershipError('join', 'far-away', 'stalled-node', 'did not acknowledge it within 100 ms'));
      expect(adapter.footprint().pendingAcks).toBe(0);
      await probe.client('UNPAUSE');
      await waitUntil(async () => (await probe.ping()) === 'PONG', () => 'Redis did not answer after UNPAUSE');
    });
  });
});
