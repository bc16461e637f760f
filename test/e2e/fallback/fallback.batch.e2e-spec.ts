import { SseSocket } from '../../../lib/client/sse-socket';
import { SSE_CLOSE_EVENT } from '../../../lib/wire/fallback';
import { resolveGatewayOptions } from '../../../lib/gateway/websocket.defaults';
import { FallbackBatchModule, Notes } from '../../fixtures/fallback/batch.gateway';
import { startApp, StartedApp } from '../../fixtures/gateways/test-app';
import { SseSessionClient } from '../../helpers/sse-session-client';
import { WsTestClient } from '../../helpers/ws-test-client';

const note = (n: number): string => JSON.stringify({ event: 'note', data: n, id: n });
const notes = (from: number, count: number): string[] => Array.from({ length: count }, (_, i) => note(from + i));

describe('HTTP fallback: messages per POST and the rate limit', () => {
  let started: StartedApp;
  const sessions: SseSessionClient[] = [];

  const open = async (path: string): Promise<SseSessionClient> => {
    const session = await SseSessionClient.open(started.httpUrl(path));
    sessions.push(session);
    return session;
  };

  beforeAll(async () => {
    started = await startApp(FallbackBatchModule);
  });

  afterEach(() => {
    for (const session of sessions.splice(0)) session.drop();
  });

  afterAll(async () => {
    await started.app.close();
  });

  describe('maxMessagesPerPost', () => {
    it('tells the client the cap in the session event', async () => {
      expect((await open('/batch')).opened.maxMessagesPerPost).toBe(8);
      expect((await open('/default-batch')).opened.maxMessagesPerPost).toBe(256);
    });

    it.each([7, 8])('delivers a POST of %i messages (at or under the cap of 8), in order', async (count) => {
      const session = await open('/batch');
      const answer = await session.post(notes(1, count));

      expect(answer.status).toBe(202);
      expect(JSON.parse(answer.body)).toEqual({ accepted: count });
      await session.envelope('note', count);
      expect(started.app.get(Notes).of(session.opened.session)).toEqual(notes(1, count).map((_, i) => i + 1));
    });

    it.each([
      ['/batch', 9],
      ['/default-batch', 257],
    ])('answers 413 TOO_MANY_MESSAGES to a POST of one over the cap (%s, %i messages) and delivers none of them', async (path, count) => {
      const session = await open(path);
      const answer = await session.post(notes(1, count));

      expect(answer.status).toBe(413);
      expect(JSON.parse(answer.body)).toEqual({ error: { code: 'TOO_MANY_MESSAGES', message: expect.stringContaining(`at most ${count - 1} messages`) } });
      // Messages are handled in order: once the next POST's is answered, none of the refused one was.
      expect((await session.post([note(1000)])).status).toBe(202);
      await session.envelope('note', 1000);
      expect(started.app.get(Notes).of(session.opened.session)).toEqual([1000]);
    });

    it('counts messages, not lines: empty lines and CRLF do not count', async () => {
      const session = await open('/batch');
      const body = `\n\r\n${notes(1, 8).join('\r\n\n')}\n\n`;
      const answer = await session.post([body]);

      expect(answer.status).toBe(202);
      expect(JSON.parse(answer.body)).toEqual({ accepted: 8 });
    });

    it('the client splits a larger batch into POSTs of at most the cap, and everything arrives in order', async () => {
      const socket = new SseSocket(started.httpUrl('/batch'), fetch);
      const received: number[] = [];
      const allReceived = new Promise<void>((resolve) =>
        socket.addEventListener('message', ({ data }) => {
          received.push((JSON.parse(String(data)) as { id: number }).id);
          if (received.length === 30) resolve();
        }),
      );
      await new Promise<void>((resolve) => socket.addEventListener('open', resolve));
      for (const message of notes(1, 30)) socket.send(message);
      await allReceived;
      socket.close();

      expect(received).toEqual(notes(1, 30).map((_, i) => i + 1));
    });

    it.each([0, -1, 1.5, Number.NaN])('refuses maxMessagesPerPost %p at startup', (maxMessagesPerPost) => {
      expect(() => resolveGatewayOptions({}, { path: '/x', fallback: { sse: true, maxMessagesPerPost } })).toThrow(
        "@Gateway({ path: '/x' }): fallback.maxMessagesPerPost must be a whole number of at least 1",
      );
    });
  });

  describe('the rate limit counts each message of a POST, as each WebSocket message', () => {
    it('closes a fallback session with 1008 at the first message over the limit, within one POST, as it closes a WebSocket', async () => {
      const session = await open('/strict');
      expect((await session.post(notes(1, 5))).status).toBe(202);
      const closed = await session.next((event) => event.event === SSE_CLOSE_EVENT);

      const socket = await WsTestClient.connect(started.wsUrl('/strict'));
      for (const message of notes(1, 5)) await socket.sendRaw(message);
      const socketClosed = await socket.closed();

      expect(JSON.parse(closed.data)).toEqual({ code: 1008, reason: 'rate limit exceeded' });
      expect(socketClosed).toEqual({ code: 1008, reason: 'rate limit exceeded' });
      expect(started.app.get(Notes).of(session.opened.session)).toEqual([1, 2, 3]);
    });
  });
});
