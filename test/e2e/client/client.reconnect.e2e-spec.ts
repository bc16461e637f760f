// nest-rfc6455/client across a server restart: the sample app is closed (its clients get 1001)
// and a new one starts on the same port; the client reconnects, rejoins through onReconnect, and
// sends what was emitted while it was away.
import { INestApplication } from '@nestjs/common';
import { Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { WebSocket } from 'undici';
import { createClient, WsClient } from '../../../lib/client';
import { createApp } from '../../../sample/src/create-app';
import { ChatEmits, ChatEvents, Said } from './chat-events';
import { logConnection, logEvent } from './client-events';

jest.setTimeout(20_000);

const startSample = async (port = 0): Promise<{ app: INestApplication; port: number }> => {
  const app = await createApp({ logger: false });
  await app.listen(port, '127.0.0.1');
  return { app, port: ((app.getHttpServer() as Server).address() as AddressInfo).port };
};

describe('the client across a server restart on the same port', () => {
  let app: INestApplication | undefined;
  const clients: WsClient<object, object>[] = [];

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await app?.close();
    app = undefined;
  });

  /** A /chat client that rejoins `room` as `name` after every reconnection. */
  const chatClient = (port: number, room: string, name: string, options: { maxAttempts?: number } = {}): WsClient<ChatEmits, ChatEvents> => {
    const client = createClient<ChatEmits, ChatEvents>(`ws://127.0.0.1:${port}/chat`, {
      WebSocket,
      reconnect: { initialDelayMs: 20, maxDelayMs: 200, ...options },
      onReconnect: async (session) => {
        await session.request('join', { room, name });
      },
    });
    clients.push(client);
    return client;
  };

  it('reconnects, rejoins its room through onReconnect, then sends what was emitted while away', async () => {
    const first = await startSample();
    app = first.app;
    const ada = chatClient(first.port, 'lobby', 'ada');
    await ada.connect();
    await ada.request('join', { room: 'lobby', name: 'ada' });
    const closes = logConnection(ada, 'close');
    const reconnected = logConnection(ada, 'reconnected');
    const said = logEvent<Said>(ada, 'said');

    await first.app.close();
    expect(await closes.find()).toEqual({ code: 1001, reason: expect.any(String), wasClean: true, willReconnect: true });
    ada.emit('say', { room: 'lobby', text: 'said while the server was down' });
    expect(ada.queuedMessages).toBe(1);
    app = (await startSample(first.port)).app;

    expect(await reconnected.find()).toEqual({ attempts: expect.any(Number) });
    // Had the queue gone out before the rejoin, the server would have answered NOT_A_MEMBER instead.
    expect(await said.find()).toMatchObject({ room: 'lobby', from: 'ada', text: 'said while the server was down' });
    expect(ada.state).toBe('open');
  });

  it('chats again after the restart: a newcomer hears the reconnected client, and the other way round', async () => {
    const first = await startSample();
    app = first.app;
    const ada = chatClient(first.port, 'after', 'ada');
    await ada.connect();
    await ada.request('join', { room: 'after', name: 'ada' });
    const reconnected = logConnection(ada, 'reconnected');

    await first.app.close();
    app = (await startSample(first.port)).app;
    await reconnected.find();
    const bob = chatClient(first.port, 'after', 'bob');
    await bob.connect();
    expect(await bob.request('join', { room: 'after', name: 'bob' })).toEqual({ room: 'after', members: ['ada', 'bob'] });
    const saidToAda = logEvent<Said>(ada, 'said');
    const saidToBob = logEvent<Said>(bob, 'said');

    bob.emit('say', { room: 'after', text: 'welcome back' });
    ada.emit('say', { room: 'after', text: 'glad to be back' });

    expect(await saidToAda.find((s) => s.from === 'bob')).toMatchObject({ text: 'welcome back' });
    expect(await saidToBob.find((s) => s.from === 'ada')).toMatchObject({ text: 'glad to be back' });
  });

  it('gives up after maxAttempts when the server stays down, and closes', async () => {
    const first = await startSample();
    const ada = chatClient(first.port, 'gone', 'ada', { maxAttempts: 2 });
    await ada.connect();
    const failed = logConnection(ada, 'reconnectFailed');
    const states = logConnection(ada, 'state');

    await first.app.close();

    expect(await failed.find()).toEqual({ attempts: 2 });
    expect(await states.find((change) => change.state === 'closed')).toEqual({ state: 'closed', previous: 'reconnecting' });
  });
});
