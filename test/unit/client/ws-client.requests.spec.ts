import { ConnectionClosedError, RequestError, RequestTimeoutError, UnexpectedMessageError } from '../../../lib/client';
import { connected, fakeClient, recordConnection, settle } from './client-harness';
import { FakeWebSocket } from './fake-web-socket';

describe('WsClient requests and events', () => {
  beforeEach(() => {
    jest.useFakeTimers();
    FakeWebSocket.reset();
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('sends a request as {event, data, id} and resolves with the data of the reply that echoes the id', async () => {
    const client = fakeClient();
    const socket = await connected(client);

    const reply = client.request('join', { room: 'lobby' });
    socket.receive({ event: 'join', data: { room: 'lobby', members: ['ada'] }, id: 1 });

    expect(socket.envelopes).toEqual([{ event: 'join', data: { room: 'lobby' }, id: 1 }]);
    await expect(reply).resolves.toEqual({ room: 'lobby', members: ['ada'] });
    expect(client.pendingRequests).toBe(0);
  });

  it('matches replies to requests by id when they arrive out of order', async () => {
    const client = fakeClient();
    const socket = await connected(client);

    const first = client.request('echo', 'one');
    const second = client.request('echo', 'two');
    socket.receive({ event: 'echo', data: 'reply two', id: 2 });
    socket.receive({ event: 'echo', data: 'reply one', id: 1 });

    await expect(first).resolves.toBe('reply one');
    await expect(second).resolves.toBe('reply two');
  });

  it('rejects with a RequestError carrying code, message and details when an error envelope echoes the id', async () => {
    const client = fakeClient();
    const socket = await connected(client);

    const reply = client.request('say', { room: 'elsewhere', text: 'hi' });
    socket.receive({ event: 'error', data: { event: 'say', code: 'NOT_A_MEMBER', message: 'you have not joined "elsewhere"', details: { room: 'elsewhere' } }, id: 1 });

    const error = await reply.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RequestError);
    expect(error).toMatchObject({ code: 'NOT_A_MEMBER', message: 'you have not joined "elsewhere"', details: { room: 'elsewhere' }, event: 'say' });
  });

  it('rejects with RequestTimeoutError when no reply comes in time, and keeps the late reply from on() listeners', async () => {
    const client = fakeClient({ requestTimeoutMs: 1_000 });
    const socket = await connected(client);
    const onJoin = jest.fn();
    client.on('join', onJoin);

    const reply = client.request('join', { room: 'lobby' });
    const outcome = reply.catch((caught: unknown) => caught);
    await jest.advanceTimersByTimeAsync(1_000);
    socket.receive({ event: 'join', data: { room: 'lobby' }, id: 1 });

    expect(await outcome).toEqual(new RequestTimeoutError('join', 1_000));
    expect(onJoin).not.toHaveBeenCalled();
  });

  it('lets one request wait longer than the client default with timeoutMs', async () => {
    const client = fakeClient({ requestTimeoutMs: 1_000 });
    const socket = await connected(client);

    const reply = client.request('slow', undefined, { timeoutMs: 5_000 });
    await jest.advanceTimersByTimeAsync(4_000);
    socket.receive({ event: 'slow', data: 'done', id: 1 });

    await expect(reply).resolves.toBe('done');
  });

  // setTimeout keeps at most 2^31 - 1 ms: a longer delay fired at once, as a timeout.
  it.each([2 ** 31, 3e9, Number.POSITIVE_INFINITY])('waits for the reply with timeoutMs %p, past what a timer keeps, instead of timing out at once', async (timeoutMs) => {
    const client = fakeClient();
    const socket = await connected(client);

    const reply = client.request('slow', undefined, { timeoutMs });
    await jest.advanceTimersByTimeAsync(60_000);
    socket.receive({ event: 'slow', data: 'done', id: 1 });

    await expect(reply).resolves.toBe('done');
  });

  it('rejects requests written to a socket that drops with ConnectionClosedError carrying the close code', async () => {
    const client = fakeClient();
    const socket = await connected(client);

    const reply = client.request('join', { room: 'lobby' });
    socket.drop(1001, 'server shutting down');

    await expect(reply).rejects.toEqual(new ConnectionClosedError(1001, 'server shutting down'));
    await expect(reply).rejects.toMatchObject({ code: 1001, reason: 'server shutting down' });
  });

  it('passes pushes to on(event) with their data and the whole envelope', async () => {
    const client = fakeClient();
    const socket = await connected(client);
    const onSaid = jest.fn();
    client.on('said', onSaid);

    socket.receive({ event: 'said', data: { from: 'ada', text: 'hi' } });

    expect(onSaid).toHaveBeenCalledWith({ from: 'ada', text: 'hi' }, { event: 'said', data: { from: 'ada', text: 'hi' } });
  });

  it('passes a reply without an id (to an emit) to on(event), as a push', async () => {
    const client = fakeClient();
    const socket = await connected(client);
    const onLeave = jest.fn();
    client.on('leave', onLeave);

    client.emit('leave', { room: 'lobby' });
    socket.receive({ event: 'leave', data: { room: 'lobby' } });

    expect(socket.envelopes).toEqual([{ event: 'leave', data: { room: 'lobby' } }]);
    expect(onLeave).toHaveBeenCalledWith({ room: 'lobby' }, expect.anything());
  });

  it('passes error envelopes that answer no request to on("error") as an ErrorBody', async () => {
    const client = fakeClient();
    const socket = await connected(client);
    const onError = jest.fn();
    client.on('error', onError);

    socket.receive({ event: 'error', data: { event: 'say', code: 'VALIDATION_FAILED', message: 'validation failed', details: ['text must be a string'] } });

    expect(onError).toHaveBeenCalledWith(
      { event: 'say', code: 'VALIDATION_FAILED', message: 'validation failed', details: ['text must be a string'] },
      expect.objectContaining({ event: 'error' }),
    );
  });

  it('stops calling a listener after off() or the function on() returned', async () => {
    const client = fakeClient();
    const socket = await connected(client);
    const viaOff = jest.fn();
    const viaReturn = jest.fn();
    client.on('said', viaOff);
    const stop = client.on('said', viaReturn);

    client.off('said', viaOff);
    stop();
    socket.receive({ event: 'said', data: {} });

    expect(viaOff).not.toHaveBeenCalled();
    expect(viaReturn).not.toHaveBeenCalled();
  });

  it('keeps calling the other listeners when one throws, and rethrows its error on a later tick', async () => {
    const client = fakeClient();
    const socket = await connected(client);
    const after = jest.fn();
    client.on('said', () => {
      throw new Error('a listener bug');
    });
    client.on('said', after);

    socket.receive({ event: 'said', data: {} });

    expect(after).toHaveBeenCalled();
    expect(() => jest.runOnlyPendingTimers()).toThrow('a listener bug');
  });

  it('reports a message that is not an envelope as a connection error, and goes on', async () => {
    const client = fakeClient();
    const socket = await connected(client);
    const recorded = recordConnection(client);
    const onSaid = jest.fn();
    client.on('said', onSaid);

    socket.receive('not json');
    socket.receiveBinary(new ArrayBuffer(4));
    socket.receive({ event: 'said', data: 1 });

    expect(recorded).toEqual([
      ['error', { error: new UnexpectedMessageError('not json') }],
      ['error', { error: expect.any(UnexpectedMessageError) }],
    ]);
    expect(onSaid).toHaveBeenCalledWith(1, expect.anything());
  });

  it('rejects a request made after close() with ConnectionClosedError, and throws on emit', async () => {
    const client = fakeClient();
    const socket = await connected(client);
    const closed = client.close();
    socket.finishClose();
    await closed;

    await expect(client.request('join', {})).rejects.toBeInstanceOf(ConnectionClosedError);
    expect(() => client.emit('say', {})).toThrow(ConnectionClosedError);
    await settle();
  });
});
