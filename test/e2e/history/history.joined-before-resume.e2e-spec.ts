// A room the new connection already joined before its `$resume` (in handleConnection) and that the
// session also holds: what the old connection missed before that join is replayed, and what the new
// one got live after it is not sent again (exactly once, in order, no gap at either seam).
import { describeOnEachBackend } from './history-app-server';
import { ResumingClient } from './resuming-client';

jest.setTimeout(30_000);

describeOnEachBackend('a resume of a room joined in handleConnection', (suite) => {
  const clients: ResumingClient[] = [];
  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
  });
  const connectJoined = async (room: string): Promise<ResumingClient> => {
    const client = await ResumingClient.connect(`${suite.server.url}?join=${encodeURIComponent(room)}`);
    clients.push(client);
    return client;
  };

  it('replays what was missed before the join and nothing the connection got live after it', async () => {
    const room = `h:joined-${Math.random()}`;
    const old = await connectJoined(room);
    await suite.server.publish(room, 1, 3);
    await old.waitForCount(room, 3);
    old.reset();
    await suite.server.publish(room, 4, 3); // missed by both connections
    const back = await connectJoined(room); // joined at offset 6
    await suite.server.publish(room, 7, 2); // live to the new connection, before its $resume
    await back.waitForCount(room, 2);

    const reply = await back.resume(old.session, { [room]: old.position(room) });
    await suite.server.publish(room, 9, 2);
    await back.waitFor((envelope) => envelope.room === room && (envelope.data as { n?: number }).n === 10, 'message 10, live');

    expect(reply).toMatchObject({ restored: true, rooms: { [room]: { recovered: true, offset: 8, replayed: 3 } } });
    expect(back.numbers(room)).toEqual([7, 8, 4, 5, 6, 9, 10]);
  });

  it('sends nothing again when the client presents a position the live messages already passed', async () => {
    const room = `h:joined-${Math.random()}`;
    const old = await connectJoined(room);
    old.reset();
    const back = await connectJoined(room);
    await suite.server.publish(room, 1, 2);
    await back.waitForCount(room, 2);

    const reply = await back.resume(old.session, { [room]: back.position(room) });
    await suite.server.publish(room, 3, 1);
    await back.waitFor((envelope) => envelope.room === room && (envelope.data as { n?: number }).n === 3, 'message 3, live');

    expect(reply).toMatchObject({ restored: true, rooms: { [room]: { recovered: true, replayed: 0 } } });
    expect(back.numbers(room)).toEqual([1, 2, 3]);
  });
});
