// A ShardSubscribers closed (or a master's connection dropped) while an SSUBSCRIBE still waits for
// that master's new connection to open: the wait must settle (rejected), never hang for ever. And the
// batching of SSUBSCRIBEs per slot and turn: the last word of one turn wins, a batch past its limit loses nothing.
import { Cluster, Redis } from 'ioredis';
import { ShardSubscribers } from '../../../lib/adapters/redis/shard-subscribers';
import { RedisCluster } from '../../helpers/redis-cluster';

jest.setTimeout(15_000);

describe('ShardSubscribers closed with connections still opening', () => {
  let cluster: RedisCluster;
  let io: Cluster;
  const opened: Redis[] = [];

  beforeAll(async () => {
    cluster = await RedisCluster.start({ replicasPerMaster: 0 });
    io = new Cluster(cluster.seeds, { slotsRefreshInterval: 3_600_000 });
    await io.ping();
  }, 60_000);

  afterAll(async () => {
    for (const connection of opened) if (connection.status !== 'end') connection.disconnect();
    io?.disconnect();
    await cluster?.dispose();
  }, 30_000);

  function subscribers(): ShardSubscribers {
    const connect = (host: string, port: number): Redis => {
      const connection = new Redis({ host, port, lazyConnect: false });
      connection.on('error', () => undefined);
      opened.push(connection);
      return connection;
    };
    const shards = new ShardSubscribers(io, connect, { answerTimeoutMs: 2000, migrationCheckIntervalMs: 1000 });
    shards.on('error', () => undefined);
    return shards;
  }

  it('rejects an SSUBSCRIBE waiting for its master connection to open when the subscriber is closed (app shutdown), instead of hanging', async () => {
    const shards = subscribers();
    const joins = [shards.ssubscribe('room:a'), shards.ssubscribe('room:b', 'room:c')];
    shards.disconnect(); // before any master connection is ready
    const outcomes = await Promise.allSettled(joins);
    expect(outcomes.map(({ status }) => status)).toEqual(['rejected', 'rejected']);
  });

  it('rejects an SSUBSCRIBE waiting in a batch (not sent yet) when the subscriber is closed in the same turn', async () => {
    const shards = subscribers();
    await shards.ssubscribe('room:warm'); // the connection to that master is ready now
    const join = shards.ssubscribe('room:warm:2', 'room:warm');
    shards.disconnect();
    const outcomes = await Promise.allSettled([join]);
    expect(outcomes[0].status).toBe('rejected');
  });

  /** Subscribers of a channel on every master, summed (SHARDNUMSUB counts the node it is asked on). */
  async function subscriptionsOf(channel: string): Promise<number> {
    const counts = await Promise.all(io.nodes('master').map(async (node) => Number(((await node.call('PUBSUB', 'SHARDNUMSUB', channel)) as unknown[])[1])));
    return counts.reduce((sum, count) => sum + count, 0);
  }

  it('keeps the last word of one turn: subscribe then unsubscribe leaves it unsubscribed, unsubscribe then subscribe leaves it subscribed once', async () => {
    const shards = subscribers();
    try {
      await Promise.all([shards.ssubscribe('{turn}:gone'), shards.sunsubscribe('{turn}:gone')]);
      await shards.ssubscribe('{turn}:kept');
      await Promise.all([shards.sunsubscribe('{turn}:kept'), shards.ssubscribe('{turn}:kept')]);
      await Promise.all([shards.ssubscribe('{turn}:twice'), shards.sunsubscribe('{turn}:twice'), shards.ssubscribe('{turn}:twice')]);
      expect(await subscriptionsOf('{turn}:gone')).toBe(0);
      expect(await subscriptionsOf('{turn}:kept')).toBe(1);
      expect(await subscriptionsOf('{turn}:twice')).toBe(1);
    } finally {
      shards.disconnect();
    }
  });

  it('subscribes 1001 channels of one slot asked for in one turn (two SSUBSCRIBEs), each once', async () => {
    const shards = subscribers();
    try {
      const channels = Array.from({ length: 1001 }, (_, n) => `{full}:${n}`);
      await Promise.all(channels.map((channel) => shards.ssubscribe(channel)));
      const counts = await Promise.all([channels[0], channels[999], channels[1000]].map(subscriptionsOf));
      expect(counts).toEqual([1, 1, 1]);
    } finally {
      shards.disconnect();
    }
  });
});
