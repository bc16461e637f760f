import { Redis } from 'ioredis';
import { RedisNames } from '../../../lib/adapters/redis/redis-channels';
import { ClusterNode } from '../../fixtures/redis/cluster-node.process';
import { RedisServer } from '../../helpers/redis-server';
import { TestEnvelope, WsTestClient } from '../../helpers/ws-test-client';

const KEY_PREFIX = 'sharded:';

describe('RedisAdapter with sharded pub/sub (SSUBSCRIBE/SPUBLISH)', () => {
  let redis: RedisServer;
  let nodes: ClusterNode[];
  let clients: WsTestClient[] = [];

  beforeAll(async () => {
    redis = await RedisServer.start();
    nodes = await Promise.all(['A', 'B'].map((name) => ClusterNode.start({ name, redisUrl: redis.url, keyPrefix: KEY_PREFIX, heartbeatIntervalMs: 1000, sharded: true })));
  }, 60_000);

  afterEach(async () => {
    await Promise.all(clients.map((client) => client.close().catch(() => client.terminate())));
    clients = [];
  });

  afterAll(async () => {
    await Promise.all((nodes ?? []).map((node) => node.stop()));
    await redis?.dispose();
  }, 30_000);

  async function member(node: ClusterNode, room?: string): Promise<{ client: WsTestClient; id: string }> {
    const client = await WsTestClient.connect(node.wsUrl());
    clients.push(client);
    if (room !== undefined) await client.request('join', { room });
    return { client, id: (await client.request<{ id: string }>('whoami')).data?.id ?? '' };
  }

  const said = (text: string) => (envelope: TestEnvelope) => envelope.event === 'said' && (envelope.data as { text?: string }).text === text;

  it('delivers a room broadcast to members on both nodes over a shard channel', async () => {
    const onA = await member(nodes[0], 'lobby');
    const onB = await member(nodes[1], 'lobby');
    const probe = new Redis(redis.url);
    try {
      const [, subscribers] = (await probe.pubsub('SHARDNUMSUB', new RedisNames(KEY_PREFIX).roomChannel('lobby'))) as [string, number];
      expect(Number(subscribers)).toBe(2);
    } finally {
      probe.disconnect();
    }

    await nodes[0].post('/broadcast', { rooms: ['lobby'], event: 'said', data: { text: 'sharded hello' } });

    for (const { client } of [onA, onB]) expect(await client.nextEnvelope(said('sharded hello'))).toEqual({ event: 'said', data: { text: 'sharded hello' } });
  });

  it('sends to one connection on the other node over its shard channel', async () => {
    const target = await member(nodes[1]);

    expect(await nodes[0].post(`/connections/${target.id}`, { event: 'direct', data: { text: 'hi' } })).toEqual({ delivered: true });
    expect(await target.client.nextEnvelope((envelope) => envelope.event === 'direct')).toEqual({ event: 'direct', data: { text: 'hi' } });
  });
});
