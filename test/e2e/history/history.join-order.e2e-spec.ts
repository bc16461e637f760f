// With history, a join still takes effect in the tick it is called, as without: a client that
// sends `join` and, without waiting, a message that needs the membership is served in order.
import { HistoryAppOptions } from '../../fixtures/history/history-app';
import { RedisServer } from '../../helpers/redis-server';
import { HistoryAppServer, startHistoryApp } from './history-app-server';
import { ResumingClient } from './resuming-client';

let redis: RedisServer;
const clients: ResumingClient[] = [];

beforeAll(async () => {
  redis = await RedisServer.start();
});

afterAll(async () => {
  await redis?.dispose();
});

describe.each([
  ['in memory', (): HistoryAppOptions => ({})],
  ['on Redis Streams', (): HistoryAppOptions => ({ redisUrl: redis.url, keyPrefix: `order-${Date.now()}:` })],
])('joining a room with history, %s', (_name, options) => {
  let server: HistoryAppServer;

  beforeAll(async () => {
    server = await startHistoryApp(options());
  });

  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
  });

  afterAll(async () => {
    await server?.app.close();
  });

  it('is in effect for the next message the client sent without waiting for the reply', async () => {
    const room = `h:order-${Math.random()}`;
    const client = await ResumingClient.connect(server.url);
    clients.push(client);

    const [, whoami] = await Promise.all([client.request('join', { room }), client.request('whoami')]);

    expect(whoami).toMatchObject({ rooms: [room] });
  });

});
