import { once } from 'node:events';
import { request } from 'node:http';
import { ConnectionRegistry } from '../../../lib';
import { FALLBACK_SESSION_HEADER } from '../../../lib/wire/fallback';
import { Disconnects, FallbackCapModule, FallbackLimitsModule } from '../../fixtures/fallback/limits.gateway';
import { startApp, StartedApp } from '../../fixtures/gateways/test-app';
import { httpRequest, SseSessionClient } from '../../helpers/sse-session-client';

const envelope = (event: string, data?: unknown, id?: number): string => JSON.stringify({ event, data, id });

describe('HTTP fallback: limits and bad input', () => {
  let started: StartedApp;
  const sessions: SseSessionClient[] = [];
  const url = (path = '/limited?token=ok'): string => started.httpUrl(path);

  const open = async (path?: string, headers?: Record<string, string>): Promise<SseSessionClient> => {
    const session = await SseSessionClient.open(url(path), headers);
    sessions.push(session);
    return session;
  };

  beforeAll(async () => {
    started = await startApp(FallbackLimitsModule);
  });

  afterEach(() => {
    for (const session of sessions.splice(0)) session.drop();
  });

  afterAll(async () => {
    await started.app.close();
  });

  describe('the stream is judged like an upgrade', () => {
    it('answers 401 when a handshake guard refuses, and opens no session', async () => {
      await expect(SseSessionClient.open(url('/limited'))).rejects.toMatchObject({ status: 401, body: expect.stringContaining('a token is required') });
      expect(started.app.get(ConnectionRegistry).count).toBe(0);
    });

    it('answers 403 to a page of another origin', async () => {
      await expect(SseSessionClient.open(url(), { Origin: 'https://evil.example' })).rejects.toMatchObject({ status: 403 });
    });

    it('puts what the guard attached into client.data, and says transport "sse"', async () => {
      const session = await open();
      await session.post([envelope('whoami', undefined, 1)]);

      expect((await session.envelope('whoami', 1)).data).toEqual({ user: 'ada', transport: 'sse' });
    });

    it('leaves the stream of a gateway without fallback to the application (404)', async () => {
      await expect(SseSessionClient.open(url('/ws-only'))).rejects.toMatchObject({ status: 404 });
    });
  });

  describe('POSTs that are not a session', () => {
    it.each([
      ['an unknown session id', (session: SseSessionClient) => `00000000-0000-4000-8000-000000000000:${session.opened.token}`],
      ['a forged token', (session: SseSessionClient) => `${session.opened.session}:${'A'.repeat(43)}`],
      ['another session token of a different length', (session: SseSessionClient) => `${session.opened.session}:short`],
      ['no colon', (session: SseSessionClient) => session.opened.session],
    ])('answers 404 SESSION_NOT_FOUND to %s, and delivers nothing', async (_case, credentials) => {
      const session = await open();
      const answer = await httpRequest(url(), { method: 'POST', headers: { [FALLBACK_SESSION_HEADER]: credentials(session) }, body: envelope('bye') });

      expect(answer.status).toBe(404);
      expect(JSON.parse(answer.body)).toEqual({ error: { code: 'SESSION_NOT_FOUND', message: expect.any(String) } });
      expect(started.app.get(ConnectionRegistry).get(session.opened.session)).toBeDefined();
    });

    it('answers 404 to a session that has closed (its stream dropped)', async () => {
      const session = await open();
      const closed = started.app.get(Disconnects).of(session.opened.session);
      session.drop();
      expect((await closed).code).toBe(1006);

      const answer = await session.post([envelope('whoami', undefined, 1)]);

      expect(answer.status).toBe(404);
    });
  });

  describe('sizes and floods', () => {
    it('answers 413 BODY_TOO_LARGE to a declared body above maxMessageBytes, and closes that HTTP connection', async () => {
      const session = await open();

      const answer = await session.post(['x'.repeat(1025)]);

      expect(answer.status).toBe(413);
      expect(answer.headers.connection).toBe('close');
      expect(JSON.parse(answer.body).error.code).toBe('BODY_TOO_LARGE');
    });

    it('answers 413 to a chunked body as it passes the limit', async () => {
      const session = await open();
      const sent = request(url(), { method: 'POST', headers: { [FALLBACK_SESSION_HEADER]: session.credentials, 'Transfer-Encoding': 'chunked' }, agent: false });
      sent.write('y'.repeat(800));
      sent.write('y'.repeat(800));
      const [response] = await once(sent, 'response');
      sent.destroy();

      expect(response.statusCode).toBe(413);
    });

    it('answers 400 to a body that is not UTF-8', async () => {
      const session = await open();
      const answer = await httpRequest(url(), { method: 'POST', headers: { [FALLBACK_SESSION_HEADER]: session.credentials }, body: Buffer.from([0xc3, 0x28]) });

      expect(answer.status).toBe(400);
    });

    it('applies the rate limit per message: a flood of tiny messages in one POST gets RATE_LIMITED for what is over', async () => {
      const session = await open();
      const flood = Array.from({ length: 20 }, (_, i) => envelope('whoami', undefined, i + 1));

      expect((await session.post(flood)).status).toBe(202);
      const limited = await session.envelope('error', 20);

      expect(limited.data).toMatchObject({ code: 'RATE_LIMITED' });
      expect((await session.envelope('whoami', 1)).data).toMatchObject({ transport: 'sse' });
    });

    it('answers 429 to a fifth POST of one session while four are still being read', async () => {
      const session = await open();
      const slow = Array.from({ length: 4 }, () => {
        const sent = request(url(), { method: 'POST', headers: { [FALLBACK_SESSION_HEADER]: session.credentials, 'Content-Length': 10 }, agent: false });
        sent.on('error', () => undefined);
        sent.write('{');
        return sent;
      });
      // The four are read only once the server has them: a complete POST behind them proves it (they ride separate connections).
      let answer = await session.post([envelope('whoami', undefined, 1)]);
      while (answer.status === 202) answer = await session.post([envelope('whoami', undefined, 1)]);
      for (const sent of slow) sent.destroy();

      expect(answer.status).toBe(429);
      expect(JSON.parse(answer.body).error.code).toBe('TOO_MANY_REQUESTS');
    });

    it('closes a session whose reader does not read once its outbound budget is spent (1008, as a slow WebSocket consumer)', async () => {
      const session = await open();
      const closed = started.app.get(Disconnects).of(session.opened.session);
      session.response.pause(); // stops reading: the kernel buffers fill, then the server's

      await session.post([envelope('flood', { count: 2000, bytes: 1000 })]);

      expect(await closed).toEqual({ code: 1008, reason: 'slow consumer', wasClean: false });
    });
  });

  describe('closing', () => {
    it('ends the stream with an `event: close` carrying the code when the server closes', async () => {
      const session = await open();
      await session.post([envelope('bye')]);

      const close = await session.next((event) => event.event === 'close');
      await session.untilEnded();

      expect(JSON.parse(close.data)).toEqual({ code: 4001, reason: 'bye' });
    });

    it('closes with 1000 when the client sends DELETE, and the session is gone', async () => {
      const session = await open();
      const closed = started.app.get(Disconnects).of(session.opened.session);

      const answer = await httpRequest(url(), { method: 'DELETE', headers: { [FALLBACK_SESSION_HEADER]: session.credentials } });

      expect(answer.status).toBe(204);
      expect(await closed).toEqual({ code: 1000, reason: '', wasClean: true });
      expect((await session.post([envelope('whoami')])).status).toBe(404);
    });

    it('delivers nothing of a POST whose client left mid-body', async () => {
      const session = await open();
      const sent = request(url(), { method: 'POST', headers: { [FALLBACK_SESSION_HEADER]: session.credentials, 'Content-Length': 100 }, agent: false });
      sent.on('error', () => undefined);
      sent.write(envelope('bye'));
      const gone = new Promise((resolve) => sent.on('close', resolve));
      sent.destroy();
      await gone;

      await session.post([envelope('whoami', undefined, 7)]);

      expect((await session.envelope('whoami', 7)).data).toMatchObject({ transport: 'sse' });
      expect(session.events.some((event) => event.event === 'close')).toBe(false);
    });

    it('answers 404 to a POST that completes after its session dropped', async () => {
      const session = await open();
      const closed = started.app.get(Disconnects).of(session.opened.session);
      const sent = request(url(), { method: 'POST', headers: { [FALLBACK_SESSION_HEADER]: session.credentials, 'Content-Length': Buffer.byteLength(envelope('whoami')) }, agent: false });
      sent.write(envelope('whoami').slice(0, 5));
      session.drop();
      await closed;
      sent.end(envelope('whoami').slice(5));
      const [response] = await once(sent, 'response');

      expect(response.statusCode).toBe(404);
    });

    it('closes a session that posted nothing for idleTimeoutMs with 1000 "idle timeout"', async () => {
      const session = await open('/idle');

      const close = await session.next((event) => event.event === 'close');

      expect(JSON.parse(close.data)).toEqual({ code: 1000, reason: 'idle timeout' });
    });
  });

  describe('messages that SSE cannot carry as they are', () => {
    it('sends a text with LFs as data lines, one with a CR as a JSON string, and bytes as base64', async () => {
      const session = await open();
      await session.post([envelope('raw')]);
      await session.next((event) => event.event === 'binary');

      const [lines, escaped, binary] = session.events.slice(-3);

      expect(lines).toEqual({ event: 'message', data: 'two\nlines' });
      expect(escaped).toEqual({ event: 'text', data: JSON.stringify('a\r\nb') });
      expect(binary).toEqual({ event: 'binary', data: Buffer.from([0, 1, 2, 255]).toString('base64') });
    });
  });

  it('closes every session with 1001 when the application shuts down', async () => {
    const own = await startApp(FallbackLimitsModule);
    const session = await SseSessionClient.open(own.httpUrl('/limited?token=ok'));

    await own.app.close();
    const close = await session.next((event) => event.event === 'close');

    expect(JSON.parse(close.data)).toEqual({ code: 1001, reason: 'server shutting down' });
  });

  it('answers 503 to a stream past maxConnectionsPerAddress, and takes one again once a session closed', async () => {
    const capped = await startApp(FallbackCapModule);
    const url = capped.httpUrl('/capped');
    try {
      const first = await SseSessionClient.open(url);
      const second = await SseSessionClient.open(url);

      await expect(SseSessionClient.open(url)).rejects.toMatchObject({ status: 503, body: expect.stringContaining('connection limit reached for this address') });
      second.drop();
      let again: SseSessionClient | undefined;
      // The server counts the session out when it sees the drop: until then it may still refuse.
      while (!again) again = await SseSessionClient.open(url).catch(() => undefined);

      expect(again.opened.session).not.toBe(second.opened.session);
      first.drop();
      again.drop();
    } finally {
      await capped.app.close();
    }
  });
});
