// A resume racing the client's disconnect, or another resume of the same session: nothing is left
// behind (no member of a room without a connection), and a session is restored once.
import { ConnectionRegistry, Rooms } from '../../../lib';
import { describeOnEachBackend, until } from './history-app-server';
import { ResumingClient } from './resuming-client';

jest.setTimeout(30_000);

const ROOMS = 5;
const ATTEMPTS = 12;

describeOnEachBackend('resume races', (suite) => {
  const connect = (): Promise<ResumingClient> => suite.connect();

  /** A session in ROOMS rooms, each with a message, whose connection is gone. */
  const droppedSession = async (prefix: string): Promise<{ session: string; rooms: string[] }> => {
    const rooms = Array.from({ length: ROOMS }, (_, i) => `h:${prefix}-${i}-${Math.random()}`);
    const owner = await connect();
    for (const room of rooms) await owner.request('join', { room });
    for (const room of rooms) await suite.server.publish(room, 1, 1);
    owner.reset();
    return { session: owner.session, rooms };
  };

  const membersOf = async (rooms: string[]): Promise<string[]> => (await Promise.all(rooms.map((room) => suite.server.app.get(Rooms).members(room)))).flat();

  it('leaves no member behind when the client resets right after $resume, or after the first replayed message', async () => {
    const { session, rooms } = await droppedSession('reset');
    let presented = session;
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const client = await connect();
      client.socket.send(JSON.stringify({ event: '$resume', data: { session: presented }, id: 1 }));
      if (attempt % 2 === 1) await client.waitFor((envelope) => envelope.event === 'msg' || envelope.id === 1, 'the first replayed message or the answer');
      client.reset();
      // Whether the resume went through or not, one of the two ids holds the session now.
      presented = client.received.some((envelope) => envelope.id === 1 && (envelope.data as { restored?: boolean }).restored) ? client.session : presented;
    }

    await until(async () => suite.server.app.get(ConnectionRegistry).count === 0, 'every connection closed');
    await until(async () => (await membersOf(rooms)).length === 0, `no member left in the rooms (${(await membersOf(rooms)).length} left)`);
  });

  it('restores a session once when two connections resume it at the same time', async () => {
    const { session, rooms } = await droppedSession('twice');
    const [first, second] = await Promise.all([connect(), connect()]);

    const replies = await Promise.all([first.resume(session), second.resume(session)]);

    expect(replies.map((reply) => reply.restored).sort()).toEqual([false, true]);
    const [winner, loser] = replies[0].restored ? [first, second] : [second, first];
    const { id } = await winner.request<{ id: string }>('whoami');
    expect(await loser.request('whoami')).toMatchObject({ rooms: [] });
    expect(await membersOf(rooms)).toEqual(rooms.map(() => id));
  });
});
