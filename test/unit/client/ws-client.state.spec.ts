import { ConnectionClosedError, createClient } from '../../../lib/client';
import { connected, fakeClient, recordConnection, settle, statesOf } from './client-harness';
import { FakeWebSocket } from './fake-web-socket';

describe('WsClient state machine', () => {
  beforeEach(() => {
    jest.useFakeTimers();
    FakeWebSocket.reset();
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('starts idle and opens no socket before connect()', () => {
    const client = fakeClient();

    expect(client.state).toBe('idle');
    expect(FakeWebSocket.sockets).toHaveLength(0);
  });

  it('goes idle → connecting → open, reporting each state with the previous one', async () => {
    const client = fakeClient();
    const recorded = recordConnection(client);

    await connected(client);

    expect(recorded).toEqual([
      ['state', { state: 'connecting', previous: 'idle' }],
      ['open', { isReconnect: false, transport: 'websocket' }],
      ['state', { state: 'open', previous: 'connecting' }],
    ]);
  });

  it('offers the configured subprotocols to the WebSocket', async () => {
    const client = fakeClient({ protocols: ['chat', 'superchat'] });

    await connected(client);

    expect(FakeWebSocket.last.protocols).toEqual(['chat', 'superchat']);
  });

  it('resolves connect() at once when already open, and opens no second socket', async () => {
    const client = fakeClient();
    await connected(client);

    await client.connect();

    expect(FakeWebSocket.sockets).toHaveLength(1);
  });

  it('closes with the given code and reason: open → closing → closed, and close() resolves once the socket closed', async () => {
    const client = fakeClient();
    const socket = await connected(client);
    const recorded = recordConnection(client);
    let isClosed = false;

    const closing = client.close(4000, 'bye').then(() => (isClosed = true));
    await settle();
    expect(isClosed).toBe(false);
    socket.finishClose();
    await closing;

    expect(socket.closeCall).toEqual({ code: 4000, reason: 'bye' });
    expect(statesOf(recorded)).toEqual(['closing', 'closed']);
    expect(recorded).toContainEqual(['close', { code: 4000, reason: 'bye', wasClean: true, willReconnect: false }]);
  });

  it('refuses close codes a browser may not send, before changing anything', async () => {
    const client = fakeClient();
    await connected(client);

    expect(() => client.close(1001)).toThrow(RangeError);
    expect(client.state).toBe('open');
  });

  it('rejects connect() with ConnectionClosedError when close() comes before the socket opens, reporting no close', async () => {
    const client = fakeClient();
    const recorded = recordConnection(client);

    const opened = client.connect();
    const closing = client.close();
    FakeWebSocket.last.finishClose();

    await expect(opened).rejects.toBeInstanceOf(ConnectionClosedError);
    await closing;
    expect(client.state).toBe('closed');
    expect(recorded.map(([name]) => name)).not.toContain('close'); // no connection was open
  });

  it('goes from idle to closed on close() without opening anything', async () => {
    const client = fakeClient();

    await client.close();

    expect(client.state).toBe('closed');
    expect(FakeWebSocket.sockets).toHaveLength(0);
  });

  it('starts a new session on connect() after close(): the next open is not a reconnection', async () => {
    const onReconnect = jest.fn();
    const client = fakeClient({ onReconnect });
    const first = await connected(client);
    const closing = client.close();
    first.finishClose();
    await closing;
    const recorded = recordConnection(client);

    await connected(client);

    expect(recorded).toContainEqual(['open', { isReconnect: false, transport: 'websocket' }]);
    expect(onReconnect).not.toHaveBeenCalled();
    expect(client.state).toBe('open');
  });

  it('stays closing when the peer’s open event comes after close(), and never flushes', async () => {
    const client = fakeClient();
    client.emit('say', 'queued');
    void client.connect().catch(() => undefined);
    const closing = client.close();

    FakeWebSocket.last.open();
    await settle();
    expect(client.state).toBe('closing');
    FakeWebSocket.last.finishClose();
    await closing;

    expect(FakeWebSocket.last.sent).toEqual([]);
  });

  it('closes when the platform refuses the URL, without retrying', async () => {
    class RefusingWebSocket extends FakeWebSocket {
      constructor(url: string) {
        super(url);
        throw new SyntaxError(`invalid URL ${url}`);
      }
    }
    const client = createClient('wss://', { WebSocket: RefusingWebSocket });

    await expect(client.connect()).rejects.toThrow('cannot open a WebSocket: invalid URL wss://');
    await jest.runAllTimersAsync();
    expect(client.state).toBe('closed');
  });

  it('says how to pass a WebSocket when the platform has none and the fallback is off', () => {
    expect(() => createClient('ws://server.test/chat', { fallback: false })).toThrow(/pass one, e.g. createClient\(url, \{ WebSocket \}\)/);
  });

  it('refuses negative delays and queue sizes', () => {
    expect(() => fakeClient({ reconnect: { initialDelayMs: -1 } })).toThrow(RangeError);
    expect(() => fakeClient({ queue: { maxMessages: -1 } })).toThrow(RangeError);
  });
});
