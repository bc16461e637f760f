// The event maps type-check emit, request and on; `npm run typecheck` fails if an @ts-expect-error
// below stops being an error. At run time the calls only reach FakeWebSocket.
import { ErrorBody, RequestError } from '../../../lib/client';
import { connected, fakeClient } from './client-harness';
import { FakeWebSocket } from './fake-web-socket';

interface ChatEmits {
  join: { room: string; name: string };
  say: { room: string; text: string };
  ping: undefined;
}

interface ChatEvents {
  join: { room: string; members: string[] };
  said: { room: string; from: string; text: string };
}

describe('WsClient event maps', () => {
  beforeEach(() => {
    jest.useFakeTimers();
    FakeWebSocket.reset();
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('checks emit, request and on against the maps, and types the reply by the event name', async () => {
    const client = fakeClient<ChatEmits, ChatEvents>();
    const socket = await connected(client);

    client.emit('say', { room: 'lobby', text: 'hi' });
    client.emit('ping');
    // @ts-expect-error: no such event to send
    client.emit('shout', { room: 'lobby', text: 'hi' });
    // @ts-expect-error: say needs text
    client.emit('say', { room: 'lobby' });
    // @ts-expect-error: say needs its data
    client.emit('say');

    const reply = client.request('join', { room: 'lobby', name: 'ada' }, { timeoutMs: 500 });
    socket.receive({ event: 'join', data: { room: 'lobby', members: ['ada'] }, id: 1 });
    const members: string[] = (await reply).members;

    const saidTexts: string[] = [];
    client.on('said', (said) => saidTexts.push(said.text));
    client.on('error', (body: ErrorBody) => saidTexts.push(body.code));
    // @ts-expect-error: the server sends no such event
    client.on('shouted', () => undefined);
    socket.receive({ event: 'said', data: { room: 'lobby', from: 'ada', text: 'hello' } });

    expect(members).toEqual(['ada']);
    expect(saidTexts).toEqual(['hello']);
  });

  it('lets onReconnect return the promise of a request, which the client awaits', async () => {
    const client = fakeClient<ChatEmits, ChatEvents>({ onReconnect: (session) => session.request('join', { room: 'lobby', name: 'ada' }) });
    const first = await connected(client);

    first.drop();
    await jest.runOnlyPendingTimersAsync();
    FakeWebSocket.last.open();
    await jest.advanceTimersByTimeAsync(0);
    expect(client.state).toBe('reconnecting');
    FakeWebSocket.last.receive({ event: 'join', data: { room: 'lobby', members: ['ada'] }, id: 1 });
    await jest.advanceTimersByTimeAsync(0);

    expect(client.state).toBe('open');
  });

  it('allows any event name with unknown data when no maps are given', async () => {
    const client = fakeClient();
    const socket = await connected(client);

    client.emit('anything', { at: 'all' });
    client.emit('no-data');
    const reply = client.request('whatever');
    socket.receive({ event: 'error', data: { code: 'UNKNOWN_EVENT', message: 'no handler for "whatever"' }, id: 1 });

    await expect(reply).rejects.toBeInstanceOf(RequestError);
  });
});
