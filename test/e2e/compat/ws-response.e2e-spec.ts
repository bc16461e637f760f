// Problem 3 of issue 16: both official Nest samples answer with `{ event, data }` (WsResponse), from
// an Observable or a Promise. Written as a user moving from @nestjs/websockets would write it.
import { Module, UseInterceptors } from '@nestjs/common';
import { from, Observable } from 'rxjs';
import { map } from 'rxjs/operators';
import { Gateway, MessageBody, OnMessage, WebSocketModule, WsResponse } from '../../../lib';
import { isWsResponse } from '../../../lib/gateway/compat/ws-response';
import { connectToGateway, GatewayTestClient } from '../../../lib/testing';
import { PassThroughInterceptor, useCompatApp } from './compat-app';

/** The handlers of Nest's sample/16-gateways-ws, with our decorators. */
class SampleHandlers {
  @OnMessage('events')
  onEvent(): Observable<WsResponse<number>> {
    return from([1, 2, 3]).pipe(map((item) => ({ event: 'events', data: item })));
  }

  @OnMessage('identity')
  async identity(@MessageBody() data: number): Promise<WsResponse<number>> {
    return { event: 'identity', data };
  }

  @OnMessage('renamed')
  renamed(@MessageBody() data: string): WsResponse<string> {
    return { event: 'done', data };
  }

  /** A domain object that has an `event` field is a plain reply, never taken for a WsResponse. */
  @OnMessage('concert')
  concert(): { event: string; venue: string } {
    return { event: 'Jazz night', venue: 'Blue Note' };
  }

  @OnMessage('announcement')
  announcement(): { event: string; data: string; at: number } {
    return { event: 'release', data: 'v2', at: 1 };
  }
}

/** No enhancer anywhere: the fast path (direct-call.ts). */
@Gateway({ path: '/direct' })
class DirectGateway extends SampleHandlers {}

/** An interceptor on the class: Nest's pipeline. */
@Gateway({ path: '/pipeline' })
@UseInterceptors(PassThroughInterceptor)
class PipelineGateway extends SampleHandlers {}

@Module({ imports: [WebSocketModule.forRoot({})], providers: [DirectGateway, PipelineGateway] })
class AppModule {}

describe('WsResponse replies ({ event, data }, as Nest gateways return them)', () => {
  const app = useCompatApp(AppModule);


  const texts = async (ws: GatewayTestClient, count: number): Promise<(string | Buffer)[]> => {
    const received: (string | Buffer)[] = [];
    for (let i = 0; i < count; i++) received.push(await ws.expectMessage());
    return received;
  };

  describe.each(['/direct', '/pipeline'])('on %s', (path) => {
    it('answers each emission of an Observable<WsResponse> as the plain form, not wrapped again', async () => {
      const ws = await connectToGateway(app(), path);
      ws.send('events');
      expect(await texts(ws, 3)).toEqual(['{"event":"events","data":1}', '{"event":"events","data":2}', '{"event":"events","data":3}']);
    });

    it("keeps the request's id on each WsResponse emission", async () => {
      const ws = await connectToGateway(app(), path);
      ws.sendRaw('{"event":"events","id":7}');
      expect(await texts(ws, 3)).toEqual(['{"event":"events","data":1,"id":7}', '{"event":"events","data":2,"id":7}', '{"event":"events","data":3,"id":7}']);
    });

    it('answers a Promise<WsResponse> as the plain form, and request() resolves with its data', async () => {
      const ws = await connectToGateway(app(), path);
      ws.send('identity', 42);
      expect(await ws.expectMessage()).toBe('{"event":"identity","data":42}');
      await expect(ws.request('identity', 43)).resolves.toBe(43);
    });

    it("sends a WsResponse under its own event, with the request's id", async () => {
      const ws = await connectToGateway(app(), path);
      ws.sendRaw('{"event":"renamed","data":"x","id":"r1"}');
      expect(await ws.expectMessage()).toBe('{"event":"done","data":"x","id":"r1"}');
    });

    it('sends an object that has an event field but is not exactly { event, data } whole, under the request event', async () => {
      const ws = await connectToGateway(app(), path);
      ws.send('concert');
      expect(await ws.expectMessage()).toBe('{"event":"concert","data":{"event":"Jazz night","venue":"Blue Note"}}');
      ws.send('announcement');
      expect(await ws.expectMessage()).toBe('{"event":"announcement","data":{"event":"release","data":"v2","at":1}}');
    });
  });
});

describe('isWsResponse', () => {
  class Reply {
    constructor(
      readonly event: string,
      readonly data: unknown,
    ) {}
  }

  it.each([
    ['a plain { event, data }', { event: 'e', data: 1 }],
    ['one whose data is undefined', { event: 'e', data: undefined }],
    ['one without a prototype', Object.assign(Object.create(null) as object, { event: 'e', data: null })],
  ])('takes %s', (_name, value) => {
    expect(isWsResponse(value)).toBe(true);
  });

  it.each([
    ['an object with a third field', { event: 'e', data: 1, at: 2 }],
    ['an object without data', { event: 'e' }],
    ['an empty event name', { event: '', data: 1 }],
    ['an event that is not a string', { event: 1, data: 1 }],
    ['a class instance', new Reply('e', 1)],
    ['an inherited event', Object.assign(Object.create({ event: 'e' }) as object, { data: 1 })],
    ['an array', ['event', 'data']],
    ['null', null],
    ['a string', 'event'],
  ])('refuses %s', (_name, value) => {
    expect(isWsResponse(value)).toBe(false);
  });
});
