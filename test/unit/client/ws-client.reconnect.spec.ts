import { ConnectionClosedError, createClient, ReconnectContext } from '../../../lib/client';
import { connected, fakeClient, recordConnection, settle, statesOf } from './client-harness';
import { FakeWebSocket } from './fake-web-socket';

interface ChatEmits {
  join: { room: string; name: string };
  say: { room: string; text: string };
}

describe('WsClient reconnection', () => {
  beforeEach(() => {
    jest.useFakeTimers();
    FakeWebSocket.reset();
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('reconnects after a drop with exponentially growing, jittered delays', async () => {
    const client = fakeClient({ reconnect: { initialDelayMs: 100, maxDelayMs: 1_000 } });
    const first = await connected(client);
    const recorded = recordConnection(client);

    first.drop();
    await jest.advanceTimersByTimeAsync(50); // attempt 1: 0.5 · 100
    FakeWebSocket.last.drop();
    await jest.advanceTimersByTimeAsync(100); // attempt 2: 0.5 · 200
    FakeWebSocket.last.drop();
    await jest.advanceTimersByTimeAsync(200); // attempt 3: 0.5 · 400

    expect(recorded.filter(([name]) => name === 'reconnecting')).toEqual([
      ['reconnecting', { attempt: 1, delayMs: 50 }],
      ['reconnecting', { attempt: 2, delayMs: 100 }],
      ['reconnecting', { attempt: 3, delayMs: 200 }],
    ]);
    expect(FakeWebSocket.sockets).toHaveLength(4);
    expect(FakeWebSocket.last.url).toBe('ws://server.test/chat');
  });

  it('opens no new socket before the backoff delay has passed', async () => {
    const client = fakeClient({ reconnect: { initialDelayMs: 100 } });
    const first = await connected(client);

    first.drop();
    await jest.advanceTimersByTimeAsync(49);

    expect(FakeWebSocket.sockets).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(FakeWebSocket.sockets).toHaveLength(2);
  });

  it('starts the backoff over once a connection opened again', async () => {
    const client = fakeClient({ reconnect: { initialDelayMs: 100 } });
    const first = await connected(client);
    const recorded = recordConnection(client);

    first.drop();
    await jest.advanceTimersByTimeAsync(50);
    FakeWebSocket.last.drop();
    await jest.advanceTimersByTimeAsync(100);
    FakeWebSocket.last.open();
    await settle();
    FakeWebSocket.last.drop();

    expect(recorded.filter(([name]) => name === 'reconnecting').at(-1)).toEqual(['reconnecting', { attempt: 1, delayMs: 50 }]);
  });

  it('reports close with the code, reason and that it will reconnect, then reconnected with the attempts it took', async () => {
    const client = fakeClient({ reconnect: { initialDelayMs: 100 } });
    const first = await connected(client);
    const recorded = recordConnection(client);

    first.drop(1001, 'going away');
    await jest.advanceTimersByTimeAsync(50);
    FakeWebSocket.last.drop();
    await jest.advanceTimersByTimeAsync(100);
    FakeWebSocket.last.open();
    await settle();

    expect(recorded).toEqual([
      ['close', { code: 1001, reason: 'going away', wasClean: true, willReconnect: true }],
      ['state', { state: 'reconnecting', previous: 'open' }],
      ['reconnecting', { attempt: 1, delayMs: 50 }],
      ['reconnecting', { attempt: 2, delayMs: 100 }],
      ['open', { isReconnect: true, transport: 'websocket' }],
      ['state', { state: 'open', previous: 'reconnecting' }],
      ['reconnected', { attempts: 2 }],
    ]);
  });

  it('gives up after maxAttempts failed attempts in a row: reconnectFailed, then closed', async () => {
    const client = fakeClient({ reconnect: { initialDelayMs: 10, maxAttempts: 2 } });
    const first = await connected(client);
    const recorded = recordConnection(client);

    first.drop();
    await jest.runOnlyPendingTimersAsync();
    FakeWebSocket.last.drop();
    await jest.runOnlyPendingTimersAsync();
    FakeWebSocket.last.drop();
    await jest.runAllTimersAsync();

    expect(FakeWebSocket.sockets).toHaveLength(3);
    expect(recorded.slice(-2)).toEqual([
      ['reconnectFailed', { attempts: 2 }],
      ['state', { state: 'closed', previous: 'reconnecting' }],
    ]);
    expect(client.state).toBe('closed');
  });

  it('never reconnects with reconnect: false, and says so in the close event', async () => {
    const client = fakeClient({ reconnect: false });
    const first = await connected(client);
    const recorded = recordConnection(client);

    first.drop(1011, 'internal error');
    await jest.runAllTimersAsync();

    expect(FakeWebSocket.sockets).toHaveLength(1);
    expect(recorded).toEqual([
      ['close', { code: 1011, reason: 'internal error', wasClean: true, willReconnect: false }],
      ['state', { state: 'closed', previous: 'open' }],
    ]);
  });

  it('keeps trying when the first connection fails, and resolves connect() once one opens', async () => {
    const client = fakeClient({ reconnect: { initialDelayMs: 100 } });
    const recorded = recordConnection(client);

    const opened = client.connect();
    FakeWebSocket.last.drop();
    await jest.advanceTimersByTimeAsync(50);
    FakeWebSocket.last.open();
    await opened;

    expect(client.state).toBe('open');
    expect(statesOf(recorded)).toEqual(['connecting', 'reconnecting', 'open']);
    expect(recorded).toContainEqual(['open', { isReconnect: false, transport: 'websocket' }]);
    expect(recorded.map(([name]) => name)).not.toContain('reconnected');
    expect(recorded.map(([name]) => name)).not.toContain('close'); // no connection was open to close
  });

  it('rejects connect() with ConnectionClosedError when the first attempt fails and reconnecting is off', async () => {
    const client = fakeClient({ reconnect: false });

    const opened = client.connect();
    FakeWebSocket.last.drop();

    await expect(opened).rejects.toEqual(new ConnectionClosedError(1006, ''));
    expect(client.state).toBe('closed');
  });

  it('rejects connect() when maxAttempts run out before any connection opened', async () => {
    const client = fakeClient({ reconnect: { initialDelayMs: 10, maxAttempts: 1 } });

    const opened = client.connect();
    const outcome = opened.catch((caught: unknown) => caught);
    FakeWebSocket.last.drop();
    await jest.runOnlyPendingTimersAsync();
    FakeWebSocket.last.drop();

    expect(await outcome).toBeInstanceOf(ConnectionClosedError);
  });

  it('stops reconnecting on close(): no socket is opened once the pending delay passes', async () => {
    const client = fakeClient({ reconnect: { initialDelayMs: 100 } });
    const first = await connected(client);
    first.drop();

    await client.close();
    await jest.runAllTimersAsync();

    expect(FakeWebSocket.sockets).toHaveLength(1);
    expect(client.state).toBe('closed');
  });

  it('runs onReconnect after a reconnection, and sends what it sends before the queued messages', async () => {
    const onReconnect = jest.fn(async (session: ReconnectContext<ChatEmits>) => {
      await session.request('join', { room: 'lobby', name: 'ada' });
    });
    const client = fakeClient<ChatEmits>({ reconnect: { initialDelayMs: 100 }, onReconnect });
    const first = await connected(client);
    expect(onReconnect).not.toHaveBeenCalled(); // not on the first connection

    first.drop();
    client.emit('say', { room: 'lobby', text: 'while away' });
    await jest.advanceTimersByTimeAsync(50);
    const second = FakeWebSocket.last;
    second.open();
    await settle();

    expect(second.envelopes).toEqual([{ event: 'join', data: { room: 'lobby', name: 'ada' }, id: 1 }]);
    expect(client.state).toBe('reconnecting'); // until the hook is done
    second.receive({ event: 'join', data: { room: 'lobby' }, id: 1 });
    await settle();

    expect(second.envelopes).toEqual([
      { event: 'join', data: { room: 'lobby', name: 'ada' }, id: 1 },
      { event: 'say', data: { room: 'lobby', text: 'while away' } },
    ]);
    expect(onReconnect).toHaveBeenCalledWith(expect.objectContaining({ attempts: 1 }));
    expect(client.state).toBe('open');
  });

  it('queues what the application emits while onReconnect runs, behind what was already queued', async () => {
    let finishHook: () => void = () => undefined;
    const client = fakeClient<ChatEmits>({
      reconnect: { initialDelayMs: 100 },
      onReconnect: (session) => {
        session.emit('join', { room: 'lobby', name: 'ada' });
        return new Promise<void>((resolve) => (finishHook = resolve));
      },
    });
    const first = await connected(client);
    first.drop();
    client.emit('say', { room: 'lobby', text: 'one' });
    await jest.advanceTimersByTimeAsync(50);
    const second = FakeWebSocket.last;
    second.open();
    await settle();

    client.emit('say', { room: 'lobby', text: 'two' });
    finishHook();
    await settle();

    expect(second.envelopes.map(({ event, data }) => [event, (data as { text?: string }).text])).toEqual([
      ['join', undefined],
      ['say', 'one'],
      ['say', 'two'],
    ]);
  });

  it('reports an onReconnect that throws as a connection error, then flushes the queue and reconnects anyway', async () => {
    const failure = new Error('rejoin failed');
    const client = fakeClient<ChatEmits>({ reconnect: { initialDelayMs: 100 }, onReconnect: () => Promise.reject(failure) });
    const first = await connected(client);
    const recorded = recordConnection(client);
    first.drop();
    client.emit('say', { room: 'lobby', text: 'queued' });

    await jest.advanceTimersByTimeAsync(50);
    FakeWebSocket.last.open();
    await settle();

    expect(recorded).toContainEqual(['error', { error: failure }]);
    expect(recorded.at(-1)).toEqual(['reconnected', { attempts: 1 }]);
    expect(FakeWebSocket.last.envelopes).toEqual([{ event: 'say', data: { room: 'lobby', text: 'queued' } }]);
  });

  it('makes the hook’s sends fail, and flushes nothing, when the socket drops while the hook runs', async () => {
    let hookSession: ReconnectContext<ChatEmits> | undefined;
    let finishHook: () => void = () => undefined;
    const client = fakeClient<ChatEmits>({
      reconnect: { initialDelayMs: 100 },
      onReconnect: (session) => {
        hookSession = session;
        return new Promise<void>((resolve) => (finishHook = resolve));
      },
    });
    const first = await connected(client);
    first.drop();
    client.emit('say', { room: 'lobby', text: 'queued' });
    await jest.advanceTimersByTimeAsync(50);
    const second = FakeWebSocket.last;
    second.open();
    await settle();

    second.drop();
    finishHook();
    await settle();

    expect(() => hookSession?.emit('join', { room: 'lobby', name: 'ada' })).toThrow(ConnectionClosedError);
    expect(second.sent).toEqual([]);
    expect(client.queuedMessages).toBe(1);
    expect(client.state).toBe('reconnecting');
  });

  it('asks a URL function for the URL before every attempt', async () => {
    let attempt = 0;
    const client = createClient(() => `ws://server.test/chat?attempt=${++attempt}`, { WebSocket: FakeWebSocket, random: () => 0.5 });
    const first = await connected(client);

    first.drop();
    await jest.runOnlyPendingTimersAsync();

    expect(FakeWebSocket.sockets.map(({ url }) => url)).toEqual(['ws://server.test/chat?attempt=1', 'ws://server.test/chat?attempt=2']);
  });
});
