// nest-rfc6455/client on Node 20 with undici's WebSocket, against the sample app's /chat and
// /private: requests and replies by id, error envelopes, pushes, timeouts.
import { INestApplication } from '@nestjs/common';
import { Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { WebSocket } from 'undici';
import { ConnectionClosedError, createClient, RequestError, RequestTimeoutError, WsClient } from '../../../lib/client';
import { createApp } from '../../../sample/src/create-app';
import { ChatEmits, ChatEvents, Said } from './chat-events';
import { logEvent } from './client-events';

describe('the client against the sample app', () => {
  let app: INestApplication;
  let baseUrl: string;
  const clients: WsClient<object, object>[] = [];

  beforeAll(async () => {
    app = await createApp({ logger: false });
    await app.listen(0, '127.0.0.1');
    baseUrl = `ws://127.0.0.1:${((app.getHttpServer() as Server).address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
  });
  afterAll(async () => {
    await app.close();
  });

  const chatClient = async (): Promise<WsClient<ChatEmits, ChatEvents>> => {
    const client = createClient<ChatEmits, ChatEvents>(`${baseUrl}/chat`, { WebSocket });
    clients.push(client);
    await client.connect();
    return client;
  };

  it('resolves a request with the data of the reply that carries its id', async () => {
    const ada = await chatClient();

    const reply = await ada.request('join', { room: 'requests', name: 'ada' });

    expect(reply).toEqual({ room: 'requests', members: ['ada'] });
  });

  it('keeps concurrent requests apart by id', async () => {
    const ada = await chatClient();

    // Handlers of one connection run concurrently: requests that do not depend on each other.
    const replies = await Promise.all([
      ada.request('join', { room: 'first', name: 'ada' }),
      ada.request('join', { room: 'second', name: 'ada' }),
      ada.request('join', { room: 'third', name: 'ada' }),
    ]);

    expect(replies).toEqual([
      { room: 'first', members: ['ada'] },
      { room: 'second', members: ['ada'] },
      { room: 'third', members: ['ada'] },
    ]);
  });

  it('rejects with a RequestError carrying the error envelope when /chat says NOT_A_MEMBER', async () => {
    const ada = await chatClient();

    const error = await ada.request('say', { room: 'not-joined', text: 'hello?' }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(RequestError);
    expect(error).toMatchObject({ code: 'NOT_A_MEMBER', message: 'you have not joined "not-joined"', details: { room: 'not-joined' }, event: 'say' });
  });

  it('rejects with VALIDATION_FAILED and the constraint messages when the DTO refuses the data', async () => {
    const ada = await chatClient();

    await expect(ada.request('join', { room: 'not a room!', name: 'ada' })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      details: ['room may hold letters, digits, "_" and "-"'],
    });
  });

  it('delivers pushes to on(event) and errors to emits on on("error")', async () => {
    const ada = await chatClient();
    const bob = await chatClient();
    await ada.request('join', { room: 'pushes', name: 'ada' });
    await bob.request('join', { room: 'pushes', name: 'bob' });
    const saidToBob = logEvent<Said>(bob, 'said');
    const errorsToAda = logEvent<{ code: string }>(ada, 'error');

    ada.emit('say', { room: 'pushes', text: 'hi bob' });
    ada.emit('say', { room: 'elsewhere', text: 'lost' });

    expect(await saidToBob.find()).toEqual({ room: 'pushes', from: 'ada', text: 'hi bob', at: expect.any(String) });
    expect(await errorsToAda.find()).toMatchObject({ event: 'say', code: 'NOT_A_MEMBER' });
  });

  it('times out a request whose handler sends no reply', async () => {
    const ada = await chatClient();
    await ada.request('join', { room: 'quiet', name: 'ada' });

    // say returns nothing: the server sends no reply, only the said push.
    await expect(ada.request('say', { room: 'quiet', text: 'void' }, { timeoutMs: 200 })).rejects.toEqual(new RequestTimeoutError('say', 200));
  });

  it('reaches a guarded gateway with the token in the URL, and fails to connect without it', async () => {
    const guest = createClient(`${baseUrl}/private?token=let-me-in&name=zed`, { WebSocket });
    const stranger = createClient(`${baseUrl}/private`, { WebSocket, reconnect: false });
    clients.push(guest, stranger);

    await guest.connect();

    expect(await guest.request('whoami')).toEqual({ name: 'zed' });
    await expect(stranger.connect()).rejects.toEqual(new ConnectionClosedError(1006, ''));
  });
});
