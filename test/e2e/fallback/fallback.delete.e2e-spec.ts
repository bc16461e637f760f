// The client's DELETE (its goodbye) may land on any node, as its POSTs do (no sticky sessions): the
// node holding the session closes it cleanly with 1000, after checking the token and the path there.
import { DynamicModule, Injectable, Module } from '@nestjs/common';
import { CloseEvent, Gateway, OnGatewayDisconnect, RedisAdapter, WebSocketModule, WsConnection } from '../../../lib';
import { FALLBACK_SESSION_HEADER } from '../../../lib/wire/fallback';
import { startApp, StartedApp } from '../../fixtures/gateways/test-app';
import { RedisServer } from '../../helpers/redis-server';
import { httpRequest, SseSessionClient } from '../../helpers/sse-session-client';

jest.setTimeout(30_000);

/** Each closed session's close event, as handleDisconnect saw it. */
@Injectable()
class Disconnects {
  private readonly seen = new Map<string, CloseEvent>();
  private readonly waiting = new Map<string, (event: CloseEvent) => void>();

  record(id: string, event: CloseEvent): void {
    this.seen.set(id, event);
    this.waiting.get(id)?.(event);
  }

  of(id: string): Promise<CloseEvent> {
    const seen = this.seen.get(id);
    return seen ? Promise.resolve(seen) : new Promise((resolve) => this.waiting.set(id, resolve));
  }

  has(id: string): boolean {
    return this.seen.has(id);
  }
}

@Gateway({ path: '/one', fallback: { sse: true } })
class OneGateway implements OnGatewayDisconnect {
  constructor(private readonly disconnects: Disconnects) {}

  handleDisconnect(client: WsConnection, event: CloseEvent): void {
    this.disconnects.record(client.id, event);
  }
}

@Gateway({ path: '/two', fallback: { sse: true } })
class TwoGateway {}

@Module({})
class NodeModule {
  static on(url: string): DynamicModule {
    return {
      module: NodeModule,
      imports: [WebSocketModule.forRoot({ adapter: new RedisAdapter({ url, keyPrefix: 'fb-delete:', heartbeatIntervalMs: 1000 }) })],
      providers: [Disconnects, OneGateway, TwoGateway],
    };
  }
}

describe('HTTP fallback: a DELETE on any node closes the session with 1000', () => {
  let redis: RedisServer;
  let a: StartedApp;
  let b: StartedApp;
  const sessions: SseSessionClient[] = [];

  beforeAll(async () => {
    redis = await RedisServer.start();
    a = await startApp(NodeModule.on(redis.url));
    b = await startApp(NodeModule.on(redis.url));
  });

  afterAll(async () => {
    for (const session of sessions) session.drop();
    await a?.app.close();
    await b?.app.close();
    await redis?.dispose();
  });

  const openOnA = async (): Promise<SseSessionClient> => {
    const session = await SseSessionClient.open(a.httpUrl('/one'));
    sessions.push(session);
    return session;
  };
  const remove = (app: StartedApp, path: string, credentials: string) => httpRequest(app.httpUrl(path), { method: 'DELETE', headers: { [FALLBACK_SESSION_HEADER]: credentials } });

  it.each([
    ['on the node that holds the session', () => a],
    ['on another node (forwarded to the holder)', () => b],
  ])('answers 204 %s, and the session closes cleanly with 1000', async (_case, via) => {
    const session = await openOnA();

    expect((await remove(via(), '/one', session.credentials)).status).toBe(204);
    expect(await a.app.get(Disconnects).of(session.opened.session)).toEqual({ code: 1000, reason: '', wasClean: true });
    await session.untilEnded();
  });

  it.each([
    ['a forged token', (session: SseSessionClient) => `${session.opened.session}:${'A'.repeat(43)}`, '/one'],
    ['an unknown session', (session: SseSessionClient) => `00000000-0000-4000-8000-000000000000:${session.opened.token}`, '/one'],
    ["another gateway's path", (session: SseSessionClient) => session.credentials, '/two'],
  ])('answers 404 to %s, on either node, and the session stays open', async (_case, credentials, path) => {
    const session = await openOnA();

    for (const via of [a, b]) {
      const answer = await remove(via, path, credentials(session));
      expect(answer.status).toBe(404);
      expect(JSON.parse(answer.body)).toEqual({ error: { code: 'SESSION_NOT_FOUND', message: expect.any(String) } });
    }
    // Still open: its own DELETE closes it now.
    expect(a.app.get(Disconnects).has(session.opened.session)).toBe(false);
    expect((await remove(b, '/one', session.credentials)).status).toBe(204);
    expect((await a.app.get(Disconnects).of(session.opened.session)).code).toBe(1000);
  });

  it('answers 404 to a DELETE forwarded for a session that has already closed', async () => {
    const session = await openOnA();
    expect((await remove(b, '/one', session.credentials)).status).toBe(204);

    expect((await remove(b, '/one', session.credentials)).status).toBe(404);
  });

  // Last: it stops Redis.
  it('answers a forwarded DELETE 503 UNAVAILABLE while Redis is down', async () => {
    const session = await openOnA();
    await redis.stop('SIGKILL');

    const answer = await remove(b, '/one', session.credentials);

    expect(answer.status).toBe(503);
    expect(JSON.parse(answer.body)).toEqual({ error: { code: 'UNAVAILABLE', message: expect.any(String) } });
  });
});
