// The session hooks (lib/session/session-hooks.interface.ts) through a real app: what a plug-in such
// as history sees of a connection, in order, and what the gateway does when the plug-in fails.
import { INestApplication, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ConnectedSocket, Gateway, MessageBody, OnMessage, Rooms, WebSocketModule, WsConnection } from '../../../lib';
import { FirstEnvelopeOutcome, SessionHooks } from '../../../lib/session/session-hooks.interface';
import { Envelope } from '../../../lib/wire/envelope';
import { connectToGateway, GatewayTestClient } from '../../../lib/testing';

/** A plug-in that writes down every call, delivers the rooms named `kept:*`, and can be told to fail. */
class RecordingHooks implements SessionHooks {
  readonly calls: string[] = [];
  failReady = false;
  /** The first envelope of this event is taken, and its work rejects. */
  failingEvent: string | undefined;
  private onClosed: (() => void) | undefined;

  closedOnce(): Promise<void> {
    return new Promise((resolve) => (this.onClosed = resolve));
  }

  coversPath(path: string): boolean {
    this.calls.push(`coversPath ${path}`);
    return path === '/hooked';
  }
  opened(client: WsConnection): void {
    this.calls.push(`opened ${client.gateway}`);
  }
  async ready(): Promise<void> {
    this.calls.push('ready');
    if (this.failReady) throw new Error('ready failed');
  }
  firstEnvelope(_client: WsConnection, envelope: Envelope): FirstEnvelopeOutcome {
    this.calls.push(`firstEnvelope ${envelope.event}`);
    if (envelope.event === '$mine') return { kind: 'malformed', reason: 'not like that' };
    if (envelope.event === this.failingEvent) return { kind: 'taken', done: Promise.reject(new Error('taken and failed')) };
    return { kind: 'passed' };
  }
  async join(_connectionId: string, room: string, join: () => Promise<void>): Promise<void> {
    this.calls.push(`join ${room}`);
    await join();
  }
  async left(_connectionId: string, room?: string): Promise<void> {
    this.calls.push(`left ${room}`);
  }
  deliversRoom(room: string): boolean {
    return room.startsWith('kept:');
  }
  async deliver(room: string, event: string): Promise<void> {
    this.calls.push(`deliver ${room} ${event}`);
  }
  async closed(): Promise<void> {
    this.calls.push('closed');
    this.onClosed?.();
  }
}

@Gateway({ path: '/hooked' })
class HookedGateway {
  constructor(private readonly rooms: Rooms) {}

  @OnMessage('enter')
  async enter(@ConnectedSocket() client: WsConnection, @MessageBody() room: string): Promise<string> {
    await this.rooms.join(client, room);
    await this.rooms.to([room, 'plain']).send('said', 'hi');
    await this.rooms.leave(client, room);
    return 'entered';
  }
}

/** Its disconnect hook runs just before a plug-in's closed() would: the test waits for it. */
let plainDisconnected: () => void = () => undefined;

@Gateway({ path: '/plain' })
class PlainGateway {
  @OnMessage('ping')
  ping(): string {
    return 'pong';
  }

  handleDisconnect(): void {
    plainDisconnected();
  }
}

describe('session hooks', () => {
  let app: INestApplication;
  let hooks: RecordingHooks;
  const clients: GatewayTestClient[] = [];

  const connect = async (path: string): Promise<GatewayTestClient> => {
    const client = await connectToGateway(app, path);
    clients.push(client);
    return client;
  };

  beforeEach(async () => {
    hooks = new RecordingHooks();
    @Module({ imports: [WebSocketModule.forRoot({})], providers: [HookedGateway, PlainGateway] })
    class HookedAppModule {}
    const moduleRef = await Test.createTestingModule({ imports: [HookedAppModule] })
      .overrideProvider(SessionHooks)
      .useValue(hooks)
      .compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
  });

  afterEach(async () => {
    for (const client of clients.splice(0)) client.terminate();
    await app.close();
  });

  it('sees a connection open, become ready, send its first envelope, join, broadcast to its room, leave and close, in that order', async () => {
    const client = await connect('/hooked');

    expect(await client.request('enter', 'kept:a')).toBe('entered');
    const closed = hooks.closedOnce();
    await client.close();
    await closed;

    expect(hooks.calls).toEqual([
      'coversPath /hooked',
      'coversPath /plain',
      'opened HookedGateway',
      'ready',
      'firstEnvelope enter',
      'join kept:a',
      // 'plain' is not the plug-in's: it goes out through the plain fan-out.
      'deliver kept:a said',
      'left kept:a',
      'closed',
    ]);
  });

  it('sees the first envelope only: the second goes straight to the handler', async () => {
    const client = await connect('/hooked');

    await client.request('enter', 'plain:1');
    await client.request('enter', 'plain:2');

    expect(hooks.calls.filter((call) => call.startsWith('firstEnvelope'))).toEqual(['firstEnvelope enter']);
  });

  it('sees nothing of a gateway it does not cover', async () => {
    const client = await connect('/plain');
    const disconnected = new Promise<void>((resolve) => (plainDisconnected = resolve));

    expect(await client.request('ping')).toBe('pong');
    await client.close();
    await disconnected;
    // The cleanup goes on in promise callbacks (closed() would come next): one turn of the event loop lets them run.
    await new Promise((resolve) => setImmediate(resolve));

    expect(hooks.calls).toEqual(['coversPath /hooked', 'coversPath /plain']);
  });

  it('answers BAD_MESSAGE with the plug-in reason for a malformed first envelope, and keeps the connection open', async () => {
    const client = await connect('/hooked');

    client.send('$mine', {});
    const error = await client.expectEvent<{ event: string; code: string; message: string }>('error');

    expect(error).toEqual({ event: '$mine', code: 'BAD_MESSAGE', message: 'bad message: not like that' });
    expect(await client.request('enter', 'plain:x')).toBe('entered');
  });

  it('closes the connection with 1011 when the work of a taken first envelope rejects', async () => {
    hooks.failingEvent = '$fails';
    const client = await connect('/hooked');

    client.send('$fails', {});

    expect((await client.expectClose()).code).toBe(1011);
  });

  it('closes the connection with 1011 when ready() rejects', async () => {
    hooks.failReady = true;
    const client = await connect('/hooked');

    expect((await client.expectClose()).code).toBe(1011);
  });
});
