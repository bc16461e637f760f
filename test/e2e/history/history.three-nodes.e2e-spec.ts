import { HistoryNode } from '../../fixtures/history/history-node.process';
import { RedisServer } from '../../helpers/redis-server';
import { range, ResumeReply, ResumingClient } from './resuming-client';

jest.setTimeout(30_000); // above ResumingClient's own 15 s bound, so a missing message fails with what arrived

const MESSAGES = 500;
const KEY_PREFIX = 'hist3:';

let redis: RedisServer;
let nodes: HistoryNode[] = [];
const clients: ResumingClient[] = [];

async function connect(node: HistoryNode): Promise<ResumingClient> {
  const client = await ResumingClient.connect(node.wsUrl);
  clients.push(client);
  return client;
}

describe('history across three nodes on one redis-server', () => {
  beforeAll(async () => {
    redis = await RedisServer.start();
    nodes = await Promise.all(['A', 'B', 'C'].map((name) => HistoryNode.start(name, redis.url, KEY_PREFIX)));
  }, 40_000);

  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
  });

  afterAll(async () => {
    await Promise.all(nodes.map((node) => node.stop()));
    await redis?.dispose();
  }, 20_000);

  it('replays the 500 missed messages on another node, in order, then live ones, without a duplicate', async () => {
    const room = `h:move-${Math.random()}`;
    const [a, b, c] = nodes;
    const first = await connect(a);
    await first.request('join', { room });
    await first.request('remember', { name: 'ada' });
    await b.publish(room, 1, 2);
    await first.waitForCount(room, 2);
    const position = first.position(room);
    first.reset();

    await b.publish(room, 3, MESSAGES);
    const second = await connect(c);
    const reply = await second.request<ResumeReply>('$resume', { session: first.session, rooms: { [room]: position } });
    await a.publish(room, 3 + MESSAGES, 5);
    await second.waitForCount(room, MESSAGES + 5);

    expect(reply).toMatchObject({ restored: true, rooms: { [room]: { recovered: true, replayed: MESSAGES } } });
    expect(second.numbers(room)).toEqual(range(3, MESSAGES + 5));
    expect(await second.request('whoami')).toMatchObject({ data: { name: 'ada' }, rooms: [room] });
  });

  it('resumes a resumed session on a third node with the newest id (A → B → C), rooms and data back, nothing missed', async () => {
    const room = `h:chain-${Math.random()}`;
    const [a, b, c] = nodes;
    const first = await connect(a);
    await first.request('join', { room });
    await first.request('remember', { name: 'ada' });
    await c.publish(room, 1, 2);
    await first.waitForCount(room, 2);
    const atA = first.position(room);
    first.reset();

    await c.publish(room, 3, 2);
    const second = await connect(b);
    const toB = await second.resume(first.session, { [room]: atA });
    await second.waitForCount(room, 2);
    const atB = second.position(room);
    second.reset();

    await a.publish(room, 5, 3);
    const third = await connect(c);
    const toC = await third.resume(second.session, { [room]: atB });
    await third.waitForCount(room, 3);

    expect(toB).toMatchObject({ session: second.session, restored: true, rooms: { [room]: { recovered: true, replayed: 2 } } });
    expect(toC).toMatchObject({ session: third.session, restored: true, rooms: { [room]: { recovered: true, replayed: 3 } } });
    expect(third.numbers(room)).toEqual(range(5, 3));
    expect(await third.request('whoami')).toMatchObject({ data: { name: 'ada' }, rooms: [room] });
    expect(await (await connect(a)).resume(first.session)).toMatchObject({ restored: false });
  });

  it('recovers on another node after its own node was SIGKILLed mid-stream', async () => {
    const room = `h:kill-${Math.random()}`;
    const [a, b, c] = nodes;
    const first = await connect(a);
    await first.request('join', { room });
    // 500 messages over about a second, from B; A dies while they flow.
    const streaming = b.publish(room, 1, MESSAGES, 2);
    await first.waitForCount(room, 50);
    await a.stop('SIGKILL');
    await first.waitFor(() => first.socket.readyState === first.socket.CLOSED, 'the close after the kill').catch(() => undefined);
    const position = first.position(room);
    const before = first.numbers(room);

    const second = await connect(c);
    const reply = await second.request<ResumeReply>('$resume', { session: first.session, rooms: { [room]: position } });
    await streaming;
    await second.waitForCount(room, MESSAGES - before.length);

    expect(reply).toMatchObject({ restored: true, rooms: { [room]: { recovered: true } } });
    expect([...before, ...second.numbers(room)]).toEqual(range(1, MESSAGES));
  });
});
