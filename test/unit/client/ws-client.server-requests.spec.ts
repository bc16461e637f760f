import { RequestError } from '../../../lib/client';
import { connected, fakeClient, recordConnection } from './client-harness';
import { FakeWebSocket } from './fake-web-socket';

/** The answers the client wrote: envelopes carrying `ack`. */
const answersOn = (socket: FakeWebSocket): unknown[] => socket.sent.map((text) => JSON.parse(text) as { ack?: number }).filter((envelope) => envelope.ack !== undefined);

describe('WsClient answering server requests', () => {
  beforeEach(() => {
    jest.useFakeTimers();
    FakeWebSocket.reset();
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('answers {event, data, ack} with what the handler returns, echoing the ack', async () => {
    const client = fakeClient();
    const socket = await connected(client);
    client.onRequest('confirm', (data) => ({ ok: (data as { question: string }).question === 'Delete?' }));

    socket.receive({ event: 'confirm', data: { question: 'Delete?' }, ack: 3 });

    expect(answersOn(socket)).toEqual([{ event: 'confirm', data: { ok: true }, ack: 3 }]);
  });

  it('answers once an async handler resolves', async () => {
    const client = fakeClient();
    const socket = await connected(client);
    let release: (value: string) => void = () => undefined;
    client.onRequest('pick', () => new Promise<string>((resolve) => (release = resolve)));

    socket.receive({ event: 'pick', data: ['a', 'b'], ack: 1 });
    expect(answersOn(socket)).toEqual([]);
    release('b');
    await jest.advanceTimersByTimeAsync(0);

    expect(answersOn(socket)).toEqual([{ event: 'pick', data: 'b', ack: 1 }]);
  });

  it('answers NO_HANDLER for an event it has no handler for, and does not hand the request to on() listeners', async () => {
    const client = fakeClient();
    const socket = await connected(client);
    const onConfirm = jest.fn();
    client.on('confirm', onConfirm);

    socket.receive({ event: 'confirm', data: {}, ack: 1 });

    expect(answersOn(socket)).toEqual([{ event: 'error', data: { event: 'confirm', code: 'NO_HANDLER', message: 'the client has no handler for "confirm"' }, ack: 1 }]);
    expect(onConfirm).not.toHaveBeenCalled();
  });

  it('answers with the code of a RequestError the handler throws or rejects with', async () => {
    const client = fakeClient();
    const socket = await connected(client);
    client.onRequest('sync', () => {
      throw new RequestError({ code: 'DECLINED', message: 'the user said no', details: { why: 'busy' } });
    });
    client.onRequest('async', () => Promise.reject(new RequestError({ code: 'DECLINED', message: 'later' })));

    socket.receive({ event: 'sync', ack: 1 });
    socket.receive({ event: 'async', ack: 2 });
    await jest.advanceTimersByTimeAsync(0);

    expect(answersOn(socket)).toEqual([
      { event: 'error', data: { event: 'sync', code: 'DECLINED', message: 'the user said no', details: { why: 'busy' } }, ack: 1 },
      { event: 'error', data: { event: 'async', code: 'DECLINED', message: 'later' }, ack: 2 },
    ]);
  });

  it('answers INTERNAL without the error text when a handler fails, or returns what JSON cannot carry, and reports the failure as a connection error', async () => {
    const client = fakeClient();
    const socket = await connected(client);
    const recorded = recordConnection(client);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    client.onRequest('throws', () => {
      throw new Error('secret stack detail');
    });
    client.onRequest('rejects', () => Promise.reject(new Error('secret rejection')));
    client.onRequest('cycle', () => cyclic);
    client.onRequest('refusal-with-cycle', () => {
      throw new RequestError({ code: 'DECLINED', message: 'no', details: cyclic });
    });

    for (const [ack, event] of ['throws', 'rejects', 'cycle', 'refusal-with-cycle'].entries()) socket.receive({ event, ack: ack + 1 });
    await jest.advanceTimersByTimeAsync(0);

    const internal = (event: string, ack: number) => ({ event: 'error', data: { event, code: 'INTERNAL', message: 'the client failed to answer' }, ack });
    expect(answersOn(socket)).toEqual([internal('throws', 1), internal('cycle', 3), internal('refusal-with-cycle', 4), internal('rejects', 2)]);
    expect(socket.sent.join('')).not.toContain('secret');
    expect(recorded.filter(([name]) => name === 'error')).toHaveLength(4);
  });

  it('keeps the ack of a server request apart from the id of its own request with the same number', async () => {
    const client = fakeClient();
    const socket = await connected(client);
    client.onRequest('echo', (data) => data);

    const reply = client.request('echo', 'mine');
    socket.receive({ event: 'echo', data: 'theirs', ack: 1 });
    expect(client.pendingRequests).toBe(1);
    socket.receive({ event: 'echo', data: 'reply to mine', id: 1 });

    await expect(reply).resolves.toBe('reply to mine');
    expect(answersOn(socket)).toEqual([{ event: 'echo', data: 'theirs', ack: 1 }]);
  });

  it('sends an answer only on the socket its request came on: after a drop it is not written to the next connection', async () => {
    const client = fakeClient();
    const first = await connected(client);
    let release: (value: string) => void = () => undefined;
    client.onRequest('slow', () => new Promise<string>((resolve) => (release = resolve)));

    first.receive({ event: 'slow', ack: 1 });
    first.drop();
    await jest.advanceTimersByTimeAsync(250); // the backoff with jitter 0.5: a new socket
    const second = FakeWebSocket.last;
    second.open();
    release('late');
    await jest.advanceTimersByTimeAsync(0);

    expect(second).not.toBe(first);
    expect(answersOn(first)).toEqual([]);
    expect(answersOn(second)).toEqual([]);
  });

  it('refuses a second handler for the same event, and the returned function removes the handler', async () => {
    const client = fakeClient();
    const socket = await connected(client);
    const remove = client.onRequest('confirm', () => true);

    expect(() => client.onRequest('confirm', () => false)).toThrow('a request handler for "confirm" is registered already');
    remove();
    socket.receive({ event: 'confirm', ack: 1 });

    expect(answersOn(socket)).toEqual([{ event: 'error', data: { event: 'confirm', code: 'NO_HANDLER', message: 'the client has no handler for "confirm"' }, ack: 1 }]);
  });

  it('reports a malformed ack as a message that is not an envelope, and answers nothing', async () => {
    const client = fakeClient();
    const socket = await connected(client);
    const recorded = recordConnection(client);
    const handler = jest.fn(() => true);
    client.onRequest('confirm', handler);

    for (const ack of [0, -1, 1.5, '1']) socket.receive({ event: 'confirm', ack });

    expect(handler).not.toHaveBeenCalled();
    expect(socket.sent).toEqual([]);
    expect(recorded.filter(([name]) => name === 'error')).toHaveLength(4);
  });
});
