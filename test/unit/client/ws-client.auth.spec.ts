import { AuthRefusedError, ConnectionClosedError } from '../../../lib/client';
import { fakeClient, recordConnection, settle, statesOf } from './client-harness';
import { FakeWebSocket } from './fake-web-socket';

describe('WsClient auth in the first message', () => {
  beforeEach(() => {
    jest.useFakeTimers();
    FakeWebSocket.reset();
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('sends $auth before anything else and opens only once the server answered it; emits made meanwhile wait in the queue', async () => {
    const client = fakeClient({ auth: { token: 't-1' } });
    const connected = client.connect();
    const socket = FakeWebSocket.last;
    socket.open();
    await settle();
    client.emit('say', 'queued');

    expect(socket.envelopes).toEqual([{ event: '$auth', data: { token: 't-1' }, id: 1 }]);
    expect(client.state).toBe('connecting');
    socket.receive({ event: '$auth', data: null, id: 1 });
    await connected;

    expect(client.state).toBe('open');
    expect(socket.envelopes.map(({ event }) => event)).toEqual(['$auth', 'say']);
    expect(socket.url).not.toContain('t-1');
  });

  it('asks an auth function before every attempt and sends what it resolves to', async () => {
    let issued = 0;
    const client = fakeClient({ auth: async () => ({ token: `t-${++issued}` }) });
    const connected = client.connect();
    FakeWebSocket.last.open();
    await settle();
    FakeWebSocket.last.receive({ event: '$auth', id: 1 });
    await connected;

    FakeWebSocket.last.drop();
    await jest.advanceTimersByTimeAsync(250);
    FakeWebSocket.last.open();
    await settle();

    expect(FakeWebSocket.last.envelopes).toEqual([{ event: '$auth', data: { token: 't-2' }, id: 2 }]);
  });

  it('closes for good when the server refuses: connect() and queued requests reject with AuthRefusedError, and no retry is scheduled', async () => {
    const client = fakeClient({ auth: { token: 'wrong' } });
    const recorded = recordConnection(client);
    const connected = client.connect().catch((caught: unknown) => caught);
    const queued = client.request('whoami').catch((caught: unknown) => caught);
    const socket = FakeWebSocket.last;
    socket.open();
    await settle();

    socket.receive({ event: 'error', data: { event: '$auth', code: 'FORBIDDEN', message: 'handshake refused' }, id: 2 });
    await settle();
    expect(socket.closeCall).toEqual({ code: 1000, reason: undefined });
    socket.drop(1008, 'FORBIDDEN');
    await jest.advanceTimersByTimeAsync(10_000);

    const refusal = new AuthRefusedError({ event: '$auth', code: 'FORBIDDEN', message: 'handshake refused' });
    expect(await connected).toEqual(refusal);
    expect(await queued).toEqual(refusal);
    expect(client.state).toBe('closed');
    expect(FakeWebSocket.sockets).toHaveLength(1);
    expect(statesOf(recorded)).toEqual(['connecting', 'closed']);
    expect(recorded).toContainEqual(['close', { code: 1008, reason: 'FORBIDDEN', wasClean: true, willReconnect: false }]);
  });

  it('retries when the auth function throws, reporting the error, as when a connection drops', async () => {
    let calls = 0;
    const client = fakeClient({
      auth: () => {
        calls += 1;
        if (calls === 1) throw new Error('token service down');
        return { token: 't-ok' };
      },
    });
    const recorded = recordConnection(client);
    const connected = client.connect();
    FakeWebSocket.last.open();
    await settle();

    expect(recorded).toContainEqual(['error', { error: new Error('token service down') }]);
    expect(FakeWebSocket.last.closeCall).toEqual({ code: 1000, reason: undefined });
    FakeWebSocket.last.drop(1000);
    await jest.advanceTimersByTimeAsync(250);
    FakeWebSocket.last.open();
    await settle();
    FakeWebSocket.last.receive({ event: '$auth', id: 1 });
    await connected;

    expect(client.state).toBe('open');
    expect(FakeWebSocket.sockets).toHaveLength(2);
  });

  it('closes the socket and retries when $auth gets no answer in time', async () => {
    const client = fakeClient({ auth: { token: 't' }, requestTimeoutMs: 1_000 });
    const connected = client.connect().catch((caught: unknown) => caught);
    FakeWebSocket.last.open();
    await jest.advanceTimersByTimeAsync(1_000);

    expect(FakeWebSocket.last.closeCall).toEqual({ code: 1000, reason: undefined });
    FakeWebSocket.last.drop(1000);
    await jest.advanceTimersByTimeAsync(250);
    expect(FakeWebSocket.sockets).toHaveLength(2);
    const closed = client.close();
    FakeWebSocket.last.finishClose();
    await closed;
    expect(await connected).toBeInstanceOf(ConnectionClosedError);
  });

  it('does not retry after close() while $auth is waiting for its answer', async () => {
    const client = fakeClient({ auth: { token: 't' } });
    const connected = client.connect().catch((caught: unknown) => caught);
    const socket = FakeWebSocket.last;
    socket.open();
    await settle();

    const closed = client.close();
    socket.finishClose();
    await closed;

    expect(await connected).toBeInstanceOf(ConnectionClosedError);
    expect(client.state).toBe('closed');
    expect(FakeWebSocket.sockets).toHaveLength(1);
  });
});
