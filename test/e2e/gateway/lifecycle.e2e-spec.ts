import { LifecycleModule, LifecycleProbe } from '../../fixtures/gateways/lifecycle.gateway';
import { Deferred, startApp, StartedApp } from '../../fixtures/gateways/test-app';
import { withTimeout, WsTestClient } from '../../helpers/ws-test-client';

describe('gateway lifecycle hooks', () => {
  let started: StartedApp;
  let probe: LifecycleProbe;
  let isAppClosed: boolean;
  const clients: WsTestClient[] = [];

  const connect = async (path: string): Promise<WsTestClient> => {
    const client = await WsTestClient.connect(started.wsUrl(path));
    clients.push(client);
    return client;
  };

  beforeEach(async () => {
    started = await startApp(LifecycleModule);
    probe = started.app.get(LifecycleProbe);
    isAppClosed = false;
  });

  afterEach(async () => {
    probe.holdDisconnect?.resolve();
    await Promise.all(clients.splice(0).map((client) => client.close()));
    if (!isAppClosed) await started.app.close();
  });

  it('calls afterInit once, however many connections come', async () => {
    expect(probe.afterInitCalls).toBe(1);

    const [a, b] = await Promise.all([connect('/lifecycle'), connect('/lifecycle')]);
    await Promise.all([a.request('whoami'), b.request('whoami')]);

    expect(probe.afterInitCalls).toBe(1);
  });

  it('finishes an async handleConnection before the first message is dispatched', async () => {
    const client = await connect('/lifecycle?user=ada');

    // Sent at once, while handleConnection still awaits its lookup.
    const reply = await client.request('whoami', undefined, 1);

    expect(reply.data).toEqual({ id: expect.any(String), user: 'ada', greeted: true });
    expect(probe.connections).toEqual([{ id: (reply.data as { id: string }).id, path: '/lifecycle', query: { user: 'ada' } }]);
  });

  it('closes only the failing connection with 1011 when handleConnection throws', async () => {
    const healthy = await connect('/lifecycle?user=first');
    const failing = await connect('/lifecycle?fail=1');

    expect(await failing.closed()).toEqual({ code: 1011, reason: '' });
    expect((await healthy.request('whoami')).data).toMatchObject({ user: 'first', greeted: true });
    const later = await connect('/lifecycle?user=later');
    expect((await later.request('whoami')).data).toMatchObject({ user: 'later', greeted: true });
  });

  it('gives handleDisconnect the close code, reason and wasClean of a clean close by the client', async () => {
    const client = await connect('/lifecycle?user=ada');
    const { data } = await client.request<{ id: string }>('whoami');

    await client.close(4000, 'see you');
    expect(await withTimeout(probe.disconnectStarted.promise, 3000, () => 'handleDisconnect was not called')).toBe(data?.id);

    expect(probe.disconnects).toEqual([{ id: data?.id, close: { code: 4000, reason: 'see you', wasClean: true }, dataUser: 'ada' }]);
  });

  it('gives handleDisconnect code 1006 and wasClean false when the client drops the TCP connection', async () => {
    const client = await connect('/lifecycle');
    await client.request('whoami');

    client.terminate();
    await withTimeout(probe.disconnectStarted.promise, 3000, () => 'handleDisconnect was not called');

    expect(probe.disconnects[0].close).toEqual({ code: 1006, reason: '', wasClean: false });
  });

  it('closes clients with 1001 on app.close(), and waits for an async handleDisconnect before resolving', async () => {
    const client = await connect('/lifecycle?user=ada');
    await client.request('whoami');
    probe.holdDisconnect = new Deferred();

    let hasAppClosed = false;
    const closing = started.app.close().then(() => (hasAppClosed = true));
    isAppClosed = true;

    expect(await client.closed()).toEqual({ code: 1001, reason: 'server shutting down' });
    await withTimeout(probe.disconnectStarted.promise, 3000, () => 'handleDisconnect was not called');
    // One more turn of the event loop: app.close() must still be waiting for the hook.
    await new Promise((resolve) => setImmediate(resolve));
    expect(hasAppClosed).toBe(false);
    expect(probe.disconnects).toEqual([]);

    probe.holdDisconnect.resolve();
    await withTimeout(closing, 3000, () => 'app.close() did not resolve after handleDisconnect finished');
    expect(probe.disconnects).toEqual([expect.objectContaining({ close: { code: 1001, reason: 'server shutting down', wasClean: true } })]);
  });

  it('refuses new handshakes once app.close() has begun', async () => {
    const client = await connect('/lifecycle');
    probe.holdDisconnect = new Deferred();
    const closing = started.app.close();
    isAppClosed = true;
    await client.closed();

    // 503 while connections are closing; 404 from the HTTP framework once the gateway has detached.
    const refusal = await WsTestClient.refusal(started.wsUrl('/lifecycle'));
    expect([503, 404]).toContain(refusal.status);

    probe.holdDisconnect.resolve();
    await closing;
  });

  it('delivers a push sent from handleConnection to the new client', async () => {
    const client = await connect('/welcome');
    await client.sendEvent('ping', undefined, 1);

    // handleConnection runs before any message is handled, so its push comes before the reply.
    expect(await client.nextEnvelope()).toEqual({ event: 'welcome', data: { id: expect.any(String) } });
    expect(await client.nextEnvelope()).toEqual({ event: 'ping', data: 'pong', id: 1 });
  });
});
