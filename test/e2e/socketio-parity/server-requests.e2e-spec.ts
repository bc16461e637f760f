// socket.io's `await socket.emitWithAck('confirm', data)` in our API: the server asks with
// `client.request()`, a handler of nest-rfc6455/client answers. User code as a migrating app writes it.
import { Module } from '@nestjs/common';
import { WebSocket } from 'undici';
import {
  ClientDisconnectedError,
  ClientRefusedError,
  ClientRequestTimeoutError,
  ConnectedSocket,
  ClientNotStartedError,
  ConnectionRegistry,
  Gateway,
  HandshakeGuard,
  MessageBody,
  OnGatewayConnection,
  OnMessage,
  TooManyClientRequestsError,
  UseHandshakeGuards,
  WebSocketModule,
  WsConnection,
} from '../../../lib';
import { createClient, RequestError, WsClient } from '../../../lib/client';
import { Deferred, startApp, StartedApp } from '../../fixtures/gateways/test-app';
import { WsTestClient } from '../../helpers/ws-test-client';

interface Confirm {
  question: string;
}

@Gateway({ path: '/files' })
class FilesGateway {
  @OnMessage('delete')
  async delete(@ConnectedSocket() client: WsConnection, @MessageBody() file: string): Promise<string> {
    try {
      const { ok } = await client.request<{ ok: boolean }>('confirm', { question: `Delete ${file}?` } satisfies Confirm, { timeoutMs: 5_000 });
      return ok ? `deleted ${file}` : `kept ${file}`;
    } catch (error) {
      if (error instanceof ClientRefusedError) return `not asked: ${error.code}`;
      throw error;
    }
  }
}

@Gateway({ path: '/files-deflate', perMessageDeflate: true })
class CompressedFilesGateway extends FilesGateway {}

/** What handleConnection got when it asked the client who it is (socket.io: `await socket.emitWithAck('whoareyou')` on connection). */
let askedOnConnect = new Deferred<unknown>();

@Gateway({ path: '/ask-on-connect' })
class AskOnConnectGateway implements OnGatewayConnection {
  async handleConnection(client: WsConnection): Promise<void> {
    askedOnConnect.resolve(await client.request('whoareyou', null, { timeoutMs: 5_000 }).catch((error: unknown) => error));
  }
}

class LetEveryoneIn implements HandshakeGuard {
  canActivate(): boolean {
    return true;
  }
}

/** With authMessage the connection is read from its first message on: the answer can come while handleConnection waits. */
@Gateway({ path: '/ask-on-connect-auth', authMessage: true })
@UseHandshakeGuards(LetEveryoneIn)
class AskOnConnectAuthGateway extends AskOnConnectGateway {}

@Module({ imports: [WebSocketModule.forRoot({})], providers: [FilesGateway, CompressedFilesGateway, AskOnConnectGateway, AskOnConnectAuthGateway] })
class FilesModule {}

describe('server-to-client requests with acknowledgement (socket.io emitWithAck)', () => {
  let started: StartedApp;
  const clients: WsClient<object, object>[] = [];
  const rawClients: WsTestClient[] = [];

  beforeAll(async () => {
    started = await startApp(FilesModule);
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await Promise.all(rawClients.splice(0).map((client) => client.close().catch(() => client.terminate())));
  });
  afterAll(async () => {
    await started.app.close();
  });

  const connect = async (path = '/files'): Promise<WsClient> => {
    const client = createClient(started.wsUrl(path), { WebSocket, reconnect: false });
    clients.push(client);
    await client.connect();
    return client;
  };
  /** The server's handle of the only connection open (each test opens one). */
  const serverSide = (): WsConnection => {
    const [connection] = started.app.get(ConnectionRegistry).all();
    if (!connection) throw new Error('no connection is open');
    return connection;
  };

  // Past 1 KiB the deflate gateway compresses the request it sends (DESIGN.md: smaller messages go out uncompressed).
  it.each([
    ['/files', 'a.txt'],
    ['/files-deflate', `${'a'.repeat(2000)}.txt`],
  ])('lets a handler on %s ask the client and use its answer in the reply', async (path, file) => {
    const client = await connect(path);
    const questions: string[] = [];
    client.onRequest('confirm', (data) => {
      questions.push((data as Confirm).question);
      return { ok: true };
    });

    expect(await client.request('delete', file)).toBe(`deleted ${file}`);
    expect(questions).toEqual([`Delete ${file}?`]);
  });

  it('waits for an async client handler, and keeps concurrent requests apart by ack', async () => {
    const client = await connect();
    client.onRequest('confirm', async (data) => ({ ok: (data as Confirm).question.includes('b.txt') }));

    const replies = await Promise.all(['a.txt', 'b.txt', 'c.txt'].map((file) => client.request('delete', file)));

    expect(replies).toEqual(['kept a.txt', 'deleted b.txt', 'kept c.txt']);
  });

  it('rejects with ClientRefusedError NO_HANDLER when the client has no handler for the event', async () => {
    const client = await connect();

    expect(await client.request('delete', 'a.txt')).toBe('not asked: NO_HANDLER');
  });

  it('rejects with the code a client handler refuses with, and INTERNAL (no text) when it throws', async () => {
    const client = await connect();
    client.onRequest('confirm', (data) => {
      if ((data as Confirm).question.includes('locked')) throw new RequestError({ code: 'DECLINED', message: 'the file is locked' });
      throw new Error('client-side secret');
    });
    client.onConnection('error', () => undefined); // the INTERNAL case is reported here

    expect(await client.request('delete', 'locked.txt')).toBe('not asked: DECLINED');
    const answer = serverSide().request('confirm', { question: 'a.txt' });
    await expect(answer).rejects.toBeInstanceOf(ClientRefusedError);
    await expect(answer).rejects.toMatchObject({ code: 'INTERNAL', event: 'confirm' });
    await expect(answer).rejects.not.toMatchObject({ message: expect.stringContaining('secret') });
  });

  it('rejects with ClientRequestTimeoutError when no answer comes in time, and drops the late answer', async () => {
    const raw = await WsTestClient.connect(started.wsUrl('/files'));
    rawClients.push(raw);
    const server = serverSide();

    const answer = server.request('confirm', { question: 'a.txt' }, { timeoutMs: 50 });
    const asked = await raw.nextEnvelope((envelope) => envelope.event === 'confirm');
    await expect(answer).rejects.toEqual(new ClientRequestTimeoutError('confirm', 50));
    await raw.sendRaw(JSON.stringify({ event: 'confirm', data: { ok: true }, ack: (asked as { ack?: number }).ack }));
    // A marker request: once it is answered, anything the late answer caused would have come first.
    await raw.sendEvent('no-such-event', undefined, 'marker');
    const next = await raw.nextEnvelope((envelope) => envelope.event !== 'confirm');

    expect(next).toMatchObject({ event: 'error', data: { code: 'UNKNOWN_EVENT' }, id: 'marker' });
  });

  it('answers BAD_MESSAGE for an ack the server never sent, and routes it to no handler', async () => {
    const raw = await WsTestClient.connect(started.wsUrl('/files'));
    rawClients.push(raw);

    await raw.sendRaw(JSON.stringify({ event: 'delete', data: 'a.txt', ack: 7 }));
    await raw.sendRaw(JSON.stringify({ event: 'delete', data: 'a.txt', ack: 'x' }));

    expect(await raw.nextEnvelope()).toEqual({ event: 'error', data: { event: 'delete', code: 'BAD_MESSAGE', message: 'bad message: "ack" 7 answers no request of the server' } });
    expect(await raw.nextEnvelope()).toEqual({ event: 'error', data: { code: 'BAD_MESSAGE', message: 'bad message: "ack" must be a positive integer' } });
  });

  it('rejects pending requests with ClientDisconnectedError when the connection closes, and a request after the close at once', async () => {
    const client = await connect();
    const never = new Deferred<never>();
    client.onRequest('confirm', () => never.promise);
    const server = serverSide();

    const answers = [server.request('confirm', 1), server.request('confirm', 2)];
    const outcomes = Promise.allSettled(answers);
    await client.close(4000, 'gone');
    const settled = await outcomes;

    expect(settled.map((outcome) => outcome.status === 'rejected' && outcome.reason)).toEqual([
      new ClientDisconnectedError('confirm', 4000),
      new ClientDisconnectedError('confirm', 4000),
    ]);
    await expect(server.request('confirm', 3)).rejects.toEqual(new ClientDisconnectedError('confirm', undefined));
  });

  it('rejects with ClientDisconnectedError 1006 when the client resets the connection while requests wait', async () => {
    const raw = await WsTestClient.connect(started.wsUrl('/files'));
    rawClients.push(raw);
    const server = serverSide();

    const answer = server.request('confirm', 'reset me');
    await raw.nextEnvelope((envelope) => envelope.event === 'confirm');
    raw.terminate();

    await expect(answer).rejects.toEqual(new ClientDisconnectedError('confirm', 1006));
  });

  // setTimeout keeps at most 2^31 - 1 ms: a longer delay fired at once, as a timeout.
  it('refuses a timeoutMs that is not above 0 or is past what a timer keeps with a RangeError, and sends nothing', async () => {
    const raw = await WsTestClient.connect(started.wsUrl('/files'));
    rawClients.push(raw);
    const server = serverSide();

    for (const timeoutMs of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 31, 3e9]) {
      await expect(server.request('confirm', timeoutMs, { timeoutMs })).rejects.toThrow(RangeError);
    }
    const longest = server.request('confirm', 'the longest', { timeoutMs: 2 ** 31 - 1 });
    expect(await raw.nextEnvelope()).toEqual({ event: 'confirm', data: 'the longest', ack: 1 });
    await raw.sendRaw(JSON.stringify({ event: 'confirm', data: 'answered', ack: 1 }));

    await expect(longest).resolves.toBe('answered');
  });

  // Its messages are read once handleConnection has returned: an answer would wait behind the request waiting for it (a 10 s timeout).
  it('rejects a request from handleConnection at once with ClientNotStartedError, and the connection opens', async () => {
    askedOnConnect = new Deferred<unknown>();
    const client = createClient(started.wsUrl('/ask-on-connect'), { WebSocket, reconnect: false });
    clients.push(client);
    client.onRequest('whoareyou', () => 'ada');

    await client.connect();

    expect(await askedOnConnect.promise).toEqual(new ClientNotStartedError('whoareyou'));
    expect(client.state).toBe('open');
  });

  it('answers a request from handleConnection on a gateway with authMessage, which reads the connection already, and opens it', async () => {
    askedOnConnect = new Deferred<unknown>();
    const client = createClient(started.wsUrl('/ask-on-connect-auth'), { WebSocket, reconnect: false, auth: { token: 'any' } });
    clients.push(client);
    client.onRequest('whoareyou', () => 'ada');

    await client.connect();

    expect(await askedOnConnect.promise).toBe('ada');
    expect(client.state).toBe('open');
  });

  it('rejects a request whose data the codec cannot encode, sends nothing, and frees its place', async () => {
    const raw = await WsTestClient.connect(started.wsUrl('/files'));
    rawClients.push(raw);
    const server = serverSide();

    await expect(server.request('confirm', { size: 10n })).rejects.toThrow(TypeError);
    const waiting = Array.from({ length: 1000 }, (_, index) => server.request('confirm', index));
    await expect(server.request('confirm', 'one too many')).rejects.toBeInstanceOf(TooManyClientRequestsError);
    expect(await raw.nextEnvelope((envelope) => envelope.event === 'confirm')).toEqual({ event: 'confirm', data: 0, ack: 2 });

    const closed = Promise.allSettled(waiting);
    await raw.close();
    expect((await closed).every((outcome) => outcome.status === 'rejected')).toBe(true);
  });

  it('refuses more than 1,000 pending requests on one connection with TooManyClientRequestsError, and takes new ones once answers free room', async () => {
    const raw = await WsTestClient.connect(started.wsUrl('/files'));
    rawClients.push(raw);
    const server = serverSide();

    const pending = Array.from({ length: 1000 }, (_, index) => server.request('confirm', index));
    await expect(server.request('confirm', 'one too many')).rejects.toEqual(new TooManyClientRequestsError('confirm', 1000));
    await raw.sendRaw(JSON.stringify({ event: 'confirm', data: 'first', ack: 1 }));
    await expect(pending[0]).resolves.toBe('first');
    const next = server.request('confirm', 'room again');
    const asked = await raw.nextEnvelope((envelope) => envelope.data === 'room again');
    await raw.sendRaw(JSON.stringify({ event: 'confirm', data: 'answered', ack: (asked as { ack?: number }).ack }));

    await expect(next).resolves.toBe('answered');
    const closed = Promise.allSettled(pending.slice(1));
    await raw.close();
    expect((await closed).every((outcome) => outcome.status === 'rejected' && outcome.reason instanceof ClientDisconnectedError)).toBe(true);
  });
});
