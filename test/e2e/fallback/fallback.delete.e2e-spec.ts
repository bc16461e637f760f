// The client's DELETE (its goodbye) may land on any node, as its POSTs do (no sticky sessions): the
// node holding the session closes it cleanly with 1000, after checking the token and the path there.
import { CloseEvent, Gateway, OnGatewayDisconnect, WsConnection } from '../../../lib';
import { FALLBACK_SESSION_HEADER } from '../../../lib/wire/fallback';
import { Disconnects } from '../../fixtures/fallback/limits.gateway';
import { StartedApp } from '../../fixtures/gateways/test-app';
import { httpRequest, SseSessionClient } from '../../helpers/sse-session-client';
import { twoRedisNodesForSuite } from '../../helpers/two-redis-nodes';

jest.setTimeout(30_000);

@Gateway({ path: '/one', fallback: { sse: true } })
class OneGateway implements OnGatewayDisconnect {
  constructor(private readonly disconnects: Disconnects) {}

  handleDisconnect(client: WsConnection, event: CloseEvent): void {
    this.disconnects.record(client.id, event);
  }
}

@Gateway({ path: '/two', fallback: { sse: true } })
class TwoGateway {}

describe('HTTP fallback: a DELETE on any node closes the session with 1000', () => {
  const nodes = twoRedisNodesForSuite('fb-delete:', [Disconnects, OneGateway, TwoGateway]);
  const sessions: SseSessionClient[] = [];

  afterAll(() => {
    for (const session of sessions) session.drop();
  });

  const openOnA = async (): Promise<SseSessionClient> => {
    const session = await SseSessionClient.open(nodes.a.httpUrl('/one'));
    sessions.push(session);
    return session;
  };
  const remove = (app: StartedApp, path: string, credentials: string) => httpRequest(app.httpUrl(path), { method: 'DELETE', headers: { [FALLBACK_SESSION_HEADER]: credentials } });

  it.each([
    ['on the node that holds the session', () => nodes.a],
    ['on another node (forwarded to the holder)', () => nodes.b],
  ])('answers 204 %s, and the session closes cleanly with 1000', async (_case, via) => {
    const session = await openOnA();

    expect((await remove(via(), '/one', session.credentials)).status).toBe(204);
    expect(await nodes.a.app.get(Disconnects).of(session.opened.session)).toEqual({ code: 1000, reason: '', wasClean: true });
    await session.untilEnded();
  });

  it.each([
    ['a forged token', (session: SseSessionClient) => `${session.opened.session}:${'A'.repeat(43)}`, '/one'],
    ['an unknown session', (session: SseSessionClient) => `00000000-0000-4000-8000-000000000000:${session.opened.token}`, '/one'],
    ["another gateway's path", (session: SseSessionClient) => session.credentials, '/two'],
  ])('answers 404 to %s, on either node, and the session stays open', async (_case, credentials, path) => {
    const session = await openOnA();

    for (const via of [nodes.a, nodes.b]) {
      const answer = await remove(via, path, credentials(session));
      expect(answer.status).toBe(404);
      expect(JSON.parse(answer.body)).toEqual({ error: { code: 'SESSION_NOT_FOUND', message: expect.any(String) } });
    }
    // Still open: its own DELETE closes it now.
    expect(nodes.a.app.get(Disconnects).has(session.opened.session)).toBe(false);
    expect((await remove(nodes.b, '/one', session.credentials)).status).toBe(204);
    expect((await nodes.a.app.get(Disconnects).of(session.opened.session)).code).toBe(1000);
  });

  it('answers 404 to a DELETE forwarded for a session that has already closed', async () => {
    const session = await openOnA();
    expect((await remove(nodes.b, '/one', session.credentials)).status).toBe(204);

    expect((await remove(nodes.b, '/one', session.credentials)).status).toBe(404);
  });

  // Last: it stops Redis.
  it('answers a forwarded DELETE 503 UNAVAILABLE while Redis is down', async () => {
    const session = await openOnA();
    await nodes.redis.stop('SIGKILL');

    const answer = await remove(nodes.b, '/one', session.credentials);

    expect(answer.status).toBe(503);
    expect(JSON.parse(answer.body)).toEqual({ error: { code: 'UNAVAILABLE', message: expect.any(String) } });
  });
});
