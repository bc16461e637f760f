// The compat answers with permessage-deflate on (STYLE.md §10): messages of 1 KiB and more are compressed,
// so each case sends 2 KiB. A `ws` client negotiates the extension.
import { ArgumentsHost, Catch, Module, UseFilters } from '@nestjs/common';
import { BaseWsExceptionFilter as NestBaseWsExceptionFilter, WsException as NestWsException } from '@nestjs/websockets';
import { once } from 'node:events';
import { from, map, Observable } from 'rxjs';
import WebSocket from 'ws';
import { BaseWsExceptionFilter, ConnectedSocket, Gateway, MessageBody, OnMessage, WebSocketModule, WsConnection, WsResponse } from '../../../lib';
import { useCompatApp } from './compat-app';

const LARGE = 'x'.repeat(2048);

@Catch()
class DefaultAnswerFilter extends BaseWsExceptionFilter {
  override catch(exception: unknown, host: ArgumentsHost): void {
    super.catch(exception, host);
  }
}

class LargeAnswers {
  @OnMessage('stream')
  stream(): Observable<WsResponse<string>> {
    return from([1, 2]).pipe(map((n) => ({ event: 'events', data: `${n}${LARGE}` })));
  }

  @OnMessage('nest-exception')
  nestException(): never {
    throw new NestWsException(LARGE);
  }

  @OnMessage('ws-style')
  wsStyle(@ConnectedSocket() client: WsConnection): void {
    client.send(JSON.stringify({ event: 'pong', data: LARGE }));
  }

  @OnMessage('echo')
  echo(@MessageBody() body: string): string {
    return body;
  }
}

@Gateway({ path: '/nest-filter', perMessageDeflate: true })
@UseFilters(new NestBaseWsExceptionFilter())
class NestFilterGateway extends LargeAnswers {}

@Gateway({ path: '/our-filter', perMessageDeflate: true })
@UseFilters(DefaultAnswerFilter)
class OurFilterGateway extends LargeAnswers {}

@Module({ imports: [WebSocketModule.forRoot({})], providers: [NestFilterGateway, OurFilterGateway] })
class AppModule {}

describe('compat answers with permessage-deflate', () => {
  const app = useCompatApp(AppModule);
  const sockets: WebSocket[] = [];

  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.terminate();
  });

  /** A compressing client, and the texts it receives in order. */
  const open = async (path: string): Promise<{ socket: WebSocket; next(): Promise<string> }> => {
    const { port } = app().getHttpServer().address() as { port: number };
    const socket = new WebSocket(`ws://127.0.0.1:${port}${path}`, { perMessageDeflate: true });
    sockets.push(socket);
    const received: string[] = [];
    const waiting: ((text: string) => void)[] = [];
    socket.on('message', (data) => {
      const text = String(data);
      const waiter = waiting.shift();
      if (waiter) waiter(text);
      else received.push(text);
    });
    await once(socket, 'open');
    expect(socket.extensions).toContain('permessage-deflate');
    return { socket, next: () => (received.length > 0 ? Promise.resolve(received.shift() as string) : new Promise((resolve) => waiting.push(resolve))) };
  };

  it('sends each WsResponse emission as the plain form', async () => {
    const client = await open('/our-filter');
    client.socket.send('{"event":"stream","id":1}');
    expect(await client.next()).toBe(`{"event":"events","data":"1${LARGE}","id":1}`);
    expect(await client.next()).toBe(`{"event":"events","data":"2${LARGE}","id":1}`);
  });

  it("answers a Nest WsException through our filter's super.catch()", async () => {
    const client = await open('/our-filter');
    client.socket.send('{"event":"nest-exception","id":2}');
    expect(JSON.parse(await client.next())).toEqual({ event: 'error', data: { event: 'nest-exception', code: 'WS_EXCEPTION', message: LARGE }, id: 2 });
  });

  it("answers through Nest's own filter, and sends a ws-style envelope as it is", async () => {
    const client = await open('/nest-filter');
    client.socket.send(JSON.stringify({ event: 'nest-exception', data: LARGE }));
    expect(JSON.parse(await client.next())).toEqual({ event: 'exception', data: { status: 'error', message: LARGE, cause: { pattern: 'nest-exception', data: LARGE } } });
    client.socket.send('{"event":"ws-style"}');
    expect(await client.next()).toBe(`{"event":"pong","data":"${LARGE}"}`);
    client.socket.send(JSON.stringify({ event: 'echo', data: LARGE }));
    expect(await client.next()).toBe(JSON.stringify({ event: 'echo', data: LARGE }));
  });
});
