// Resume with permessage-deflate (the other history suites run without it): the replay, the
// answer and the held live messages go through the compressor in the order they were sent.
import { describeOnEachBackend } from './history-app-server';
import { range, ResumingClient } from './resuming-client';

jest.setTimeout(30_000);

describeOnEachBackend('resume with permessage-deflate', (suite) => {
  const clients: ResumingClient[] = [];
  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
  });
  const connect = async (): Promise<ResumingClient> => {
    const client = await ResumingClient.connect(suite.server.url.replace(/\/history$/, '/history-deflate'));
    clients.push(client);
    expect(client.socket.extensions).toContain('permessage-deflate');
    return client;
  };

  it('loses nothing and duplicates nothing when messages keep coming while the client resumes', async () => {
    const room = `h:deflate-${Math.random()}`;
    const first = await connect();
    await first.request('join', { room });
    await suite.server.publish(room, 1, 1);
    await first.waitForCount(room, 1);
    const position = first.position(room);
    first.reset();
    await suite.server.publish(room, 2, 200);

    const second = await connect();
    const resumed = second.resume(first.session, { [room]: position });
    await Promise.all([resumed, suite.server.publish(room, 202, 300)]);
    await second.waitForCount(room, 500);

    expect(await resumed).toMatchObject({ restored: true, rooms: { [room]: { recovered: true } } });
    expect(second.numbers(room)).toEqual(range(2, 500));
  });
});
