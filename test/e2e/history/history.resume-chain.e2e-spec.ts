// Resuming a session that was itself resumed (docs/history.md): the id
// to keep is the newest one, which the `$resume` answer names; an id that was taken over answers
// restored: false, never an empty restore. Raw envelopes, in memory and on Redis Streams.
import { describeOnEachBackend } from './history-app-server';
import { range, ResumingClient } from './resuming-client';

jest.setTimeout(30_000); // above ResumingClient's own 15 s bound, so a missing message fails with what arrived

describeOnEachBackend('resuming a resumed session', (suite) => {
  const connect = (): Promise<ResumingClient> => suite.connect();

  /** A connection that joined `room`, received `count` messages and then lost its network (RST). */
  const dropAfter = async (client: ResumingClient, room: string, count: number): Promise<{ session: string; position: ReturnType<ResumingClient['position']> }> => {
    await client.waitForCount(room, count);
    const position = client.position(room);
    client.reset();
    return { session: client.session, position };
  };

  it('names the new connection’s own $session id as the one to keep', async () => {
    const room = `h:keep-${Math.random()}`;
    const first = await connect();
    await first.request('join', { room });
    first.reset();

    const second = await connect();
    const reply = await second.resume(first.session);

    expect(reply).toMatchObject({ restored: true, session: second.session });
    expect(second.session).not.toBe(first.session);
  });

  it('restores the rooms and replays again when the resumed connection drops and resumes with its newest id (A → B → C)', async () => {
    const room = `h:chain-${Math.random()}`;
    const first = await connect();
    await first.request('join', { room });
    await first.request('remember', { name: 'ada' });
    await suite.server.publish(room, 1, 2);
    const a = await dropAfter(first, room, 2);

    await suite.server.publish(room, 3, 2);
    const second = await connect();
    const toB = await second.resume(a.session, { [room]: a.position });
    const b = await dropAfter(second, room, 2);

    await suite.server.publish(room, 5, 3);
    const third = await connect();
    const toC = await third.resume(b.session, { [room]: b.position });
    await third.waitForCount(room, 3);

    expect(toB).toMatchObject({ session: b.session, restored: true, rooms: { [room]: { recovered: true, replayed: 2 } } });
    expect(toC).toEqual({ session: third.session, restored: true, rooms: { [room]: { recovered: true, epoch: b.position?.epoch, offset: 7, replayed: 3 } } });
    expect(third.numbers(room)).toEqual(range(5, 3));
    expect(await third.request('whoami')).toMatchObject({ data: { name: 'ada' }, rooms: [room] });
  });

  it('replays from where the room stood at the join for a room the client joined but got nothing from (no position sent)', async () => {
    const room = `h:no-epoch-${Math.random()}`;
    await suite.server.publish(room, -1, 2); // before the join: not the client's
    const first = await connect();
    await first.request('join', { room });
    first.reset();

    await suite.server.publish(room, 1, 3);
    const second = await connect();
    await second.resume(first.session);
    second.reset();
    await suite.server.publish(room, 4, 2);
    const third = await connect();
    const toC = await third.resume(second.session);
    await third.waitForCount(room, 5);

    expect(toC).toMatchObject({ restored: true, rooms: { [room]: { recovered: true, offset: 7, replayed: 5 } } });
    expect(third.numbers(room)).toEqual(range(1, 5));
  });

  it('rejoins every room of the session, also rooms named like Object.prototype members', async () => {
    const rooms = ['__proto__', 'constructor', 'toString', `h:${Math.random()}`];
    const first = await connect();
    for (const room of rooms) await first.request('join', { room });
    first.reset();

    const second = await connect();
    await second.resume(first.session);

    expect(((await second.request<{ rooms: string[] }>('whoami')).rooms).sort()).toEqual([...rooms].sort());
  });

  it('answers restored: false, and joins nothing, for an id a resume has already taken over', async () => {
    const room = `h:taken-${Math.random()}`;
    const first = await connect();
    await first.request('join', { room });
    first.reset();
    const second = await connect();
    expect(await second.resume(first.session)).toMatchObject({ restored: true });

    const third = await connect();
    const reply = await third.resume(first.session, { [room]: { offset: 0, epoch: 'e' } });

    expect(reply).toEqual({ session: third.session, restored: false, rooms: { [room]: { recovered: false, epoch: '', offset: 0, replayed: 0 } } });
    expect(await third.request('whoami')).toMatchObject({ rooms: [] });
  });
});
