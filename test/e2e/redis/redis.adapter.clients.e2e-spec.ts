import { Redis } from 'ioredis';
import { ConnectionRegistry, RedisAdapter, Rooms } from '../../../lib';
import { closeFake, startFakeNode } from '../../helpers/rooms-node';
import { ClusterApp, startClusterApp } from '../../fixtures/redis/cluster-app';
import { RedisNames } from '../../../lib/adapters/redis/redis-channels';
import { RedisServer } from '../../helpers/redis-server';
import { TestEnvelope, waitUntil, WsTestClient } from '../../helpers/ws-test-client';

const said = (text: string) => (envelope: TestEnvelope) => envelope.event === 'said' && (envelope.data as { text?: string }).text === text;

describe('RedisAdapter connections to Redis', () => {
  let redis: RedisServer;
  let apps: ClusterApp[] = [];
  let clients: WsTestClient[] = [];

  beforeAll(async () => {
    redis = await RedisServer.start();
  }, 30_000);

  afterEach(async () => {
    await Promise.all(clients.map((client) => client.close().catch(() => client.terminate())));
    await Promise.all(apps.map(({ app }) => app.close()));
    clients = [];
    apps = [];
  });

  afterAll(async () => {
    await redis?.dispose();
  });

  async function joined(app: ClusterApp, room: string): Promise<WsTestClient> {
    const client = await WsTestClient.connect(app.wsUrl);
    clients.push(client);
    expect((await client.request('join', { room })).data).toEqual({ room });
    return client;
  }

  it('works over your own ioredis client, and leaves it open at shutdown', async () => {
    const own = new Redis(redis.url);
    try {
      apps = [await startClusterApp(new RedisAdapter({ client: own, keyPrefix: 'own:' })), await startClusterApp(new RedisAdapter({ client: own, keyPrefix: 'own:' }))];
      const member = await joined(apps[1], 'lobby');

      await apps[0].app.get(Rooms).to('lobby').send('said', { text: 'over your client' });

      expect(await member.nextEnvelope(said('over your client'))).toEqual({ event: 'said', data: { text: 'over your client' } });
      await Promise.all(apps.map(({ app }) => app.close()));
      apps = [];
      expect(await own.ping()).toBe('PONG');
    } finally {
      own.disconnect();
    }
  });

  it("refuses an ioredis client with a keyPrefix of its own (the adapter's scripts build keys themselves)", async () => {
    const prefixed = new Redis(redis.url, { keyPrefix: 'mine:', lazyConnect: true });

    await expect(startFakeNode(new RedisAdapter({ client: prefixed }))).rejects.toThrow("use the adapter's keyPrefix option");
  });

  it('starts while Redis is down, serves its own connections, and joins the cluster once Redis is up', async () => {
    await redis.stop();
    apps = [await startClusterApp(new RedisAdapter({ url: redis.url, keyPrefix: 'late:', connectTimeoutMs: 100 }))];
    const [first, second] = [await joined(apps[0], 'lobby'), await joined(apps[0], 'lobby')];
    const registry = apps[0].app.get(ConnectionRegistry);

    await apps[0].app.get(Rooms).to('lobby').send('said', { text: 'without Redis' });

    for (const member of [first, second]) await member.nextEnvelope(said('without Redis'));
    expect(registry.adapterStats().isConnected).toBe(false);
    await redis.restart();
    await waitUntil(() => registry.adapterStats().isConnected, () => 'the node did not join the cluster after Redis came up', 10_000);
    expect((await registry.nodes()).map(({ connections, isSelf }) => ({ connections, isSelf }))).toEqual([{ connections: 2, isSelf: true }]);
    expect(await apps[0].app.get(Rooms).members('lobby')).toHaveLength(2);
  }, 20_000);
});

describe('RedisAdapter forgetting a closed connection', () => {
  let redis: RedisServer;

  beforeAll(async () => {
    redis = await RedisServer.start();
  }, 30_000);

  afterAll(async () => {
    await redis?.dispose();
  });

  it('drops every trace of it, tags added while it was closing included', async () => {
    const adapter = new RedisAdapter({ url: redis.url, keyPrefix: 'gone:' });
    const probe = new Redis(redis.url);
    try {
      const fake = await startFakeNode(adapter, ['c1']);
      await fake.node.join('c1', 'lobby', { name: 'ada' });
      await fake.node.tag('c1', 'user:ada');

      // The runtime's order: registry.remove(), the disconnect hook (which may still tag), leaveAll(), registry.remove() again.
      await closeFake(fake, 'c1');
      await fake.node.tag('c1', 'late');
      await fake.node.leaveAll('c1');
      await closeFake(fake, 'c1');

      expect(await probe.keys('*gone:*')).toEqual([]);
      const names = new RedisNames('gone:');
      const channels = [names.groupChannel('t:user:ada'), names.groupChannel('t:late'), names.roomChannel('lobby')];
      expect(((await probe.pubsub('NUMSUB', ...channels)) as (string | number)[]).filter((_, i) => i % 2 === 1).map(Number)).toEqual([0, 0, 0]);
      expect(await adapter.members('lobby')).toEqual([]);
      expect(fake.node.local.footprint()).toEqual({ rooms: 0, connectionsInRooms: 0, presenceRooms: 0, tags: 0, taggedConnections: 0, closing: 0 });
    } finally {
      probe.disconnect();
      await adapter.close();
    }
  });
});
