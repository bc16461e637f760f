// nest-rfc6455/client behind a proxy that refuses WebSocket upgrades: it falls back to server-sent
// events + POST on its own, chats, and moves back up to WebSocket once the proxy lets upgrades through.
import { WebSocket } from 'undici';
import { ConnectionEvents, createClient, WsClient } from '../../../lib/client';
import { startSampleApp, SampleApp } from '../../fixtures/sample-app';
import { UpgradeRefusingProxy } from '../../helpers/upgrade-refusing-proxy';
import { WsTestClient } from '../../helpers/ws-test-client';
import { ChatEmits, ChatEvents, Said } from '../client/chat-events';

jest.setTimeout(20_000);

type ChatClient = WsClient<ChatEmits, ChatEvents>;

/** Resolves with the next `name` connection event that `matches`. */
function nextConnectionEvent<K extends keyof ConnectionEvents>(client: ChatClient, name: K, matches: (event: ConnectionEvents[K]) => boolean = () => true): Promise<ConnectionEvents[K]> {
  return new Promise((resolve) => {
    const off = client.onConnection(name, (event) => {
      if (!matches(event)) return;
      off();
      resolve(event);
    });
  });
}

/** Every `said` the client hears, and a wait for one with a given text. */
function hearing(client: ChatClient): { texts: string[]; next(text: string): Promise<Said> } {
  const texts: string[] = [];
  const waiters = new Map<string, (said: Said) => void>();
  client.on('said', (said) => {
    texts.push(said.text);
    waiters.get(said.text)?.(said);
  });
  return {
    texts,
    next: (text) => new Promise((resolve) => (texts.includes(text) ? resolve({ text } as Said) : waiters.set(text, resolve))),
  };
}

describe('the client behind a proxy that refuses WebSocket upgrades', () => {
  let sample: SampleApp;
  let proxy: UpgradeRefusingProxy;
  const clients: ChatClient[] = [];
  const sockets: WsTestClient[] = [];

  const chatClient = (options: Parameters<typeof createClient>[1] = {}): ChatClient => {
    const client = createClient<ChatEmits, ChatEvents>(`ws://127.0.0.1:${proxy.port}/chat`, {
      WebSocket,
      reconnect: { initialDelayMs: 20, maxDelayMs: 200 },
      ...options,
    } as Parameters<typeof createClient<ChatEmits, ChatEvents>>[1]);
    clients.push(client);
    return client;
  };

  const member = async (room: string, name: string): Promise<WsTestClient> => {
    const socket = await WsTestClient.connect(`${sample.wsUrl}/chat`);
    sockets.push(socket);
    await socket.request('join', { room, name }, 1);
    return socket;
  };

  beforeEach(async () => {
    sample = await startSampleApp();
    proxy = await UpgradeRefusingProxy.start(Number(new URL(sample.httpUrl).port));
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await Promise.all(sockets.splice(0).map((socket) => socket.close()));
    await proxy.stop();
    await sample.close();
  });

  it('falls back to SSE + POST on its own and chats with a WebSocket member', async () => {
    const client = chatClient({ fallback: { probeDelayMs: 60_000 } });
    const opened = nextConnectionEvent(client, 'open');
    const heard = hearing(client);
    const other = await member('fb-client-1', 'ws');

    await client.connect();
    const { members } = await client.request('join', { room: 'fb-client-1', name: 'sse' });
    client.emit('say', { room: 'fb-client-1', text: 'hello from behind the proxy' });
    const otherHeard = await other.nextEnvelope((envelope) => envelope.event === 'said');
    await other.sendEvent('say', { room: 'fb-client-1', text: 'hello back' });

    expect(await opened).toEqual({ isReconnect: false, transport: 'sse' });
    expect(client.transport).toBe('sse');
    expect(proxy.refused).toBe(1);
    expect(members.sort()).toEqual(['sse', 'ws']);
    expect(otherHeard.data).toMatchObject({ from: 'sse', text: 'hello from behind the proxy' });
    expect((await heard.next('hello back')).from).toBe('ws');
  });

  it('moves back up to WebSocket once the proxy allows upgrades, missing nothing and hearing nothing twice', async () => {
    const client = chatClient({ fallback: { probeDelayMs: 50, maxProbeDelayMs: 50 } });
    const heard = hearing(client);
    const other = await member('fb-client-2', 'ws');
    await client.connect();
    await client.request('join', { room: 'fb-client-2', name: 'sse' });
    await other.sendEvent('say', { room: 'fb-client-2', text: 'before' });
    await heard.next('before');

    const closedForUpgrade = nextConnectionEvent(client, 'close');
    const up = nextConnectionEvent(client, 'open', (event) => event.transport === 'websocket');
    const resumed = nextConnectionEvent(client, 'resumed');
    proxy.refusesUpgrades = false;
    await closedForUpgrade;
    await other.sendEvent('say', { room: 'fb-client-2', text: 'while moving' }); // between the two sessions
    await up;
    expect((await resumed).restored).toBe(true);
    await heard.next('while moving');
    client.emit('say', { room: 'fb-client-2', text: 'after' });
    await heard.next('after');

    expect(client.transport).toBe('websocket');
    expect(heard.texts).toEqual(['before', 'while moving', 'after']);
  });

  it('uses the fallback from the start where there is no WebSocket at all', async () => {
    const platform = globalThis as { WebSocket?: unknown };
    const saved = platform.WebSocket;
    delete platform.WebSocket;
    try {
      const client = createClient<ChatEmits, ChatEvents>(`http://127.0.0.1:${sample.httpUrl.split(':')[2]}/chat`);
      clients.push(client);
      await client.connect();

      expect(client.transport).toBe('sse');
      expect(await client.request('join', { room: 'fb-client-3', name: 'no-ws' })).toEqual({ room: 'fb-client-3', members: ['no-ws'] });
    } finally {
      platform.WebSocket = saved;
    }
  });

  it('does not fall back with fallback: false: it keeps retrying WebSocket', async () => {
    const client = chatClient({ fallback: false, reconnect: { initialDelayMs: 5, maxDelayMs: 5, maxAttempts: 2 } });

    await expect(client.connect()).rejects.toThrow();
    expect(proxy.refused).toBe(3);
    expect(client.transport).toBe('websocket');
  });

  it('answers a request made while falling back once the fallback session is open', async () => {
    const client = chatClient({ fallback: { probeDelayMs: 60_000 } });

    const connecting = client.connect();
    const reply = client.request('join', { room: 'fb-client-4', name: 'early' });
    await connecting;

    expect(await reply).toEqual({ room: 'fb-client-4', members: ['early'] });
  });
});
