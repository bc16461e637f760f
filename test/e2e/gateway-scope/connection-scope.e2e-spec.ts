import { INestApplication, Inject, Injectable, Scope } from '@nestjs/common';
import { REQUEST } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { once } from 'node:events';
import { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { ConnectedSocket, Gateway, OnGatewayDisconnect, OnMessage, WebSocketModule, WsConnection } from '../../../lib';

@Injectable({ scope: Scope.REQUEST })
class PerConnectionCounter {
  count = 0;
  constructor(@Inject(REQUEST) readonly connection: WsConnection) {}
}

const disconnectedCounts: number[] = [];

@Gateway({ path: '/scoped' })
class ScopedGateway implements OnGatewayDisconnect {
  constructor(private readonly counter: PerConnectionCounter) {}

  @OnMessage('tick')
  tick(@ConnectedSocket() client: WsConnection) {
    this.counter.count++;
    return { count: this.counter.count, isOwnConnection: this.counter.connection === client };
  }

  handleDisconnect(): void {
    disconnectedCounts.push(this.counter.count);
  }
}

describe('a gateway that injects a Scope.REQUEST provider', () => {
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [WebSocketModule.forRoot({})],
      providers: [ScopedGateway, PerConnectionCounter],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
    url = `ws://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}/scoped`;
  });
  afterAll(() => app.close());

  const open = async (): Promise<{ client: WebSocket; tick: () => Promise<{ count: number; isOwnConnection: boolean }> }> => {
    const client = new WebSocket(url);
    await once(client, 'open');
    let nextId = 1;
    const tick = async () => {
      const id = nextId++;
      const reply = new Promise<{ count: number; isOwnConnection: boolean }>((resolve) => {
        const onMessage = (data: WebSocket.RawData) => {
          const envelope = JSON.parse(data.toString());
          if (envelope.id !== id) return;
          client.off('message', onMessage);
          resolve(envelope.data);
        };
        client.on('message', onMessage);
      });
      client.send(JSON.stringify({ event: 'tick', id }));
      return reply;
    };
    return { client, tick };
  };

  it('resolves the provider once per connection, with the connection as its request', async () => {
    const first = await open();
    const second = await open();
    expect(await first.tick()).toEqual({ count: 1, isOwnConnection: true });
    expect(await first.tick()).toEqual({ count: 2, isOwnConnection: true });
    expect(await second.tick()).toEqual({ count: 1, isOwnConnection: true });
    const closed = [once(first.client, 'close'), once(second.client, 'close')];
    first.client.close();
    second.client.close();
    await Promise.all(closed);
    await app.close();
    expect(disconnectedCounts.sort()).toEqual([1, 2]);
  });
});
