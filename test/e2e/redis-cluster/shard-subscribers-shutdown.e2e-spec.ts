// A ShardSubscribers closed (or a master's connection dropped) while an SSUBSCRIBE still waits for
// that master's new connection to open: the wait must settle (rejected), never hang for ever.
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
    for (const connection of opened) connection.disconnect();
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
    const shards = new ShardSubscribers(io, connect, 2000);
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
});
