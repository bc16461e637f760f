// With history, a join still takes effect in the tick it is called, as without: a client that
// sends `join` and, without waiting, a message that needs the membership is served in order.
import { describeOnEachBackend } from './history-app-server';

describeOnEachBackend('joining a room with history', (suite) => {
  it('is in effect for the next message the client sent without waiting for the reply', async () => {
    const room = `h:order-${Math.random()}`;
    const client = await suite.connect();

    const [, whoami] = await Promise.all([client.request('join', { room }), client.request('whoami')]);

    expect(whoami).toMatchObject({ rooms: [room] });
  });
});
