import { INestApplication } from '@nestjs/common';
import { Redis } from 'ioredis';
import { HistoryAppOptions } from '../../fixtures/history/history-app';
import { RedisNames } from '../../../lib/adapters/redis/redis-channels';
import { RedisServer } from '../../helpers/redis-server';
import { startHistoryApp } from './history-app-server';
import { range, ResumingClient } from './resuming-client';

const MESSAGES = 500;
// A hang guard, not a timing bound: 500 messages through Redis Streams and back took over Jest's 5 s
// default beside another suite on a busy machine (2 Jest workers, load 15).
jest.setTimeout(30_000);

let redis: RedisServer;
const clients: ResumingClient[] = [];

async function connect(url: string): Promise<ResumingClient> {
  const client = await ResumingClient.connect(url);
  clients.push(client);
  return client;
}

describe.each([
  ['in memory', (): HistoryAppOptions => ({})],
  ['on Redis Streams', (): HistoryAppOptions => ({ redisUrl: redis.url, keyPrefix: `one-${Date.now()}:` })],
])('history on one node, %s', (_name, options) => {
  let app: INestApplication;
  let url: string;
  let publish: (room: string, from: number, count: number) => Promise<{ ms: number }>;

  beforeAll(async () => {
    ({ app, url, publish } = await startHistoryApp(options()));
  });

  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
  });

  afterAll(async () => {
    await app?.close();
  });

  it('replays exactly the 500 messages a dropped client missed, in order, then live ones, without a duplicate', async () => {
    const room = `h:drop-${Math.random()}`;
    const first = await connect(url);
    await first.request('join', { room });
    await first.request('remember', { name: 'ada' });
    await publish(room, 1, 3);
    await first.waitForCount(room, 3);
    const position = first.position(room);
    first.reset();

    await publish(room, 4, MESSAGES);
    const second = await connect(url);
    const started = performance.now();
    const reply = await second.request<{ restored: boolean; rooms: Record<string, { recovered: boolean; replayed: number }> }>('$resume', {
      session: first.session,
      rooms: { [room]: position },
    });
    const replayMs = performance.now() - started;
    await publish(room, 4 + MESSAGES, 5);
    await second.waitForCount(room, MESSAGES + 5);

    expect(reply.restored).toBe(true);
    expect(reply.rooms[room]).toMatchObject({ recovered: true, replayed: MESSAGES });
    expect(second.numbers(room)).toEqual(range(4, MESSAGES + 5));
    expect(await second.request('whoami')).toMatchObject({ data: { name: 'ada' }, rooms: [room] });
    // The reply comes after the replay and before the live messages.
    const replyIndex = second.received.findIndex((envelope) => envelope.event === '$resume');
    expect(second.received.slice(0, replyIndex).filter((envelope) => envelope.event === 'msg')).toHaveLength(MESSAGES);
    console.log(`replay of ${MESSAGES} messages: ${replayMs.toFixed(1)} ms (${Math.round(MESSAGES / (replayMs / 1000))} messages/s, request to reply)`);
  });

  it('loses nothing and duplicates nothing when messages keep coming while the client resumes', async () => {
    const room = `h:seam-${Math.random()}`;
    const first = await connect(url);
    await first.request('join', { room });
    await publish(room, 1, 1);
    await first.waitForCount(room, 1);
    const position = first.position(room);
    first.reset();
    await publish(room, 2, 200);

    const second = await connect(url);
    const resumed = second.request('$resume', { session: first.session, rooms: { [room]: position } });
    await Promise.all([resumed, publish(room, 202, 300)]);
    await second.waitForCount(room, 500);

    expect(second.numbers(room)).toEqual(range(2, 500));
  });

  it('says recovered: false when the history no longer reaches back to the client', async () => {
    const room = `h:trim-${Math.random()}`;
    const first = await connect(url);
    await first.request('join', { room });
    await publish(room, 1, 1);
    await first.waitForCount(room, 1);
    const position = first.position(room);
    first.reset();
    await publish(room, 2, 1300); // maxMessages 1000 (MAXLEN ~ keeps up to about 100 more)

    const second = await connect(url);
    const reply = await second.request<{ restored: boolean; rooms: Record<string, { recovered: boolean; offset: number; replayed: number }> }>('$resume', {
      session: first.session,
      rooms: { [room]: position },
    });
    await publish(room, 1302, 1);
    await second.waitForCount(room, 1);

    expect(reply).toMatchObject({ restored: true, rooms: { [room]: { recovered: false, offset: 1301, replayed: 0 } } });
    expect(second.numbers(room)).toEqual([1302]);
  });

  it('says recovered: false for every room when the epoch changed', async () => {
    const room = `h:epoch-${Math.random()}`;
    const first = await connect(url);
    await first.request('join', { room });
    first.reset();
    const second = await connect(url);
    const reply = await second.request<{ rooms: Record<string, { recovered: boolean }> }>('$resume', { session: first.session, rooms: { [room]: { offset: 0, epoch: 'gone' } } });
    expect(reply.rooms[room].recovered).toBe(false);
  });

  it('restores nothing for an unknown session', async () => {
    const client = await connect(url);
    const reply = await client.request<{ restored: boolean; session: string }>('$resume', { session: 'no-such-session', rooms: { 'h:x': { offset: 1, epoch: 'e' } } });
    expect(reply).toMatchObject({ restored: false, session: client.session, rooms: { 'h:x': { recovered: false } } });
  });
});

describe('Redis cost per retained message', () => {
  it('measures MEMORY USAGE of a stream of 1000 messages', async () => {
    const prefix = `cost-${Date.now()}:`;
    const { app, publish } = await startHistoryApp({ redisUrl: redis.url, keyPrefix: prefix });
    const client = new Redis(redis.url);
    try {
      const room = 'h:cost';
      const { ms } = await publish(room, 1, 1000);
      const { stream } = new RedisNames(prefix).roomHistory(room);
      const bytes = Number(await client.call('MEMORY', 'USAGE', stream, 'SAMPLES', '0'));
      const length = await client.xlen(stream);
      console.log(`Redis stream: ${length} entries, ${bytes} B, ${(bytes / length).toFixed(1)} B per message (payload ${JSON.stringify({ event: 'msg', data: { n: 1000 } }).length} B); 1000 sequential publishes in ${ms.toFixed(0)} ms`);
      expect(length).toBeGreaterThanOrEqual(1000);
    } finally {
      client.disconnect();
      await app.close();
    }
  });
});

beforeAll(async () => {
  redis = await RedisServer.start();
});

afterAll(async () => {
  await redis?.dispose();
});
