// WebSocketStats through a real application: every figure moved by the traffic that should move it.
import { INestApplication } from '@nestjs/common';
import { CloseCode, WebSocketStats, WebSocketStatsSnapshot } from '../../../lib';
import { EnvelopeClient } from '../../helpers/envelope-client';
import { HandshakeRefusedError, WsTestClient } from '../../helpers/ws-test-client';
import { startApp, StartedApp } from '../../fixtures/gateways/test-app';
import { Disconnects, FLOOD_MESSAGE_BYTES, ObservabilityAppModule } from './observability.fixtures';

describe('WebSocketStats', () => {
  let started: StartedApp;
  let stats: WebSocketStats;
  let disconnects: Disconnects;
  const clients = new Set<EnvelopeClient>();

  beforeAll(async () => {
    started = await startApp(ObservabilityAppModule.with());
    stats = started.app.get(WebSocketStats);
    disconnects = started.app.get(Disconnects);
  });

  afterEach(async () => {
    await Promise.all([...clients].map((client) => client.close()));
    clients.clear();
  });

  afterAll(async () => {
    await started.app.close();
  });

  const connect = async (path: string): Promise<EnvelopeClient> => {
    const client = await EnvelopeClient.connect(started.wsUrl(path));
    clients.add(client);
    return client;
  };

  /** Closes the client and waits for the server's disconnect hook, which runs after the close is counted. */
  const closeAndSettle = async (client: EnvelopeClient): Promise<void> => {
    const expected = disconnects.count + 1;
    await client.close();
    clients.delete(client);
    await disconnects.untilCount(expected);
  };

  const gateway = (snapshot: WebSocketStatsSnapshot, name: string) => {
    const figures = snapshot.gateways[name];
    if (!figures) throw new Error(`no figures for ${name} in ${JSON.stringify(Object.keys(snapshot.gateways))}`);
    return figures;
  };

  it('lists every gateway with its path from bootstrap on, and reports that the gateways are serving', async () => {
    const snapshot = await stats.snapshot();

    expect(snapshot.isServing).toBe(true);
    expect(Object.fromEntries(Object.entries(snapshot.gateways).map(([name, g]) => [name, g.path]))).toEqual({
      MeteredGateway: '/metered',
      LimitedGateway: '/limited',
      DroppingGateway: '/dropping',
      SlowGateway: '/slow',
      GuardedGateway: '/guarded',
    });
  });

  it('counts open and opened connections per gateway, and the close code of each closed one', async () => {
    const before = await stats.snapshot();
    const first = await connect('/metered');
    await connect('/metered');
    await connect('/limited');

    const open = await stats.snapshot();
    await closeAndSettle(first);
    const after = await stats.snapshot();

    expect(gateway(open, 'MeteredGateway').connections - gateway(before, 'MeteredGateway').connections).toBe(2);
    expect(gateway(open, 'LimitedGateway').connections - gateway(before, 'LimitedGateway').connections).toBe(1);
    expect(open.connections - before.connections).toBe(3);
    expect(gateway(after, 'MeteredGateway').connections).toBe(gateway(open, 'MeteredGateway').connections - 1);
    expect(gateway(after, 'MeteredGateway').connectionsOpened - gateway(before, 'MeteredGateway').connectionsOpened).toBe(2);
    // The `ws` client closes without a code: the server reports the peer's 1005.
    expect((after.closes[String(CloseCode.NoStatus)] ?? 0) - (before.closes[String(CloseCode.NoStatus)] ?? 0)).toBe(1);
  });

  it('counts messages and bytes in both directions, frame headers included', async () => {
    const client = await connect('/metered');
    const before = gateway(await stats.snapshot(), 'MeteredGateway');
    const request = JSON.stringify({ event: 'echo', data: 'x'.repeat(100), id: 1 });

    client.socket.send(request);
    const reply = await client.nextReceived((envelope) => envelope.id === 1);
    const after = gateway(await stats.snapshot(), 'MeteredGateway');

    expect(after.messagesIn - before.messagesIn).toBe(1);
    expect(after.messagesOut - before.messagesOut).toBe(1);
    // A masked client frame of 126+ bytes: 2 + 2 (length) + 4 (mask) header bytes; the server's reply: 2 + 2.
    expect(after.bytesIn - before.bytesIn).toBe(Buffer.byteLength(request) + 8);
    expect(after.bytesOut - before.bytesOut).toBe(Buffer.byteLength(reply.text) + 4);
  });

  it('counts error envelopes by code: a WsException, a validation failure, an internal error, an unknown event, a malformed message', async () => {
    const client = await connect('/metered');
    const before = gateway(await stats.snapshot(), 'MeteredGateway').errors;

    await client.request('refuse');
    await client.request('validate', { name: 'far too long a name' });
    await client.request('crash');
    await client.request('no-such-event');
    client.socket.send('not json');
    await client.next((envelope) => envelope.event === 'error' && (envelope.data as { code?: string }).code === 'BAD_MESSAGE');

    const after = gateway(await stats.snapshot(), 'MeteredGateway').errors;
    const delta = (code: string): number => (after[code] ?? 0) - (before[code] ?? 0);
    expect(['ROOM_FULL', 'VALIDATION_FAILED', 'INTERNAL', 'UNKNOWN_EVENT', 'BAD_MESSAGE'].map(delta)).toEqual([1, 1, 1, 1, 1]);
  });

  it('times each handled message in the latency histogram, failures included', async () => {
    const client = await connect('/metered');
    const before = gateway(await stats.snapshot(), 'MeteredGateway').handlerLatency;

    await client.request('echo', 1);
    await client.request('refuse');
    await client.request('validate', { name: 'ada' });
    const after = gateway(await stats.snapshot(), 'MeteredGateway').handlerLatency;

    expect(after.count - before.count).toBe(3);
    expect(after.sumMs).toBeGreaterThan(before.sumMs);
    expect(after.buckets.at(-1)?.count).toBe(after.count);
    expect(after.p99Ms).toBeGreaterThanOrEqual(after.p50Ms);
  });

  it('counts messages over the rate limit as dropped, with a RATE_LIMITED error each', async () => {
    const client = await connect('/limited');
    const before = gateway(await stats.snapshot(), 'LimitedGateway');

    await client.request('echo', 'within the budget');
    client.send('echo', 'over it', 2);
    await client.next((envelope) => envelope.event === 'error' && (envelope.data as { code?: string }).code === 'RATE_LIMITED');
    const after = gateway(await stats.snapshot(), 'LimitedGateway');

    expect(after.droppedMessages.rateLimit - before.droppedMessages.rateLimit).toBe(1);
    expect((after.errors.RATE_LIMITED ?? 0) - (before.errors.RATE_LIMITED ?? 0)).toBe(1);
  });

  it("counts outbound messages the 'drop' overflow policy discarded", async () => {
    const client = await connect('/dropping');
    const before = gateway(await stats.snapshot(), 'DroppingGateway');

    expect((await client.request('flood', 4)).data).toBe('flooded');
    const after = gateway(await stats.snapshot(), 'DroppingGateway');

    const dropped = after.droppedMessages.overflow - before.droppedMessages.overflow;
    const sent = after.messagesOut - before.messagesOut - 1; // less the 'flooded' reply
    expect(dropped).toBeGreaterThanOrEqual(1);
    expect(sent + dropped).toBe(4);
    expect(after.bytesOut - before.bytesOut).toBeGreaterThanOrEqual(sent * FLOOD_MESSAGE_BYTES);
  });

  it('counts a slow consumer closed with 1008 both as a backpressure close and as a 1008 close', async () => {
    const client = await connect('/slow');
    const before = gateway(await stats.snapshot(), 'SlowGateway');
    const expected = disconnects.count + 1;

    client.send('flood', 4);
    await disconnects.untilCount(expected);
    const after = gateway(await stats.snapshot(), 'SlowGateway');

    expect(after.slowConsumerCloses - before.slowConsumerCloses).toBe(1);
    expect((after.closes[String(CloseCode.PolicyViolation)] ?? 0) - (before.closes[String(CloseCode.PolicyViolation)] ?? 0)).toBe(1);
  });

  it('counts refused handshakes by HTTP status: 403 for a foreign origin, 404 for a path no gateway serves', async () => {
    const before = (await stats.snapshot()).handshakeRefusals;

    const foreign = WsTestClient.connect(started.wsUrl('/guarded'), { origin: 'https://evil.example' });
    await expect(foreign).rejects.toMatchObject({ status: 403 });
    await expect(WsTestClient.connect(started.wsUrl('/nowhere'))).rejects.toBeInstanceOf(HandshakeRefusedError);

    const after = (await stats.snapshot()).handshakeRefusals;
    expect((after['403'] ?? 0) - (before['403'] ?? 0)).toBe(1);
    expect((after['404'] ?? 0) - (before['404'] ?? 0)).toBe(1);
  });

  it('counts rooms with members, and sums the gateways into the totals', async () => {
    const client = await connect('/metered');
    const before = await stats.snapshot();

    await client.request('join', { room: 'stats-room' });
    const after = await stats.snapshot();

    expect(after.rooms - before.rooms).toBe(1);
    const gateways = Object.values(after.gateways);
    expect(after.messagesIn).toBe(gateways.reduce((sum, g) => sum + g.messagesIn, 0));
    expect(after.bytesOut).toBe(gateways.reduce((sum, g) => sum + g.bytesOut, 0));
    expect(after.handlerLatency.count).toBe(gateways.reduce((sum, g) => sum + g.handlerLatency.count, 0));
    expect(after.adapter).toEqual({ isConnected: true, undelivered: 0, outages: 0 });
  });

  it('reports that the gateways stopped serving once shutdown began', async () => {
    const another = await startApp(ObservabilityAppModule.with());
    const anotherStats = another.app.get(WebSocketStats);
    expect((await anotherStats.snapshot()).isServing).toBe(true);

    await (another.app as INestApplication).close();

    expect(anotherStats.isServing).toBe(false);
  });
});
