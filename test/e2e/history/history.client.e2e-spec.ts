import { WebSocket } from 'undici';
import { ConnectionRegistry } from '../../../lib';
import { ConnectionEvents, createClient, WsClient } from '../../../lib/client';
import { RedisServer } from '../../helpers/redis-server';
import { HistoryAppServer, startHistoryApp } from './history-app-server';
import { range } from './resuming-client';

const WAIT_MS = 10_000;

let redis: RedisServer;
let server: HistoryAppServer;
let client: WsClient | undefined;

const publish = (room: string, from: number, count: number): Promise<unknown> => server.publish(room, from, count);

/** Drops every connection from the server's side, without a close handshake. */
function dropAll(): void {
  for (const connection of server.app.get(ConnectionRegistry).all()) connection.terminate();
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not within ${WAIT_MS} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A client of `ws /history` that records the n of each msg and every `resumed` event. */
async function openClient(room: string, reconnectDelayMs = 50): Promise<{ client: WsClient; numbers: number[]; resumed: ConnectionEvents['resumed'][] }> {
  const numbers: number[] = [];
  const resumed: ConnectionEvents['resumed'][] = [];
  const opened = createClient(server.url, {
    WebSocket,
    reconnect: { initialDelayMs: reconnectDelayMs, maxDelayMs: reconnectDelayMs },
    random: () => 0.99, // the backoff's jitter at its top: the delay is close to reconnectDelayMs
  });
  opened.on('msg', (data) => numbers.push((data as { n: number }).n));
  opened.onConnection('resumed', (event) => resumed.push(event));
  await opened.connect();
  await opened.request('join', { room });
  client = opened;
  return { client: opened, numbers, resumed };
}

describe('the client resumes its session after a reconnection', () => {
  beforeAll(async () => {
    redis = await RedisServer.start();
    server = await startHistoryApp({ redisUrl: redis.url, keyPrefix: 'client-e2e:' });
  });

  afterEach(async () => {
    await client?.close();
    client = undefined;
  });

  afterAll(async () => {
    await server?.app.close();
    await redis?.dispose();
  });

  it('gets what it missed while away, in order and once, without the application rejoining', async () => {
    const room = `h:client-${Math.random()}`;
    const { numbers, resumed } = await openClient(room);
    await publish(room, 1, 3);
    await until(() => numbers.length === 3, 'the first 3 messages');

    dropAll();
    await publish(room, 4, 200);
    await until(() => resumed.length === 1, 'the resumed event');
    await publish(room, 204, 3);
    await until(() => numbers.length === 206, 'all 206 messages');

    expect(numbers).toEqual(range(1, 206));
    expect(resumed[0]).toMatchObject({ restored: true, unrecovered: [], rooms: { [room]: { recovered: true } } });
  });

  it('resumes twice in a row (A → B → C): rooms back and nothing missed or repeated each time', async () => {
    const room = `h:client-chain-${Math.random()}`;
    const { numbers, resumed } = await openClient(room);
    await publish(room, 1, 2);
    await until(() => numbers.length === 2, 'the first 2 messages');

    dropAll();
    await publish(room, 3, 2);
    await until(() => resumed.length === 1 && numbers.length === 4, 'the first resume and its replay');
    dropAll();
    await publish(room, 5, 2);
    await until(() => resumed.length === 2, 'the second resume');
    await publish(room, 7, 1);
    await until(() => numbers.length === 7, 'all 7 messages');

    expect(numbers).toEqual(range(1, 7));
    expect(resumed.map(({ restored, unrecovered }) => ({ restored, unrecovered }))).toEqual([
      { restored: true, unrecovered: [] },
      { restored: true, unrecovered: [] },
    ]);
    expect(resumed[1].session).not.toBe(resumed[0].session);
    expect(resumed[1].rooms[room]).toMatchObject({ recovered: true, replayed: 2 });
  });

  it('surfaces recovered: false when the history was trimmed past its offset', async () => {
    const room = `h:client-trim-${Math.random()}`;
    const { numbers, resumed } = await openClient(room, 1500); // away long enough for 1300 messages
    await publish(room, 1, 1);
    await until(() => numbers.length === 1, 'the first message');

    dropAll();
    await publish(room, 2, 1300); // maxMessages 1000: offset 1 is gone
    expect(resumed).toHaveLength(0);
    await until(() => resumed.length === 1, 'the resumed event');
    await publish(room, 1302, 1);
    await until(() => numbers.includes(1302), 'the live message after the resume');

    expect(resumed[0]).toMatchObject({ restored: true, unrecovered: [room], rooms: { [room]: { recovered: false } } });
  });
});
