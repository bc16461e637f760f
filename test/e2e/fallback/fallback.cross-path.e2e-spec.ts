// A session's credentials POSTed to another gateway's path, on a node that does not hold the session:
// the holder must refuse them as it does when they land on its own node (404), or another gateway's
// maxMessageBytes would let larger messages into the session than its own gateway allows.
import { Injectable } from '@nestjs/common';
import { ConnectedSocket, Gateway, MessageBody, OnMessage, WsConnection } from '../../../lib';
import { FALLBACK_SESSION_HEADER } from '../../../lib/wire/fallback';
import { StartedApp } from '../../fixtures/gateways/test-app';
import { httpRequest, SseSessionClient } from '../../helpers/sse-session-client';
import { twoRedisNodesForSuite } from '../../helpers/two-redis-nodes';

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

describe('HTTP fallback: credentials posted to another gateway path', () => {
  const nodes = twoRedisNodesForSuite('fb-cross-path:', [Notes, SmallGateway, BigGateway]);
  const sessions: SseSessionClient[] = [];

  afterAll(() => {
    for (const session of sessions) session.drop();
  });

  const post = (app: StartedApp, path: string, credentials: string, text: string) =>
    httpRequest(app.httpUrl(path), { method: 'POST', headers: { [FALLBACK_SESSION_HEADER]: credentials }, body: JSON.stringify({ event: 'note', data: text }) });

  it.each([
    ['on the node that holds the session', () => nodes.a],
    ['on another node (forwarded)', () => nodes.b],
  ])('answers 404 %s, and delivers nothing past the gateway own limit', async (_case, via) => {
    const session = await SseSessionClient.open(nodes.a.httpUrl('/small'));
    sessions.push(session);
    const large = 'x'.repeat(1000);

    expect((await post(via(), '/big', session.credentials, large)).status).toBe(404);
    // Its own path still works, through either node, and only the small note arrived.
    expect((await post(via(), '/small', session.credentials, 'small')).status).toBe(202);
    expect(nodes.a.app.get(Notes).texts).toContain('small');
    expect(nodes.a.app.get(Notes).texts).not.toContain(large);
  });

  // Last: it stops Redis.
  it('answers a forwarded POST 503 UNAVAILABLE, not a hang or a 404, while Redis is down', async () => {
    const session = await SseSessionClient.open(nodes.a.httpUrl('/small'));
    sessions.push(session);
    await nodes.redis.stop('SIGKILL');

    const answer = await post(nodes.b, '/small', session.credentials, 'lost');

    expect(answer.status).toBe(503);
    expect(JSON.parse(answer.body)).toEqual({ error: { code: 'UNAVAILABLE', message: expect.any(String) } });
  });
});
