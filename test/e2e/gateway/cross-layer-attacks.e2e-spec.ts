// Issue 14, attacked across layers as an outsider (STYLE.md §10): one app of public API only, with
// permessage-deflate, rooms with presence, history and an interceptor, where a client resets or
// half-closes while compressed requests are in flight, a $resume races the old connection's close,
// and app.close() lands while messages inflate. Nothing may be left behind and nothing may escape.
import { CallHandler, Injectable, Module, NestInterceptor, UseInterceptors } from '@nestjs/common';
import { Observable, tap } from 'rxjs';
import WebSocket from 'ws';
import { ConnectedSocket, Gateway, MessageBody, OnGatewayDisconnect, OnMessage, Rooms, WebSocketModule, WsConnection } from '../../../lib';
import { startApp, StartedApp } from '../../fixtures/gateways/test-app';

const ROOMS = ['chat:0', 'chat:1', 'chat:2', 'chat:3', 'chat:4'];

@Injectable()
class PassThroughInterceptor implements NestInterceptor {
  intercept(_context: unknown, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(tap(() => undefined));
  }
}

@Gateway({ path: '/cross', perMessageDeflate: { thresholdBytes: 0 } })
@UseInterceptors(PassThroughInterceptor)
class CrossLayerGateway implements OnGatewayDisconnect {
  inFlight = 0;
  private readonly waiters: Array<{ isDone: () => boolean; resolve: () => void }> = [];
  private readonly disconnected = new Set<string>();

  constructor(private readonly rooms: Rooms) {}

  /** Joins a room with presence after a macrotask, so the client's reset lands mid-handler. */
  @OnMessage('join')
  async join(@ConnectedSocket() client: WsConnection, @MessageBody() n: number): Promise<number> {
    this.inFlight++;
    try {
      await new Promise((resolve) => setImmediate(resolve));
      await this.rooms.join(client, ROOMS[n % ROOMS.length], { presence: { n } });
      return n;
    } finally {
      this.inFlight--;
      this.wake();
    }
  }

  @OnMessage('watch')
  async watch(@ConnectedSocket() client: WsConnection): Promise<true> {
    for (const room of ROOMS) await this.rooms.join(client, room);
    return true;
  }

  @OnMessage('say')
  say(@MessageBody() text: string): string {
    this.rooms.to('chat:0').send('said', text);
    return text;
  }

  handleDisconnect(client: WsConnection): void {
    this.disconnected.add(client.id);
    this.wake();
  }

  /** Resolves once `count` connections have closed and no join handler is running. */
  settled(count: number): Promise<void> {
    return new Promise((resolve) => {
      this.waiters.push({ isDone: () => this.disconnected.size >= count && this.inFlight === 0, resolve });
      this.wake();
    });
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) {
      if (waiter.isDone()) waiter.resolve();
      else this.waiters.push(waiter);
    }
  }
}

@Module({
  imports: [WebSocketModule.forRoot({ history: { rooms: ['chat:*'], maxMessages: 100 } })],
  providers: [CrossLayerGateway, PassThroughInterceptor],
})
class CrossLayerModule {}

interface Envelope {
  event: string;
  data: { id?: string; session?: string; restored?: boolean; room?: string; action?: string } & Record<string, unknown>;
}

const open = async (url: string): Promise<WebSocket> => {
  const client = new WebSocket(url, { perMessageDeflate: { threshold: 0 } });
  await new Promise((resolve, reject) => client.once('open', resolve).once('error', reject));
  return client;
};

/** The next envelope named `event` carrying `data` if given (the listener is attached before the caller sends). */
const next = (client: WebSocket, event: string, data?: string): Promise<Envelope> =>
  new Promise((resolve) => {
    const onMessage = (bytes: Buffer): void => {
      const envelope = JSON.parse(String(bytes)) as Envelope;
      if (envelope.event !== event || (data !== undefined && (envelope.data as unknown) !== data)) return;
      client.off('message', onMessage);
      resolve(envelope);
    };
    client.on('message', onMessage);
  });

const closeCode = (client: WebSocket): Promise<number> => new Promise((resolve) => client.once('close', resolve));

describe('cross-layer attacks (deflate, rooms with presence, history, interceptor)', () => {
  let started: StartedApp;
  let gateway: CrossLayerGateway;
  let isClosed: boolean;
  const faults: unknown[] = [];
  const recordFault = (error: unknown): number => faults.push(error);

  beforeAll(() => {
    process.on('uncaughtException', recordFault);
    process.on('unhandledRejection', recordFault);
  });

  afterAll(() => {
    process.off('uncaughtException', recordFault);
    process.off('unhandledRejection', recordFault);
  });

  beforeEach(async () => {
    faults.length = 0;
    started = await startApp(CrossLayerModule);
    gateway = started.app.get(CrossLayerGateway);
    isClosed = false;
  });

  afterEach(async () => {
    if (!isClosed) await started.app.close();
    expect(faults).toEqual([]);
  });

  it.each(['reset', 'half-close'])(
    'leaves no member, no presence and no join without its leave when clients %s after 40 compressed requests that join rooms',
    async (ending) => {
      const observer = await open(started.wsUrl('/cross'));
      const presence = new Map<string, number>();
      observer.on('message', (data: Buffer) => {
        const { event, data: change } = JSON.parse(String(data)) as Envelope;
        if (event !== 'presence') return;
        const key = `${change.room}/${change.id}`;
        presence.set(key, (presence.get(key) ?? 0) + (change.action === 'join' ? 1 : -1));
      });
      const watching = next(observer, 'watch');
      observer.send(JSON.stringify({ event: 'watch', id: 1 }));
      await watching;

      const attackers = 10;
      for (let round = 0; round < attackers; round++) {
        const client = await open(started.wsUrl('/cross'));
        for (let i = 0; i < 40; i++) client.send(JSON.stringify({ event: 'join', data: i, id: i }));
        // Each round ends a little later, so the end lands before, among and after the handlers.
        for (let turn = 0; turn < round; turn++) await new Promise((resolve) => setImmediate(resolve));
        if (ending === 'reset') client.terminate();
        else (client as unknown as { _socket: { end(): void } })._socket.end();
      }
      await gateway.settled(attackers);
      // A reply on the observer's connection follows every presence frame sent to it before.
      const said = next(observer, 'say');
      observer.send(JSON.stringify({ event: 'say', data: 'flush', id: 2 }));
      await said;

      const rooms = started.app.get(Rooms);
      for (const room of ROOMS) {
        expect(await rooms.members(room)).toHaveLength(1);
        expect(await rooms.presence(room)).toEqual([]);
      }
      expect([...presence].filter(([, balance]) => balance !== 0)).toEqual([]);
      observer.close();
    },
  );

  it.each(['close', 'reset'])(
    "restores the session on a new connection whose $resume races the old connection's %s, and the room reaches it",
    async (ending) => {
      const rooms = started.app.get(Rooms);
      for (let round = 0; round < 5; round++) {
        const old = await open(started.wsUrl('/cross'));
        const { data: session } = await next(old, '$session');
        const watching = next(old, 'watch');
        old.send(JSON.stringify({ event: 'watch', id: 1 }));
        await watching;
        for (let i = 0; i < 30; i++) old.send(JSON.stringify({ event: 'say', data: `before ${i}`, id: 10 + i }));
        const resuming = open(started.wsUrl('/cross'));
        if (ending === 'reset') old.terminate();
        else old.close();
        const fresh = await resuming;
        const answer = next(fresh, '$resume');
        fresh.send(JSON.stringify({ event: '$resume', data: { session: session.id, rooms: {} }, id: 1 }));
        expect((await answer).data.restored).toBe(true);
        await gateway.settled(2 * round + 1); // the old connections and the earlier rounds' new ones

        // The old connection's own broadcasts may still reach the new one, which is now the member.
        const said = next(fresh, 'said', 'after');
        fresh.send(JSON.stringify({ event: 'say', data: 'after', id: 2 }));
        await said;
        expect(await rooms.members('chat:0')).toHaveLength(1);
        fresh.close();
        await closeCode(fresh);
      }
    },
  );

  it('ends with 1001 when app.close() lands while large compressed messages inflate and a $resume is in flight', async () => {
    const old = await open(started.wsUrl('/cross'));
    const { data: session } = await next(old, '$session');
    const watching = next(old, 'watch');
    old.send(JSON.stringify({ event: 'watch', id: 1 }));
    await watching;
    const large = 'a'.repeat(700_000);
    for (let i = 0; i < 20; i++) old.send(JSON.stringify({ event: 'say', data: large, id: 10 + i }));
    const fresh = await open(started.wsUrl('/cross'));
    fresh.send(JSON.stringify({ event: '$resume', data: { session: session.id, rooms: {} }, id: 1 }));
    const codes = Promise.all([closeCode(old), closeCode(fresh)]);

    await started.app.close();
    isClosed = true;

    expect(await codes).toEqual([1001, 1001]);
  });
});
