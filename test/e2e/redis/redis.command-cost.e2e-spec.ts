// What the RedisAdapter costs Redis, in commands (INFO commandstats): presence refresh of 10 000 idle
// members (one script per partition per node per heartbeat, whatever the members and rooms), and a broadcast (one
// PUBLISH per addressed room). Printed for docs/scaling.md; the counts are asserted.
import { Redis } from 'ioredis';
import { RedisAdapter } from '../../../lib';
import { RedisNames } from '../../../lib/adapters/redis/redis-channels';
import { encodeTextFrame } from '../../../lib/protocol/frame-writer';
import { RedisServer } from '../../helpers/redis-server';
import { FakeNode, startFakeNode } from '../../helpers/rooms-node';
import { waitUntil } from '../../helpers/ws-test-client';

const MEMBERS = 10_000;
// Long enough that 10 000 rooms are joined and refreshed on this shared machine before their 1.5-heartbeat TTL.
const HEARTBEAT_MS = 2000;
const BEATS = 4;
const DEFAULT_HEARTBEAT_MS = 5000;
const NOBODY: ReadonlySet<string> = new Set();

describe('RedisAdapter command cost', () => {
  let redis: RedisServer;
  let probe: Redis;

  beforeAll(async () => {
    redis = await RedisServer.start();
    probe = new Redis(redis.url);
  }, 30_000);

  afterAll(async () => {
    probe?.disconnect();
    await redis?.dispose();
  });

  async function calls(): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const [, command, count] of (await probe.info('commandstats')).matchAll(/cmdstat_(\w+):calls=(\d+)/g)) counts[command] = Number(count);
    return counts;
  }

  async function idleNode(rooms: number): Promise<{ adapter: RedisAdapter; fake: FakeNode }> {
    const ids = Array.from({ length: MEMBERS }, (_, i) => `c${i}`);
    const adapter = new RedisAdapter({ url: redis.url, keyPrefix: `cost-${rooms}:`, heartbeatIntervalMs: HEARTBEAT_MS });
    const fake = await startFakeNode(adapter, ids);
    // Joined without presence metadata: no join announcements, so the only PUBLISHes are the heartbeats' probes.
    await Promise.all(ids.map((id, i) => fake.node.join(id, `room-${i % rooms}`)));
    return { adapter, fake };
  }

  it.each([100, MEMBERS])('refreshes 10 000 idle members in %i rooms with one script per partition per heartbeat', async (rooms) => {
    const { adapter } = await idleNode(rooms);
    const names = new RedisNames(`cost-${rooms}:`);
    const partitions = new Set(Array.from({ length: rooms }, (_, i) => names.partitionTag(`r:room-${i}`))).size;
    try {
      await probe.config('RESETSTAT');
      const startedAt = Date.now();
      // A heartbeat runs one script per partition holding a room of the node: BEATS of them at least.
      await waitUntil(async () => ((await calls()).evalsha ?? 0) >= BEATS * partitions, () => `${BEATS} heartbeats did not pass`, 60_000);
      const counts = await calls();
      const elapsedMs = Date.now() - startedAt;
      const scripts = counts.evalsha;
      // commandstats also counts the commands a script runs (TIME, HSET, HGETALL, PTTL, PEXPIRE).
      const inner = Object.entries(counts).reduce((sum, [command, count]) => (['info', 'config', 'evalsha', 'publish'].includes(command) ? sum : sum + count), 0);
      const atDefault = (count: number): string => ((count / elapsedMs) * 1000 * (HEARTBEAT_MS / DEFAULT_HEARTBEAT_MS)).toFixed(1);
      console.log(
        `presence refresh, ${MEMBERS} idle members in ${rooms} rooms (${partitions} partitions) on one node: ${scripts} EVALSHA, ${inner} commands inside them, ` +
          `${counts.publish ?? 0} probes in ${elapsedMs} ms at a ${HEARTBEAT_MS} ms heartbeat; at the default 5 s heartbeat: ${atDefault(scripts + (counts.publish ?? 0))} calls/s, ${atDefault(inner)} inner commands/s`,
      );
      // At most one script per partition per heartbeat that could have started meanwhile.
      expect(scripts).toBeLessThanOrEqual(partitions * (Math.ceil(elapsedMs / HEARTBEAT_MS) + 1));
    } finally {
      await adapter.close();
    }
  }, 120_000);

  it('rewrites a node that Redis lost (10 000 rooms) with one script per partition, not one per room', async () => {
    const rooms = MEMBERS;
    const { adapter } = await idleNode(rooms);
    const names = new RedisNames(`cost-${rooms}:`);
    const partitions = new Set(Array.from({ length: rooms }, (_, i) => names.partitionTag(`r:room-${i}`))).size;
    try {
      // Redis loses everything (a restart without persistence): the next heartbeat finds the node gone and rewrites it.
      await probe.flushall();
      await probe.config('RESETSTAT');
      const startedAt = Date.now();
      // Each room comes back as a presence hash (counted with EVAL, which commandstats keeps apart from EVALSHA).
      const presenceKeys = async (): Promise<number> => Number(await probe.eval("return #redis.call('KEYS', ARGV[1])", 0, '*:presence'));
      await waitUntil(async () => (await presenceKeys()) === rooms, () => `the node's ${rooms} rooms were not written back`, 60_000);
      const elapsedMs = Date.now() - startedAt;
      const scripts = (await calls()).evalsha ?? 0;
      console.log(`presence recovery, ${MEMBERS} idle members in ${rooms} rooms (${partitions} partitions): ${scripts} EVALSHA in ${elapsedMs} ms`);
      expect(await probe.hexists(names.roomPresence('room-42').presence, 'c42')).toBe(1);
      // The refreshes that find the loss plus one rewrite: each at most one script per partition (one per room was 10 000).
      expect(scripts).toBeLessThanOrEqual(partitions * (Math.ceil(elapsedMs / HEARTBEAT_MS) + 2));
    } finally {
      await adapter.close();
    }
  }, 120_000);

  it('publishes a broadcast once per addressed room, whatever the members', async () => {
    const { adapter, fake } = await idleNode(100);
    try {
      const frame = encodeTextFrame('{"event":"said","data":{}}');
      const before = await calls();
      for (let i = 0; i < 1000; i++) await fake.node.broadcast(['room-1'], frame, NOBODY);
      for (let i = 0; i < 1000; i++) await fake.node.broadcast(['room-1', 'room-2'], frame, NOBODY);
      await waitUntil(async () => (await calls()).publish - (before.publish ?? 0) >= 3000, () => 'the broadcasts did not reach Redis');
      const after = await calls();
      const published = after.publish - (before.publish ?? 0);
      console.log(`broadcast: 1000 to one room + 1000 to two rooms (100 members each) = ${published} PUBLISH (probes included)`);
      expect(published).toBeGreaterThanOrEqual(3000);
      expect(published).toBeLessThan(3000 + 20); // + the heartbeat probes meanwhile
    } finally {
      await adapter.close();
    }
  }, 120_000);
});
