import { ReadyState } from '../../../lib/transport/connection';
import { nextEvents, useTransportHarness } from '../../helpers/transport-harness';

describe('Heartbeat on live connections', () => {
  const harness = useTransportHarness();

  const startServer = () =>
    harness.start({
      routes: [
        { path: '/beat', heartbeat: { intervalMs: 50, maxMissedPongs: 2 } },
        { path: '/quiet', heartbeat: { intervalMs: 0, maxMissedPongs: 2 } },
      ],
    });

  it('keeps a peer that answers every ping connected across several intervals', async () => {
    const server = await startServer();
    const client = await harness.ws(`ws://127.0.0.1:${server.port}/beat`);
    const connection = await server.nextConnection();
    let pongCount = 0;
    connection.on('pong', () => pongCount++);

    await nextEvents(client, 'ping', 5); // ws answers each ping with a pong by itself

    expect(connection.readyState).toBe(ReadyState.Open);
    expect(client.readyState).toBe(client.OPEN);
    expect(pongCount).toBeGreaterThanOrEqual(4);
  });

  it('terminates a peer that never answers after maxMissedPongs unanswered pings', async () => {
    const server = await startServer();
    const peer = await harness.rawPeer(server.port, '/beat'); // reads frames, never answers
    const connection = await server.nextConnection();

    expect(await connection.closed).toEqual({ code: 1006, reason: '', wasClean: false });
    await peer.ended;
    expect(peer.events.map(({ kind }) => kind)).toEqual(['ping', 'ping']);
  });

  it('sends no pings when intervalMs is 0, while a heartbeat route pings its own peers', async () => {
    const server = await startServer();
    const quiet = await harness.ws(`ws://127.0.0.1:${server.port}/quiet`);
    const beating = await harness.ws(`ws://127.0.0.1:${server.port}/beat`);
    let quietPingCount = 0;
    quiet.on('ping', () => quietPingCount++);

    await nextEvents(beating, 'ping', 3); // 150 ms: three heartbeat intervals

    expect(quietPingCount).toBe(0);
    expect(quiet.readyState).toBe(quiet.OPEN);
  });
});
