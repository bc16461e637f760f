// A subscriber connection that stays open and stops delivering (a proxy forwarding one direction
// only): the node's probe does not come back, it reconnects the subscriber, and its members get what
// they missed from the room's history, in order and once, without reconnecting themselves.
import { Redis } from 'ioredis';
import { RedisAdapter } from '../../../lib';
import { RESILIENT_OPTIONS } from '../../../lib/adapters/redis/redis-clients';
import { startHistoryApp, HistoryAppServer } from '../history/history-app-server';
import { range, ResumingClient } from '../history/resuming-client';
import { RedisServer } from '../../helpers/redis-server';
import { TcpProxy } from '../../helpers/tcp-proxy';
import { waitUntil } from '../../helpers/ws-test-client';

const HEARTBEAT_MS = 200;

describe('RedisAdapter silent-loss detection', () => {
  let redis: RedisServer;
  let proxy: TcpProxy;
  let client: Redis;
  let subscriber: Redis;
  let adapter: RedisAdapter;
  let server: HistoryAppServer;
  const members: ResumingClient[] = [];

  beforeAll(async () => {
    redis = await RedisServer.start();
    proxy = await TcpProxy.start(redis.port);
    client = new Redis(redis.url, RESILIENT_OPTIONS);
    subscriber = new Redis(`redis://127.0.0.1:${proxy.port}`, RESILIENT_OPTIONS);
    adapter = new RedisAdapter({ client, subscriber, keyPrefix: 'silent:', heartbeatIntervalMs: HEARTBEAT_MS });
    server = await startHistoryApp({ adapter });
  }, 30_000);

  afterAll(async () => {
    for (const member of members) member.socket.terminate();
    await server?.app.close();
    client?.disconnect();
    subscriber?.disconnect();
    await proxy?.stop();
    await redis?.dispose();
  });

  async function member(room: string): Promise<ResumingClient> {
    const joined = await ResumingClient.connect(server.url);
    members.push(joined);
    await joined.request('join', { room });
    return joined;
  }

  it('finds the subscriber silent, reconnects it, and gives the members what they missed, in order and once', async () => {
    const room = 'h:silent';
    const [ada, bob] = [await member(room), await member(room)];
    await server.publish(room, 1, 3);
    for (const joined of [ada, bob]) await joined.waitForCount(room, 3);
    const gapsBefore = adapter.stats().silentGaps ?? 0;

    proxy.stallDownstream(); // the subscriber stays open; nothing Redis sends reaches it
    await server.publish(room, 4, 5); // retained, published, and lost on the way to this node

    await waitUntil(async () => (adapter.stats().silentGaps ?? 0) > gapsBefore, () => 'the silent subscriber was not detected');
    for (const joined of [ada, bob]) await joined.waitForCount(room, 8);
    await server.publish(room, 9, 2);
    for (const joined of [ada, bob]) {
      await joined.waitForCount(room, 10);
      expect(joined.numbers(room)).toEqual(range(1, 10));
      expect(joined.received.filter(({ room: of }) => of === room).map(({ offset }) => offset)).toEqual(range(1, 10));
    }
    expect(adapter.stats()).toMatchObject({ isConnected: true, silentGaps: gapsBefore + 1 });
  }, 30_000);

  it('fills what was published while the subscriber was reset and reconnecting (an outage, not a silent loss)', async () => {
    const room = 'h:reset';
    const ada = await member(room);
    await server.publish(room, 1, 2);
    await ada.waitForCount(room, 2);
    const { outages, silentGaps } = adapter.stats();

    proxy.cut(); // RST on the subscriber; its reconnects are refused until restore()
    await waitUntil(async () => adapter.stats().outages > outages, () => 'the outage was not noticed');
    await server.publish(room, 3, 4); // the command connection does not go through the proxy: retained
    proxy.restore();

    await ada.waitForCount(room, 6);
    await server.publish(room, 7, 1);
    await ada.waitForCount(room, 7);
    expect(ada.numbers(room)).toEqual(range(1, 7));
    expect(adapter.stats().silentGaps).toBe(silentGaps);
  }, 30_000);

  it('gives a member who joined after the node had left the room nothing from before its join when a gap is filled', async () => {
    const room = 'h:rejoin';
    const ada = await member(room);
    await server.publish(room, 1, 2);
    await ada.waitForCount(room, 2);
    const channelsWithAda = adapter.footprint().channels;
    ada.socket.close(); // the node's last member: it unsubscribes the room's channel
    await waitUntil(async () => adapter.footprint().channels < channelsWithAda, () => 'the node did not leave the room');
    await server.publish(room, 3, 3); // retained while no member is here: nothing of it is this node's to deliver

    const bob = await member(room); // the node subscribes again
    const { outages } = adapter.stats();
    proxy.cut(); // a gap: the fill reads from what this node delivered in the room
    await waitUntil(async () => adapter.stats().outages > outages, () => 'the outage was not noticed');
    proxy.restore();
    await waitUntil(async () => adapter.stats().isConnected, () => 'the subscriber did not come back');
    await server.publish(room, 6, 2);
    await waitUntil(async () => bob.numbers(room).includes(7), () => `bob got ${JSON.stringify(bob.numbers(room))}`);
    expect(bob.numbers(room).filter((n) => n < 6)).toEqual([]); // 3..5 were retained before bob joined
  }, 30_000);

  it('probes without a false alarm while the subscriber delivers', async () => {
    const room = 'h:steady';
    const ada = await member(room);
    const gapsBefore = adapter.stats().silentGaps;
    const probesBefore = await probesSeen();
    // Several heartbeats pass: each sends a probe, which comes back.
    await waitUntil(async () => (await probesSeen()) >= probesBefore + 5, () => 'the node did not probe its subscriber');
    await server.publish(room, 1, 2);
    await ada.waitForCount(room, 2);
    expect(adapter.stats().silentGaps).toBe(gapsBefore);
  }, 30_000);

  /** PUBLISH calls Redis has run so far (the probes are most of them on an idle node). */
  async function probesSeen(): Promise<number> {
    const stats = await client.info('commandstats');
    return Number(/cmdstat_publish:calls=(\d+)/.exec(stats)?.[1] ?? 0);
  }
});
