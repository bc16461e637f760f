// The HTTP fallback attacked from outside (issue 19 §2): messages posted before the session has
// started, a client that closes with POSTs in flight, a cross-site request that carries no Origin.
import { createClient, WsClient } from '../../../lib/client';
import { ConnectionRegistry } from '../../../lib';
import { FALLBACK_SESSION_HEADER } from '../../../lib/wire/fallback';
import { FallbackAttackModule, Heard } from '../../fixtures/fallback/attack.gateway';
import { startApp, StartedApp } from '../../fixtures/gateways/test-app';
import { httpRequest, HttpAnswer, SseSessionClient } from '../../helpers/sse-session-client';

jest.setTimeout(20_000);

const note = (text: string): string => JSON.stringify({ event: 'note', data: text });

describe('HTTP fallback under attack', () => {
  let started: StartedApp;
  let heard: Heard;
  const sessions: SseSessionClient[] = [];

  const open = async (path: string, headers?: Record<string, string>): Promise<SseSessionClient> => {
    const session = await SseSessionClient.open(started.httpUrl(path), headers);
    sessions.push(session);
    return session;
  };

  beforeAll(async () => {
    started = await startApp(FallbackAttackModule);
    heard = started.app.get(Heard);
  });

  afterEach(() => {
    heard.openGate();
    for (const session of sessions.splice(0)) session.drop();
  });

  afterAll(async () => {
    await started.app.close();
  });

  describe('POSTs before the gateway has started the session (handleConnection still running)', () => {
    it('hold their answer until the session starts, and past the POSTs a session may have in flight get 429: nothing piles up unread', async () => {
      heard.closeGate();
      const session = await open('/slow-start');
      const answered: Array<HttpAnswer | undefined> = [];
      const posts = Array.from({ length: 6 }, (_, i) => session.post([note(`n${i}`)]).then((answer) => (answered[i] = answer)));

      // Two of the six are refused while the others wait for handleConnection.
      const refusals = await new Promise<HttpAnswer[]>((resolve) => {
        const check = (): void => {
          const refused = answered.filter((answer): answer is HttpAnswer => answer?.status === 429);
          if (refused.length + answered.filter((answer) => answer?.status === 202).length >= 2) resolve(refused);
        };
        for (const post of posts) void post.then(check);
      });
      expect(refusals).toHaveLength(2);
      expect(answered.filter((answer) => answer?.status === 202)).toHaveLength(0);

      heard.openGate();
      await Promise.all(posts);
      expect(answered.filter((answer) => answer?.status === 202)).toHaveLength(4);
      await session.post([note('after')]);
      const accepted = answered.flatMap((answer, i) => (answer?.status === 202 ? [`n${i}`] : []));
      expect(heard.notes.get(session.opened.session)?.sort()).toEqual([...accepted, 'after'].sort());
    });

    it('of a session that closes meanwhile get 404, and deliver nothing', async () => {
      heard.closeGate();
      const session = await open('/slow-start');
      const posted = session.post([note('lost')]);
      const registry = started.app.get(ConnectionRegistry);
      // The POST is read and waiting (the session is not in the registry before it started).
      await new Promise<void>((resolve) => setImmediate(resolve));
      session.drop();
      const answer = await posted.catch(() => undefined);
      expect(answer === undefined || answer.status === 404).toBe(true);
      heard.openGate();
      expect(registry.get(session.opened.session)).toBeUndefined();
      expect(heard.notes.get(session.opened.session)).toBeUndefined();
    });
  });

  describe('a client closing with messages still being posted', () => {
    it('delivers every message it sent before close(), then closes (as a WebSocket close frame follows the frames before it)', async () => {
      // No WebSocket: the client goes over the fallback alone.
      const platform = globalThis as { WebSocket?: unknown };
      const saved = platform.WebSocket;
      delete platform.WebSocket;
      let client: WsClient<{ note: string }>;
      try {
        client = createClient<{ note: string }>(started.httpUrl('/notes'), { reconnect: false });
      } finally {
        platform.WebSocket = saved;
      }
      await client.connect();
      expect(client.transport).toBe('sse');
      const disconnected = heard.nextDisconnect();

      // The first goes in a POST at once, the others wait for it and would go in the next.
      for (let i = 0; i < 5; i++) client.emit('note', `m${i}`);
      await client.close();

      expect(await disconnected).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    });
  });

  describe('a cross-site request without an Origin header', () => {
    it.each([['cross-site'], ['same-site']])('answers 403 to a stream a page of another site opened (Sec-Fetch-Site: %s, no Origin: a no-cors fetch)', async (site) => {
      await expect(open('/notes', { 'Sec-Fetch-Site': site, 'Sec-Fetch-Mode': 'no-cors' })).rejects.toMatchObject({ status: 403 });
      expect(started.app.get(ConnectionRegistry).count).toBe(0);
    });

    it.each([['same-origin'], ['none']])('opens a stream whose Sec-Fetch-Site is %s', async (site) => {
      const session = await open('/notes', { 'Sec-Fetch-Site': site });
      const answer = await httpRequest(started.httpUrl('/notes'), { method: 'POST', headers: { [FALLBACK_SESSION_HEADER]: session.credentials }, body: note('hi') });
      expect(answer.status).toBe(202);
    });
  });
});
