// A presented session id is spent once (docs/history.md, "The id to keep"), also while the connection that
// held it is still open (half-open, a second tab): that connection's later saves (a join, its
// close) must not bring the id back, and its close must not touch the session's new owner.
import { Rooms } from '../../../lib';
import { RedisServer } from '../../helpers/redis-server';
import { describeOnEachBackend, HistoryAppServer, startHistoryApp, until } from './history-app-server';
import { ResumingClient } from './resuming-client';

jest.setTimeout(30_000);

describeOnEachBackend('a session taken from a connection that is still open', (suite) => {
  const members = (room: string): Promise<string[]> => suite.server.app.get(Rooms).members(room);

  /** `old` holds a session in `room` and stays open; `resumed` took that session. */
  const takenWhileOpen = async (): Promise<{ old: ResumingClient; resumed: ResumingClient; room: string; oldId: string; resumedId: string }> => {
    const room = `h:taken-${Math.random()}`;
    const old = await suite.connect();
    await old.request('join', { room });
    const resumed = await suite.connect();
    expect(await resumed.resume(old.session)).toMatchObject({ restored: true });
    const [{ id: oldId }, { id: resumedId }] = await Promise.all([old.request<{ id: string }>('whoami'), resumed.request<{ id: string }>('whoami')]);
    return { old, resumed, room, oldId, resumedId };
  };

  it('answers restored: false to the spent id after the old connection joins another room and closes', async () => {
    const { old, resumed, room, oldId, resumedId } = await takenWhileOpen();
    await old.request('join', { room: `h:later-${Math.random()}` });
    old.close();
    await until(async () => !(await members(room)).includes(oldId), 'the old connection left the room');

    const third = await suite.connect();
    expect(await third.resume(old.session)).toMatchObject({ restored: false, rooms: {} });
    expect(await third.request('whoami')).toMatchObject({ rooms: [] });
    expect(await members(room)).toEqual([resumedId]);
    expect(resumed.socket.readyState).toBe(resumed.socket.OPEN);
  });

  it('answers restored: false to a connection presenting its own id, and keeps the session with it', async () => {
    const room = `h:own-${Math.random()}`;
    const client = await suite.connect();
    expect(await client.resume(client.session)).toMatchObject({ session: client.session, restored: false });
    await client.request('join', { room });
    client.reset();

    const next = await suite.connect();
    expect(await next.resume(client.session)).toMatchObject({ restored: true });
    expect(await next.request('whoami')).toMatchObject({ rooms: [room] });
  });

  it('keeps the session with its new owner when the old connection closes after the resume', async () => {
    const { old, resumed, room, oldId, resumedId } = await takenWhileOpen();
    old.reset();
    await until(async () => !(await members(room)).includes(oldId), 'the old connection left the room');
    resumed.close();
    await until(async () => !(await members(room)).includes(resumedId), 'the resumed connection left the room');

    const next = await suite.connect();
    expect(await next.resume(resumed.session)).toMatchObject({ restored: true });
    expect(await next.request('whoami')).toMatchObject({ rooms: [room] });
  });
});

describe('a session taken on another node while its connection is still open (two nodes, one Redis)', () => {
  let redis: RedisServer | undefined;
  const nodes: HistoryAppServer[] = [];
  const clients: ResumingClient[] = [];
  const connect = async (node: HistoryAppServer): Promise<ResumingClient> => {
    const client = await ResumingClient.connect(node.url);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    redis = await RedisServer.start();
    const keyPrefix = `taken-${Date.now()}:`;
    for (let i = 0; i < 2; i++) nodes.push(await startHistoryApp({ redisUrl: redis.url, keyPrefix }));
  });
  afterAll(async () => {
    for (const client of clients.splice(0)) client.close();
    for (const node of nodes.splice(0)) await node.app.close();
    await redis?.dispose();
  });

  it('answers restored: false to the spent id once the connection on the first node has closed', async () => {
    const [first, second] = nodes;
    const room = `h:taken-${Math.random()}`;
    const old = await connect(first);
    await old.request('join', { room });
    const resumed = await connect(second);
    expect(await resumed.resume(old.session)).toMatchObject({ restored: true });
    const [{ id: oldId }, { id: resumedId }] = await Promise.all([old.request<{ id: string }>('whoami'), resumed.request<{ id: string }>('whoami')]);

    old.close();
    await until(async () => !(await second.app.get(Rooms).members(room)).includes(oldId), 'the old connection left the room');
    const third = await connect(second);

    expect(await third.resume(old.session)).toMatchObject({ restored: false, rooms: {} });
    expect(await second.app.get(Rooms).members(room)).toEqual([resumedId]);
  });
});
