import { badMessage, internalError, noHandlerFor } from '../../../lib/gateway/messages';
import { ErrorsModule, SECRET } from '../../fixtures/gateways/errors.gateway';
import { startApp, StartedApp } from '../../fixtures/gateways/test-app';
import { WsTestClient } from '../../helpers/ws-test-client';

describe('error envelopes', () => {
  let started: StartedApp;
  let client: WsTestClient;

  beforeAll(async () => {
    started = await startApp(ErrorsModule);
  });

  afterAll(async () => {
    await started.app.close();
  });

  beforeEach(async () => {
    client = await WsTestClient.connect(started.wsUrl('/errors'));
  });

  afterEach(async () => {
    await client.close();
  });

  /** After any error the connection must still serve requests. */
  const expectStillServing = async (): Promise<void> => {
    expect(await client.request('echo', 'still here', 'check')).toEqual({ event: 'echo', data: 'still here', id: 'check' });
  };

  describe('exceptions from handlers', () => {
    it('answers a WsException with its code, message and details', async () => {
      expect(await client.request('join', { room: 'lobby' }, 1)).toEqual({
        event: 'error',
        data: { event: 'join', code: 'ROOM_FULL', message: 'the room is full', details: { room: 'lobby', capacity: 2 } },
        id: 1,
      });
      await expectStillServing();
    });

    it("answers a plain Error with INTERNAL and 'internal error', showing nothing of the error", async () => {
      await client.sendEvent('crash', undefined, 2);

      const message = await client.nextMessage();
      expect(JSON.parse(message.data as string)).toEqual({
        event: 'error',
        data: { event: 'crash', code: 'INTERNAL', message: internalError() },
        id: 2,
      });
      expect(message.data).not.toContain(SECRET);
      expect(message.data).not.toMatch(/stack|at .*\.ts/);
      await expectStillServing();
    });

    it('answers a rejected Promise like a thrown error', async () => {
      const reply = await client.request('crash-async', undefined, 3);

      expect(reply).toEqual({ event: 'error', data: { event: 'crash-async', code: 'INTERNAL', message: 'internal error' }, id: 3 });
      expect(JSON.stringify(reply)).not.toContain(SECRET);
    });

    it("maps an HttpException to a code named after its status, with the exception's message", async () => {
      expect((await client.request('not-found', undefined, 4)).data).toEqual({
        event: 'not-found',
        code: 'NOT_FOUND',
        message: 'no such room',
      });
      expect((await client.request('teapot', undefined, 5)).data).toEqual({
        event: 'teapot',
        code: 'HTTP_418',
        message: 'short and stout',
      });
    });

    it('answers an Observable that fails after an emission with the reply, then an error envelope, both with the id', async () => {
      await client.sendEvent('stream-then-fail', undefined, 6);

      expect(await client.nextEnvelope()).toEqual({ event: 'stream-then-fail', data: 1, id: 6 });
      expect(await client.nextEnvelope()).toEqual({
        event: 'error',
        data: { event: 'stream-then-fail', code: 'STREAM_BROKEN', message: 'the stream broke' },
        id: 6,
      });
      await expectStillServing();
    });
  });

  describe('messages no handler can take', () => {
    it('answers an unknown event with UNKNOWN_EVENT, echoing the id', async () => {
      expect(await client.request('no-such-event', { a: 1 }, 'u1')).toEqual({
        event: 'error',
        data: { event: 'no-such-event', code: 'UNKNOWN_EVENT', message: noHandlerFor('no-such-event') },
        id: 'u1',
      });
      await expectStillServing();
    });

    it.each([
      ['malformed JSON', '{"event":"echo",', 'message is not valid JSON'],
      ['a JSON array', '["echo", 1]', 'message must be a JSON object'],
      ['a JSON string', '"echo"', 'message must be a JSON object'],
      ['an object without event', '{"data":1,"id":1}', 'message has no "event" string'],
      ['an empty event name', '{"event":"","data":1}', 'message has no "event" string'],
      ['a numeric event name', '{"event":7}', 'message has no "event" string'],
      ['an id that is an object', '{"event":"echo","id":{"n":1}}', '"id" must be a string or a number'],
    ])('answers %s with BAD_MESSAGE and keeps the connection open', async (_case, text, reason) => {
      await client.sendRaw(text);

      expect(await client.nextEnvelope()).toEqual({ event: 'error', data: { code: 'BAD_MESSAGE', message: badMessage(reason) } });
      await expectStillServing();
    });

    it('answers a binary message on a JSON gateway with BAD_MESSAGE', async () => {
      await client.sendRaw(Buffer.from('{"event":"echo","data":1}'));

      expect(await client.nextEnvelope()).toEqual({
        event: 'error',
        data: { code: 'BAD_MESSAGE', message: badMessage('expected a text message carrying JSON') },
      });
      await expectStillServing();
    });

    it('survives a burst of bad messages mixed with good ones, answering each in order', async () => {
      for (let i = 0; i < 10; i++) {
        await client.sendRaw('not json');
        await client.sendEvent('nope', undefined, `n${i}`);
        await client.sendEvent('echo', i, `e${i}`);
      }

      const envelopes = [];
      for (let i = 0; i < 30; i++) envelopes.push(await client.nextEnvelope());
      expect(envelopes.filter((e) => e.event === 'echo').map((e) => e.data)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(envelopes.filter((e) => (e.data as { code?: string }).code === 'BAD_MESSAGE')).toHaveLength(10);
      expect(envelopes.filter((e) => (e.data as { code?: string }).code === 'UNKNOWN_EVENT')).toHaveLength(10);
      expect(client.socket.readyState).toBe(client.socket.OPEN);
    });
  });
});
