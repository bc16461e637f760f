// historyTtlMs on Redis: a room's stream expires after its last message, its epoch and offset live
// on (30 days), so a client coming back after the stream expired is told recovered: false in the
// same epoch, and the room goes on numbering where it was: never a wrong offset.
import { Redis } from 'ioredis';
import { RedisNames } from '../../../lib/adapters/redis/redis-channels';
import { HistoryAppServer, startHistoryApp } from '../history/history-app-server';
import { ResumingClient } from '../history/resuming-client';
import { RedisServer } from '../../helpers/redis-server';
import { waitUntil } from '../../helpers/ws-test-client';

const KEY_PREFIX = 'ttl:';
const HISTORY_TTL_MS = 300;
const DAY_MS = 86_400_000;

describe('room history with historyTtlMs on Redis', () => {
  let redis: RedisServer;
  let probe: Redis;
  let server: HistoryAppServer;
  const clients: ResumingClient[] = [];

  beforeAll(async () => {
    redis = await RedisServer.start();
    probe = new Redis(redis.url);
    server = await startHistoryApp({ redisUrl: redis.url, keyPrefix: KEY_PREFIX, historyTtlMs: HISTORY_TTL_MS });
  }, 30_000);

  afterAll(async () => {
    for (const client of clients) client.close();
    await server?.app.close();
    probe?.disconnect();
    await redis?.dispose();
  });

  async function connect(): Promise<ResumingClient> {
    const client = await ResumingClient.connect(server.url);
    clients.push(client);
    return client;
  }

  it('expires the stream, keeps the epoch and offset, and answers a late resume recovered: false in the same epoch', async () => {
    const room = 'h:ttl';
    const { stream, meta } = new RedisNames(KEY_PREFIX).roomHistory(room);
    const first = await connect();
    await first.request('join', { room });
    await server.publish(room, 1, 1);
    await first.waitForCount(room, 1);
    const position = first.position(room);
    first.reset();
    await server.publish(room, 2, 2);

    expect(await probe.pttl(stream)).toBeGreaterThan(0);
    expect(await probe.pttl(stream)).toBeLessThanOrEqual(HISTORY_TTL_MS);
    expect(await probe.pttl(meta)).toBeGreaterThan(29 * DAY_MS);
    await waitUntil(async () => (await probe.exists(stream)) === 0, () => 'the stream did not expire');

    const second = await connect();
    const reply = await second.resume(first.session, { [room]: position });
    expect(reply.restored).toBe(true);
    expect(reply.rooms[room]).toEqual({ recovered: false, epoch: position?.epoch, offset: 3, replayed: 0 });

    await server.publish(room, 4, 1);
    await second.waitForCount(room, 1);
    expect(second.position(room)).toEqual({ epoch: position?.epoch, offset: 4 });
  }, 30_000);
});
