import { ConnectionClosedError, QueueFullError, RequestTimeoutError } from '../../../lib/client';
import { connected, fakeClient, recordConnection, settle } from './client-harness';
import { FakeWebSocket } from './fake-web-socket';

const texts = (socket: FakeWebSocket): unknown[] => socket.envelopes.map(({ data }) => data);

describe('WsClient queue while disconnected', () => {
  beforeEach(() => {
    jest.useFakeTimers();
    FakeWebSocket.reset();
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('queues emits made before the connection opens and sends them in order once it does', async () => {
    const client = fakeClient();
    client.emit('say', 'one');
    const opened = client.connect();
    client.emit('say', 'two');

    expect(client.queuedMessages).toBe(2);
    FakeWebSocket.last.open();
    await opened;

    expect(texts(FakeWebSocket.last)).toEqual(['one', 'two']);
    expect(client.queuedMessages).toBe(0);
  });

  it('sends emits made while reconnecting after the reconnection, in order', async () => {
    const client = fakeClient({ reconnect: { initialDelayMs: 100 } });
    const first = await connected(client);
    first.drop();

    client.emit('say', 'one');
    client.emit('say', 'two');
    await jest.advanceTimersByTimeAsync(50);
    FakeWebSocket.last.open();
    await settle();

    expect(first.sent).toEqual([]);
    expect(texts(FakeWebSocket.last)).toEqual(['one', 'two']);
  });

  it('pushes out the oldest queued message when full under drop-oldest, and reports it as dropped', async () => {
    const client = fakeClient({ queue: { maxMessages: 2, overflow: 'drop-oldest' } });
    const recorded = recordConnection(client);
    const opened = client.connect();

    client.emit('say', 'one');
    client.emit('say', 'two');
    client.emit('shout', 'three');
    FakeWebSocket.last.open();
    await opened;

    expect(recorded).toContainEqual(['dropped', { event: 'say' }]);
    expect(texts(FakeWebSocket.last)).toEqual(['two', 'three']);
  });

  it('refuses the newest message when full under drop-newest, and reports it as dropped', async () => {
    const client = fakeClient({ queue: { maxMessages: 2, overflow: 'drop-newest' } });
    const recorded = recordConnection(client);
    const opened = client.connect();

    client.emit('say', 'one');
    client.emit('say', 'two');
    client.emit('shout', 'three');
    FakeWebSocket.last.open();
    await opened;

    expect(recorded).toContainEqual(['dropped', { event: 'shout' }]);
    expect(texts(FakeWebSocket.last)).toEqual(['one', 'two']);
  });

  it('throws QueueFullError from emit when full under reject, and rejects a request the same way', async () => {
    const client = fakeClient({ queue: { maxMessages: 1, overflow: 'reject' } });
    void client.connect();
    client.emit('say', 'one');

    expect(() => client.emit('say', 'two')).toThrow(new QueueFullError('say', 1));
    await expect(client.request('join', {})).rejects.toEqual(new QueueFullError('join', 1));
  });

  it('rejects a queued request with QueueFullError when the overflow policy drops it', async () => {
    const client = fakeClient({ queue: { maxMessages: 1, overflow: 'drop-oldest' } });
    void client.connect();

    const pushedOut = client.request('join', {});
    client.emit('say', 'newer');

    await expect(pushedOut).rejects.toEqual(new QueueFullError('join', 1));
    expect(client.pendingRequests).toBe(0);
  });

  it('sends a queued request after the reconnection, where its reply resolves it', async () => {
    const client = fakeClient({ reconnect: { initialDelayMs: 100 } });
    const first = await connected(client);
    first.drop();

    const reply = client.request('join', { room: 'lobby' });
    await jest.advanceTimersByTimeAsync(50);
    const second = FakeWebSocket.last;
    second.open();
    await settle();
    second.receive({ event: 'join', data: { room: 'lobby' }, id: 1 });

    expect(second.envelopes).toEqual([{ event: 'join', data: { room: 'lobby' }, id: 1 }]);
    await expect(reply).resolves.toEqual({ room: 'lobby' });
  });

  it('keeps a queued request across a failed attempt, since it was never written', async () => {
    const client = fakeClient({ reconnect: { initialDelayMs: 100 } });
    const first = await connected(client);
    first.drop();
    const reply = client.request('join', {});

    await jest.advanceTimersByTimeAsync(50);
    FakeWebSocket.last.drop();
    await jest.advanceTimersByTimeAsync(100);
    FakeWebSocket.last.open();
    await settle();
    FakeWebSocket.last.receive({ event: 'join', data: 'ok', id: 1 });

    await expect(reply).resolves.toBe('ok');
  });

  it('takes a queued request that timed out out of the queue, so it is never sent', async () => {
    const client = fakeClient({ reconnect: { initialDelayMs: 10_000 }, requestTimeoutMs: 1_000 });
    const first = await connected(client);
    first.drop();

    const reply = client.request('join', {});
    const outcome = reply.catch((caught: unknown) => caught);
    await jest.advanceTimersByTimeAsync(1_000);
    expect(await outcome).toBeInstanceOf(RequestTimeoutError);
    expect(client.queuedMessages).toBe(0);

    await jest.advanceTimersByTimeAsync(5_000);
    FakeWebSocket.last.open();
    await settle();
    expect(FakeWebSocket.last.sent).toEqual([]);
  });

  it('discards the queue on close() and rejects queued requests with ConnectionClosedError', async () => {
    const client = fakeClient({ reconnect: { initialDelayMs: 100 } });
    const first = await connected(client);
    first.drop();
    client.emit('say', 'never sent');
    const reply = client.request('join', {});

    await client.close();

    await expect(reply).rejects.toEqual(new ConnectionClosedError(1000, '', 'the client was closed'));
    expect(client.queuedMessages).toBe(0);
  });
});
