// The adapter's sharded subscriptions on a real 3-master / 3-replica Redis Cluster: one connection
// per master, each channel on its slot's master, following a slot migration and a failover, never
// delivering a message twice and never leaving a channel subscribed twice.
import { Cluster } from 'ioredis';
import { slotOf } from '../../../lib/adapters/redis/cluster-slot';
import { withRedisDefaults } from '../../../lib/adapters/redis/redis-adapter-options.interface';
import { closeRedisClients, openRedisClients, RedisClients } from '../../../lib/adapters/redis/redis-clients';
import { ShardSubscribers } from '../../../lib/adapters/redis/shard-subscribers';
import { pollUntil, withRedisClient } from '../../helpers/redis-admin';
import { RedisCluster } from '../../helpers/redis-cluster';
import { RedisServer } from '../../helpers/redis-server';
import { TcpProxy } from '../../helpers/tcp-proxy';

jest.setTimeout(60_000);

const REFUSED_PACE_MS = 5;

/** What arrived on each channel, in order. */
class Received {
  private readonly byChannel = new Map<string, string[]>();
  private waiters: { check: () => boolean; resolve: () => void }[] = [];

  add(channel: string, message: string): void {
    const list = this.byChannel.get(channel) ?? [];
    list.push(message);
    this.byChannel.set(channel, list);
    this.waiters = this.waiters.filter((waiter) => !(waiter.check() && (waiter.resolve(), true)));
  }

  on(channel: string): string[] {
    return this.byChannel.get(channel) ?? [];
  }

  waitFor(check: () => boolean): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ check, resolve }));
  }
}

/** A numbered stream on one channel while something happens to the cluster: what Redis took, what arrived, when. */
interface TrafficReport {
  /** Publishes Redis took (answered without an error), whether or not it had a subscriber for them. */
  accepted: number[];
  /** Accepted but never received: the loss window. */
  lost: number[];
  /** From the start of the event to the first delivery of a message published after it ended. */
  recoveryMs: number;
}

describe('sharded subscriptions on a Redis Cluster', () => {
  let cluster: RedisCluster;
  let clients: RedisClients;
  let publisher: Cluster;
  const received = new Received();

  beforeAll(async () => {
    cluster = await RedisCluster.start();
    // No periodic slot refresh: a subscription can only follow a slot through the cluster's own signals (MOVED, SUNSUBSCRIBE, a dropped master).
    clients = await openRedisClients(withRedisDefaults({ clusterNodes: cluster.seeds, clusterOptions: { slotsRefreshInterval: 3_600_000 } }));
    clients.subscriber.on('smessageBuffer', (channel, message) => received.add(channel.toString(), message.toString()));
    clients.subscriber.on('error', () => undefined); // a killed master's connection reports its refusals
    publisher = new Cluster(cluster.seeds);
    await Promise.all([publisher.ping(), waitForReady(clients)]);
  }, 60_000);

  afterAll(async () => {
    publisher?.disconnect();
    if (clients) await closeRedisClients(clients, 1000);
    await cluster?.dispose();
  }, 30_000);

  /** Subscribers of a channel on every running master, summed (SHARDNUMSUB counts the node it is asked on). */
  async function subscriptionsOf(channel: string): Promise<number> {
    const masters = new Set((await cluster.slots()).map(({ master }) => master));
    const counts = await Promise.all([...masters].map((address) => shardNumSub(cluster.node(address), channel)));
    return counts.reduce((sum, count) => sum + count, 0);
  }

  /**
   * Publishes numbered messages on `channel`, one after another's answer, while `event` runs, then
   * until a message published after it arrives. Bounded by a count, never by a clock.
   */
  async function trafficDuring(channel: string, event: () => Promise<unknown>, limit = 20_000): Promise<TrafficReport> {
    const accepted: number[] = [];
    let next = 0;
    let firstAfter: number | undefined;
    const startedAt = Date.now();
    const eventDone = event().then(() => (firstAfter = next));
    const recovered = (): boolean => firstAfter !== undefined && received.on(channel).some((text) => Number(text) >= (firstAfter as number));
    while (!recovered()) {
      if (firstAfter !== undefined && next - firstAfter >= limit) throw new Error(`${channel}: no delivery after ${limit} publishes; received ${received.on(channel).length}`);
      const number = next++;
      const receivers = await publisher.spublish(channel, String(number)).catch(() => -1);
      if (receivers !== -1) accepted.push(number);
      // Refused mid-failover: not accepted, and the next try paced (no busy loop on a shared machine).
      if (receivers === -1) await new Promise((resolve) => setTimeout(resolve, REFUSED_PACE_MS));
    }
    await eventDone;
    const recoveryMs = Date.now() - startedAt;
    // Every accepted message published before the last one has arrived by now (in order on one connection).
    const arrived = new Set(received.on(channel).map(Number));
    return { accepted, lost: accepted.filter((number) => !arrived.has(number) && number < next - 1), recoveryMs };
  }

  /** Asserts each message arrived at most once and in publishing order. */
  function expectOnceInOrder(channel: string): void {
    const numbers = received.on(channel).map(Number);
    expect(new Set(numbers).size).toBe(numbers.length);
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
  }

  /** Channels whose slots are on three different masters. */
  async function channelsOnEveryMaster(prefix: string): Promise<string[]> {
    const ranges = await cluster.slots();
    return ranges.map((range, index) => {
      for (let attempt = 0; ; attempt++) {
        const channel = `${prefix}${index}-${attempt}`;
        const slot = slotOf(channel);
        if (range.first <= slot && slot <= range.last) return channel;
      }
    });
  }

  it('subscribes each channel once, on its slot master, with one connection per master, and delivers each message once', async () => {
    const channels = await channelsOnEveryMaster('spread:');
    await clients.subscriber.ssubscribe(...channels);

    expect(await Promise.all(channels.map(subscriptionsOf))).toEqual([1, 1, 1]);
    for (const channel of channels) for (const text of ['1', '2', '3']) expect(await publisher.spublish(channel, text)).toBe(1);
    await received.waitFor(() => channels.every((channel) => received.on(channel).length === 3));

    for (const channel of channels) expect(received.on(channel)).toEqual(['1', '2', '3']);
    expect((clients.subscriber as ShardSubscribers).shardCount).toBe(3);
    await clients.subscriber.sunsubscribe(...channels);
    expect(await Promise.all(channels.map(subscriptionsOf))).toEqual([0, 0, 0]);
  });

  it('subscribes thousands of channels with one SSUBSCRIBE per slot, each delivering', async () => {
    const tags = Array.from({ length: 8 }, (_, index) => `{batch-${index}}`);
    const channels = Array.from({ length: 2000 }, (_, index) => `${tags[index % tags.length]}:room-${index}`);
    const ssubscribeCalls = async (): Promise<number> => {
      const masters = [...new Set((await cluster.slots()).map(({ master }) => master))].map((address) => cluster.node(address));
      const stats = await Promise.all(masters.map((master) => withRedisClient(master.port, (redis) => redis.info('commandstats'))));
      return stats.reduce((sum, info) => sum + Number(/cmdstat_ssubscribe:calls=(\d+)/.exec(info)?.[1] ?? 0), 0);
    };
    const before = await ssubscribeCalls();

    await Promise.all(channels.map((channel) => clients.subscriber.ssubscribe(channel))); // one call per room, as joins make them

    expect((await ssubscribeCalls()) - before).toBe(tags.length);
    const sample = channels.filter((_, index) => index % 50 === 0);
    for (const channel of sample) expect(await publisher.spublish(channel, 'batched')).toBe(1);
    await received.waitFor(() => sample.every((channel) => received.on(channel).length === 1));
    await clients.subscriber.sunsubscribe(...channels);
    expect(await Promise.all(sample.map(subscriptionsOf))).toEqual(sample.map(() => 0));
  });

  it('finds a master connection that stays open but stops delivering (its probe does not come back), reconnects it, and delivers again', async () => {
    const [channel] = await channelsOnEveryMaster('deaf:');
    const master = await cluster.masterOf(slotOf(channel));
    // This node reaches that master through a proxy that can stop forwarding what the master sends.
    const proxy = await TcpProxy.start(master.port);
    const deaf = await openRedisClients(withRedisDefaults({ clusterNodes: cluster.seeds, clusterOptions: { natMap: { [master.address]: { host: '127.0.0.1', port: proxy.port } } } }));
    const shards = deaf.subscriber as ShardSubscribers;
    const heard: string[] = [];
    let closes = 0;
    shards.on('error', () => undefined);
    shards.on('smessageBuffer', (from, message) => void (from.toString() === channel && heard.push(message.toString())));
    shards.on('close', () => closes++);
    // As the adapter does: everything is subscribed again when a connection is back.
    shards.on('ready', () => void shards.ssubscribe(channel).catch(() => undefined));
    try {
      await waitForReady(deaf);
      await shards.ssubscribe(channel);
      expect(await shards.probe('probe:t')).toBe(0);
      await pollUntil('the first probes back', async () => shards.probesOutstanding === 0, 10_000, () => `${shards.probesOutstanding} out`);
      expect(await shards.probe('probe:t')).toBe(0);
      await pollUntil('the second probes back', async () => shards.probesOutstanding === 0, 10_000, () => `${shards.probesOutstanding} out`);

      proxy.stallDownstream();
      expect(await publisher.spublish(channel, 'unheard')).toBe(1); // Redis hands it to the deaf connection: lost there
      expect(await shards.probe('probe:t')).toBe(0); // sends this round's probes
      expect(await shards.probe('probe:t')).toBe(0); // one heartbeat of grace
      expect(await shards.probe('probe:t')).toBe(1); // that master's did not come back: reconnected
      await pollUntil('the gap signal (close)', async () => closes === 1, 10_000, () => String(closes));

      await pollUntil('the channel subscribed again', async () => (await shardNumSub(master, channel)) === 1, 10_000, () => '');
      expect(await publisher.spublish(channel, 'after')).toBe(1);
      await pollUntil('delivered again', async () => heard.includes('after'), 10_000, () => heard.join(','));
      expect(heard).toEqual(['after']);
      expect(await shards.probe('probe:t')).toBe(0);
      await pollUntil('probes back on the new connection', async () => shards.probesOutstanding === 0, 10_000, () => `${shards.probesOutstanding} out`);
    } finally {
      await closeRedisClients(deaf, 1000);
      await proxy.stop();
    }
  });

  it('finds a master connection deaf before its probe is subscribed (the probe SSUBSCRIBE never answers): replaced, counted once, delivering and probed again', async () => {
    const [channel] = await channelsOnEveryMaster('mute:');
    const master = await cluster.masterOf(slotOf(channel));
    const proxy = await TcpProxy.start(master.port);
    const natMap = { [master.address]: { host: '127.0.0.1', port: proxy.port } };
    // Two heartbeats of 100 ms: an SSUBSCRIBE unanswered for 200 ms marks its connection deaf.
    const deaf = await openRedisClients(withRedisDefaults({ clusterNodes: cluster.seeds, heartbeatIntervalMs: 100, clusterOptions: { natMap } }));
    const shards = deaf.subscriber as ShardSubscribers;
    const heard: string[] = [];
    shards.on('error', () => undefined);
    shards.on('smessageBuffer', (from, message) => void (from.toString() === channel && heard.push(message.toString())));
    shards.on('ready', () => void shards.ssubscribe(channel).catch(() => undefined));
    try {
      await waitForReady(deaf);
      await shards.ssubscribe(channel);
      proxy.stallDownstream(); // before any probe: the probe's SSUBSCRIBE is the first command it swallows
      const closed = new Promise<void>((resolve) => shards.once('close', () => resolve()));

      expect(await shards.probe('probe:m')).toBe(0); // resolves: its SSUBSCRIBE given up, not waited on for ever
      await closed; // the gap signal: the connection was replaced
      expect(await shards.probe('probe:m')).toBe(1); // counted once
      await pollUntil('the channel subscribed again', async () => (await shardNumSub(master, channel)) === 1, 10_000, () => '');
      expect(await publisher.spublish(channel, 'after')).toBe(1);
      await pollUntil('delivered again', async () => heard.includes('after'), 10_000, () => heard.join(','));
      expect(await shards.probe('probe:m')).toBe(0); // subscribes a probe on the new connection and sends it
      expect(await withRedisClient(master.port, (redis) => redis.call('PUBSUB', 'SHARDCHANNELS', 'probe:m:*'))).toHaveLength(1);
      await pollUntil('the probe back', async () => shards.probesOutstanding === 0, 10_000, () => `${shards.probesOutstanding} out`);
      expect(await shards.probe('probe:m')).toBe(0); // no second alarm
    } finally {
      await closeRedisClients(deaf, 1000);
      await proxy.stop();
    }
  });

  it('follows MOVED on its own SSUBSCRIBE through natMap (every master proxied): the new master by its mapped address, nothing waited on for ever', async () => {
    const masters = [...new Set((await cluster.slots()).map(({ master }) => master))].map((address) => cluster.node(address));
    const proxies = await Promise.all(masters.map((master) => TcpProxy.start(master.port)));
    const natMap = Object.fromEntries(masters.map((master, index) => [master.address, { host: '127.0.0.1', port: proxies[index].port }]));
    const mapped = await openRedisClients(withRedisDefaults({ clusterNodes: cluster.seeds, clusterOptions: { natMap, slotsRefreshInterval: 3_600_000 } }));
    const shards = mapped.subscriber as ShardSubscribers;
    shards.on('error', () => undefined);
    try {
      await waitForReady(mapped);
      await shards.ssubscribe(...(await channelsOnEveryMaster('nat:')));
      expect(shards.shardCount).toBe(3);
      // The slot moves behind the node's back (no refresh, none of its channels there): the SSUBSCRIBE
      // goes to the old master, is answered MOVED (which ioredis 5.11 never settles), and must follow.
      const moving = 'nat-moved:{a}';
      const { to } = await cluster.migrationOf(slotOf(moving));
      await cluster.migrateSlot(slotOf(moving), to);

      await shards.ssubscribe(moving);

      expect(shards.shardCount).toBe(3); // the new master reached through its proxy: no connection to an unmapped address
      expect(await shardNumSub(to, moving)).toBe(1);
      expect(await publisher.spublish(moving, 'found')).toBe(1);
    } finally {
      await closeRedisClients(mapped, 1000);
      await Promise.all(proxies.map((proxy) => proxy.stop()));
    }
  });

  it("picks its probe again when the probe channel's slot migrates away (the master drops it by SUNSUBSCRIBE): no false alarm", async () => {
    const shards = clients.subscriber as ShardSubscribers;
    const channels = await channelsOnEveryMaster('probed:');
    await shards.ssubscribe(...channels);
    await probeRounds(shards, 'probe:p', 1);
    const masters = [...new Set((await cluster.slots()).map(({ master }) => master))].map((address) => cluster.node(address));
    const probes = await Promise.all(masters.map((master) => withRedisClient(master.port, async (redis) => (await redis.call('PUBSUB', 'SHARDCHANNELS', 'probe:p:*')) as string[])));
    expect(probes.map((list) => list.length)).toEqual([1, 1, 1]);
    const [probeChannel] = probes[0];
    const { from, to } = await cluster.migrationOf(slotOf(probeChannel));

    await cluster.migrateSlot(slotOf(probeChannel), to);
    await pollUntil('the old master dropped the probe channel', async () => (await shardNumSub(from, probeChannel)) === 0, 10_000, () => '');

    await probeRounds(shards, 'probe:p', 4); // each round's probes come back: none counted silent
    await shards.sunsubscribe(...channels);
  });

  it("follows MOVED on the probe's own SSUBSCRIBE (its slot moved behind the node's back): no hang, a probe on every master after the map refresh", async () => {
    const stale = await openRedisClients(withRedisDefaults({ clusterNodes: cluster.seeds, clusterOptions: { slotsRefreshInterval: 3_600_000 } }));
    const shards = stale.subscriber as ShardSubscribers;
    shards.on('error', () => undefined);
    try {
      await waitForReady(stale);
      await shards.ssubscribe(...(await channelsOnEveryMaster('stale:')));
      // The probe channel the node will pick first for one master: the first `probe:mv:<n>` in its slots.
      const [range] = await cluster.slots();
      const first = Array.from({ length: 64 }, (_, n) => `probe:mv:${n}`).find((channel) => range.first <= slotOf(channel) && slotOf(channel) <= range.last) as string;
      const { to } = await cluster.migrationOf(slotOf(first));
      await cluster.migrateSlot(slotOf(first), to);

      expect(await shards.probe('probe:mv')).toBe(0); // resolves: that master's probe SSUBSCRIBE was answered MOVED
      await pollUntil('a probe on every master', async () => {
        await probeRounds(shards, 'probe:mv', 1);
        const masters = [...new Set((await cluster.slots()).map(({ master }) => master))].map((address) => cluster.node(address));
        const probes = await Promise.all(masters.map((master) => withRedisClient(master.port, async (redis) => (await redis.call('PUBSUB', 'SHARDCHANNELS', 'probe:mv:*')) as string[])));
        return probes.every((list) => list.length === 1);
      }, 10_000, () => 'a master without a probe');
    } finally {
      await closeRedisClients(stale, 1000);
    }
  });

  it('follows a slot migrated during traffic: the channel moves to the new master and nothing arrives twice', async () => {
    const channel = 'busy:{room-7}';
    await clients.subscriber.ssubscribe(channel);
    const { to } = await cluster.migrationOf(slotOf(channel));

    const report = await trafficDuring(channel, () => cluster.migrateSlot(slotOf(channel), to));

    expectOnceInOrder(channel);
    expect(await subscriptionsOf(channel)).toBe(1);
    expect(await shardNumSub(to, channel)).toBe(1);
    console.log(`slot migration: ${report.accepted.length} accepted, ${report.lost.length} lost, first delivery after it ${report.recoveryMs} ms from its start`);
  });

  it('loses nothing when a slot migrates under traffic: the channel is subscribed ahead on the importing master', async () => {
    const channel = 'busy:{room-13}';
    const slot = slotOf(channel);
    await clients.subscriber.ssubscribe(channel);
    const { from, to } = await cluster.migrationOf(slot);

    const finish = await cluster.beginSlotMigration(slot, to);
    // The periodic check sees the target IMPORTING and subscribes there too (SHARDNUMSUB counts it; it delivers nothing yet).
    await pollUntil('the channel subscribed ahead on the importing master', async () => (await shardNumSub(to, channel)) === 1, 10_000, () => 'not yet');
    expect(await shardNumSub(from, channel)).toBe(1);
    const report = await trafficDuring(channel, finish);

    expect(report.lost).toEqual([]);
    expectOnceInOrder(channel);
    expect(report.accepted.length).toBeGreaterThan(0);
    // Settled: the source dropped it, the ahead subscription is the one left; new messages still arrive once.
    await pollUntil('the source dropped the channel', async () => (await subscriptionsOf(channel)) === 1, 10_000, () => 'still on two masters');
    expect(await shardNumSub(to, channel)).toBe(1);
    const count = received.on(channel).length;
    expect(await publisher.spublish(channel, 'last')).toBe(1);
    await received.waitFor(() => received.on(channel).length === count + 1);
    console.log(`slot migration, subscribed ahead: ${report.accepted.length} accepted, ${report.lost.length} lost`);
  });

  it('with a slow migration check, sees an importing master at the Cluster client\'s next slot-map refresh', async () => {
    const slow = await openRedisClients(withRedisDefaults({ clusterNodes: cluster.seeds, migrationCheckIntervalMs: 3_600_000, clusterOptions: { slotsRefreshInterval: 3_600_000 } }));
    const shards = slow.subscriber as ShardSubscribers;
    shards.on('error', () => undefined);
    const channel = 'slow-check:{room-21}';
    const slot = slotOf(channel);
    try {
      await waitForReady(slow);
      await shards.ssubscribe(channel);
      const { to } = await cluster.migrationOf(slot);
      const finish = await cluster.beginSlotMigration(slot, to);

      (slow.client as Cluster).refreshSlotsCache(); // as ioredis does every slotsRefreshInterval

      await pollUntil('the channel subscribed ahead on the importing master', async () => (await shardNumSub(to, channel)) === 1, 10_000, () => 'not yet');
      await finish();
      expect(await subscriptionsOf(channel)).toBe(1);
    } finally {
      await closeRedisClients(slow, 1000);
    }
  });

  it('moves a quiet channel when its slot migrates (the master drops it with SUNSUBSCRIBE) and follows MOVED for a new one', async () => {
    const quiet = 'quiet:{room-11}';
    const slot = slotOf(quiet);
    await clients.subscriber.ssubscribe(quiet);
    const { from, to } = await cluster.migrationOf(slot);

    await cluster.migrateSlot(slot, to);
    await pollUntil('the channel subscribed on the new master', async () => (await shardNumSub(to, quiet)) === 1, 10_000, () => '');
    // A channel of the same slot, subscribed now, is sent where the map said, and answered MOVED there.
    const fresh = 'fresh:{room-11}';
    await clients.subscriber.ssubscribe(fresh);

    expect([await shardNumSub(from, quiet), await shardNumSub(from, fresh), await shardNumSub(to, fresh)]).toEqual([0, 0, 1]);
    for (const channel of [quiet, fresh]) expect(await publisher.spublish(channel, '1')).toBe(1);
    await received.waitFor(() => received.on(quiet).length === 1 && received.on(fresh).length === 1);
  });

  it('follows a failover (master SIGKILLed, replica promoted): deliveries resume, nothing twice, the loss window measured', async () => {
    const channel = 'busy:{room-9}';
    await clients.subscriber.ssubscribe(channel);
    let failoverMs = 0;

    const shards = clients.subscriber as ShardSubscribers;
    await probeRounds(shards, 'probe:f', 1);
    expect(await shards.probe('probe:f')).toBe(0); // a probe out on every master when one is killed

    const report = await trafficDuring(channel, async () => ({ failoverMs } = await cluster.killMasterOf(slotOf(channel))));

    expectOnceInOrder(channel);
    expect(await subscriptionsOf(channel)).toBe(1);
    // The killed master's connection closed (the gap signal, not a silence); the promoted master is probed.
    await pollUntil('the probes back', async () => shards.probesOutstanding === 0, 10_000, () => `${shards.probesOutstanding} out`);
    await probeRounds(shards, 'probe:f', 3);
    const promoted = await cluster.masterOf(slotOf(channel));
    expect(await withRedisClient(promoted.port, (redis) => redis.call('PUBSUB', 'SHARDCHANNELS', 'probe:f:*'))).toHaveLength(1);
    console.log(
      `master failover: promoted after ${failoverMs} ms; ${report.accepted.length} accepted, ${report.lost.length} accepted but lost; first delivery after the promotion ${report.recoveryMs} ms after the kill`,
    );
  });
});

/** Heartbeats of probes, as the adapter runs them: none finds a connection silent, and each round's probes come back. */
async function probeRounds(shards: ShardSubscribers, channelBase: string, rounds: number): Promise<void> {
  for (let round = 0; round < rounds; round++) {
    expect(await shards.probe(channelBase)).toBe(0);
    await pollUntil(`round ${round}'s probes back`, async () => shards.probesOutstanding === 0, 10_000, () => `${shards.probesOutstanding} out`);
  }
}

/** Subscribers of a shard channel on one node. */
function shardNumSub(node: RedisServer, channel: string): Promise<number> {
  return withRedisClient(node.port, async (redis) => Number(((await redis.pubsub('SHARDNUMSUB', channel)) as [string, number])[1]));
}

function waitForReady(clients: RedisClients): Promise<void> {
  if (clients.subscriber.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => clients.subscriber.on('ready', () => resolve()));
}
