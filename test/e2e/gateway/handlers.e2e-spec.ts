import { EventsModule, StreamProbe } from '../../fixtures/gateways/events.gateway';
import { startApp, StartedApp } from '../../fixtures/gateways/test-app';
import { withTimeout, WsTestClient } from '../../helpers/ws-test-client';

describe('gateway handlers', () => {
  let started: StartedApp;
  let client: WsTestClient;

  beforeAll(async () => {
    started = await startApp(EventsModule);
  });

  afterAll(async () => {
    await started.app.close();
  });

  beforeEach(async () => {
    client = await WsTestClient.connect(started.wsUrl('/events'));
  });

  afterEach(async () => {
    await client.close();
  });

  describe('parameters', () => {
    it('passes the envelope data to @MessageBody()', async () => {
      const data = { room: 'lobby', tags: ['a', 'b'], nested: { n: 1 } };

      expect(await client.request('echo', data, 1)).toEqual({ event: 'echo', data, id: 1 });
    });

    it("passes one property of the data to @MessageBody('name')", async () => {
      expect(await client.request('pick-name', { name: 'ada', other: 'ignored' }, 2)).toEqual({
        event: 'pick-name',
        data: { name: 'ada' },
        id: 2,
      });
    });

    it("gives @MessageBody('name') nothing when the data is not an object, rather than the whole data", async () => {
      expect((await client.request('pick-name', 'ada', 1)).data).toEqual({});
      expect((await client.request('pick-name', true, 2)).data).toEqual({});
    });

    it('passes the open WsConnection to @ConnectedSocket(), whose send() pushes to that client', async () => {
      const reply = await client.request<Record<string, unknown>>('connection', undefined, 3);

      expect(reply.data).toEqual({
        isWsConnection: true,
        id: expect.stringMatching(/\S+/),
        data: { seen: true },
        remoteAddress: '127.0.0.1',
        protocol: undefined,
        readyState: 1,
      });
      expect(await client.nextEnvelope((e) => e.event === 'pushed')).toEqual({ event: 'pushed', data: { to: reply.data?.id } });
    });

    it('reports the negotiated subprotocol on the connection', async () => {
      const withProtocol = await WsTestClient.connect(started.wsUrl('/events'), { protocols: ['other', 'events.v1'] });
      try {
        expect(withProtocol.protocol).toBe('events.v1');
        const reply = await withProtocol.request<{ protocol: string }>('connection');
        expect(reply.data?.protocol).toBe('events.v1');
      } finally {
        await withProtocol.close();
      }
    });

    it('passes url, path, query, headers, remote address and protocol to @Handshake()', async () => {
      const other = await WsTestClient.connect(started.wsUrl('/events?room=lobby&tag=a&tag=b'), {
        headers: { 'x-test': 'hello' },
        protocols: 'events.v1',
      });
      try {
        expect((await other.request('handshake', undefined, 'h1')).data).toEqual({
          url: '/events?room=lobby&tag=a&tag=b',
          path: '/events',
          query: { room: 'lobby', tag: ['a', 'b'] },
          remoteAddress: '127.0.0.1',
          protocol: 'events.v1',
          testHeader: 'hello',
        });
      } finally {
        await other.close();
      }
    });

    it('passes the request id to @RequestId(), as a number or a string', async () => {
      expect((await client.request('request-id', undefined, 41)).data).toEqual({ id: 41 });
      expect((await client.request('request-id', undefined, 'abc')).data).toEqual({ id: 'abc' });
    });

    it('treats falsy ids (0 and the empty string) as ids', async () => {
      expect(await client.request('request-id', undefined, 0)).toEqual({ event: 'request-id', data: { id: 0 }, id: 0 });
      expect(await client.request('request-id', undefined, '')).toEqual({ event: 'request-id', data: { id: '' }, id: '' });
    });
  });

  describe('replies', () => {
    it('answers a returned value with {event, data, id}, echoing the id', async () => {
      await client.sendEvent('echo', 'hi', 'req-1');

      expect(await client.nextEnvelope()).toEqual({ event: 'echo', data: 'hi', id: 'req-1' });
    });

    it('answers a resolved Promise the same way', async () => {
      expect(await client.request('later', { n: 21 }, 5)).toEqual({ event: 'later', data: { doubled: 42 }, id: 5 });
    });

    it('answers each emission of an Observable with its own reply carrying the same id', async () => {
      await client.sendEvent('count', { to: 3 }, 9);

      const replies = [await client.nextEnvelope(), await client.nextEnvelope(), await client.nextEnvelope()];
      expect(replies).toEqual([
        { event: 'count', data: 1, id: 9 },
        { event: 'count', data: 2, id: 9 },
        { event: 'count', data: 3, id: 9 },
      ]);
    });

    it('stops an endless Observable reply when its connection closes', async () => {
      await client.sendEvent('ticks', undefined, 't');
      expect(await client.nextEnvelope()).toEqual({ event: 'ticks', data: 0, id: 't' });
      expect(await client.nextEnvelope()).toEqual({ event: 'ticks', data: 1, id: 't' });

      await client.close();

      await withTimeout(started.app.get(StreamProbe).stopped.promise, 3000, () => 'the Observable was not unsubscribed');
    });

    it('sends nothing for a handler that returns nothing', async () => {
      await client.sendEvent('ignore', { x: 1 }, 10);
      await client.sendEvent('echo', 'after', 11);

      // Handlers answer in order on one connection: the first reply is the later request's.
      expect(await client.nextEnvelope()).toEqual({ event: 'echo', data: 'after', id: 11 });
    });

    it('still replies to a message without id, without an id', async () => {
      await client.sendEvent('echo', { fire: 'and forget' });

      const reply = await client.nextEnvelope();
      expect(reply).toEqual({ event: 'echo', data: { fire: 'and forget' } });
      expect(reply).not.toHaveProperty('id');
    });

    it('keeps requests on one connection apart by id when many are in flight', async () => {
      const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => client.request('later', { n: i }, `r${i}`)));

      expect(replies.map((reply) => reply.data)).toEqual(Array.from({ length: 20 }, (_, i) => ({ doubled: i * 2 })));
    });
  });

  describe('raw handlers', () => {
    let raw: WsTestClient;

    beforeEach(async () => {
      raw = await WsTestClient.connect(started.wsUrl('/raw'));
    });

    afterEach(async () => {
      await raw.close();
    });

    it('gives a text message to @OnMessage() as a string, envelope-shaped or not', async () => {
      await raw.sendRaw('plain text');
      await raw.sendRaw('{"event":"echo","data":1}');

      expect(JSON.parse((await raw.nextMessage()).data as string)).toEqual({ kind: 'string', length: 10, text: 'plain text' });
      expect(JSON.parse((await raw.nextMessage()).data as string)).toEqual({
        kind: 'string',
        length: 25,
        text: '{"event":"echo","data":1}',
      });
    });

    it('gives a binary message to @OnMessage() as a Buffer', async () => {
      await raw.sendRaw(Buffer.from([0, 1, 2, 255]));

      const answer = await raw.nextMessage();
      expect(answer.isBinary).toBe(false); // an object answer is JSON text
      expect(JSON.parse(answer.data as string)).toEqual({ kind: 'buffer', length: 4 });
    });

    it('routes envelopes to named handlers and every other message to the raw handler of the same gateway', async () => {
      const mixed = await WsTestClient.connect(started.wsUrl('/mixed'));
      try {
        expect(await mixed.request('ping', undefined, 1)).toEqual({ event: 'ping', data: 'pong', id: 1 });
        await mixed.sendRaw('not json');
        expect((await mixed.nextMessage()).data).toBe('raw:not json');
        await mixed.sendEvent('nobody-handles-this', {});
        expect((await mixed.nextMessage()).data).toBe('raw:{"event":"nobody-handles-this","data":{}}');
        await mixed.sendRaw(Buffer.from('bytes'));
        expect((await mixed.nextMessage()).data).toBe('raw:buffer');
      } finally {
        await mixed.close();
      }
    });
  });
});
