// A session's credentials POSTed to another gateway's path, on a node that does not hold the session:
// the holder must refuse them as it does when they land on its own node (404), or another gateway's
// maxMessageBytes would let larger messages into the session than its own gateway allows.
import { DynamicModule, Injectable, Module } from '@nestjs/common';
import { ConnectedSocket, Gateway, MessageBody, OnMessage, RedisAdapter, WebSocketModule, WsConnection } from '../../../lib';
import { FALLBACK_SESSION_HEADER } from '../../../lib/wire/fallback';
import { startApp, StartedApp } from '../../fixtures/gateways/test-app';
import { RedisServer } from '../../helpers/redis-server';
import { httpRequest, SseSessionClient } from '../../helpers/sse-session-client';

jest.setTimeout(30_000);

@Injectable()
class Notes {
  readonly texts: string[] = [];
}

/** `/small`: messages of 128 bytes at most. */
@Gateway({ path: '/small', fallback: { sse: true }, maxMessageBytes: 128 })
class SmallGateway {
  constructor(private readonly notes: Notes) {}

  @OnMessage('note')
  note(@MessageBody() text: string, @ConnectedSocket() _client: WsConnection): void {
    this.notes.texts.push(text);
  }
}

/** `/big`: messages of 4 KiB. */
@Gateway({ path: '/big', fallback: { sse: true }, maxMessageBytes: 4096 })
class BigGateway {}

@Module({})
class NodeModule {
  static on(url: string): DynamicModule {
    return {
      module: NodeModule,
      imports: [WebSocketModule.forRoot({ adapter: new RedisAdapter({ url, keyPrefix: 'fb-cross-path:', heartbeatIntervalMs: 1000 }) })],
      providers: [Notes, SmallGateway, BigGateway],
    };
  }
}

describe('HTTP fallback: credentials posted to another gateway path', () => {
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

  const post = (app: StartedApp, path: string, credentials: string, text: string) =>
    httpRequest(app.httpUrl(path), { method: 'POST', headers: { [FALLBACK_SESSION_HEADER]: credentials }, body: JSON.stringify({ event: 'note', data: text }) });

  it.each([
    ['on the node that holds the session', () => a],
    ['on another node (forwarded)', () => b],
  ])('answers 404 %s, and delivers nothing past the gateway own limit', async (_case, via) => {
    const session = await SseSessionClient.open(a.httpUrl('/small'));
    sessions.push(session);
    const large = 'x'.repeat(1000);

    expect((await post(via(), '/big', session.credentials, large)).status).toBe(404);
    // Its own path still works, through either node, and only the small note arrived.
    expect((await post(via(), '/small', session.credentials, 'small')).status).toBe(202);
    expect(a.app.get(Notes).texts).toContain('small');
    expect(a.app.get(Notes).texts).not.toContain(large);
  });

  // Last: it stops Redis.
  it('answers a forwarded POST 503 UNAVAILABLE, not a hang or a 404, while Redis is down', async () => {
    const session = await SseSessionClient.open(a.httpUrl('/small'));
    sessions.push(session);
    await redis.stop('SIGKILL');

    const answer = await post(b, '/small', session.credentials, 'lost');

    expect(answer.status).toBe(503);
    expect(JSON.parse(answer.body)).toEqual({ error: { code: 'UNAVAILABLE', message: expect.any(String) } });
  });
});
