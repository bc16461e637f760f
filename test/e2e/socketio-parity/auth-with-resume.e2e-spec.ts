// Handshake auth and resumable sessions together: after a drop the client sends $auth first, then
// $resume; the session, its room and what was missed come back on the authenticated connection.
import { Injectable, Module, UnauthorizedException } from '@nestjs/common';
import { WebSocket } from 'undici';
import { ConnectedSocket, ConnectionRegistry, Gateway, HandshakeContext, HandshakeGuard, MessageBody, OnMessage, Rooms, UseHandshakeGuards, WebSocketModule, WsConnection } from '../../../lib';
import { ConnectionEvents, createClient, WsClient } from '../../../lib/client';
import { startApp, StartedApp } from '../../fixtures/gateways/test-app';
import { waitUntil } from '../../helpers/ws-test-client';

@Injectable()
class TokenGuard implements HandshakeGuard {
  canActivate({ handshake, data }: HandshakeContext): boolean {
    if (handshake.auth?.token !== 'tok-resume') throw new UnauthorizedException('a token is required');
    data.user = 'ada';
    return true;
  }
}

@Gateway({ path: '/chat', authMessage: true })
@UseHandshakeGuards(TokenGuard)
class ChatGateway {
  constructor(private readonly rooms: Rooms) {}

  @OnMessage('join')
  async join(@ConnectedSocket() client: WsConnection, @MessageBody() room: string): Promise<string> {
    await this.rooms.join(client, room);
    return room;
  }
}

@Module({ imports: [WebSocketModule.forRoot({ history: { rooms: ['h:*'] } })], providers: [ChatGateway, TokenGuard] })
class ChatModule {}

describe('handshake auth with resumable sessions', () => {
  let started: StartedApp;
  let client: WsClient | undefined;

  beforeAll(async () => {
    started = await startApp(ChatModule);
  });
  afterAll(async () => {
    await client?.close();
    await started.app.close();
  });

  it('authenticates every connection before resuming: the room and the missed messages come back', async () => {
    let tokensAsked = 0;
    const received: unknown[] = [];
    const resumed: ConnectionEvents['resumed'][] = [];
    client = createClient(started.wsUrl('/chat'), {
      WebSocket,
      auth: () => {
        tokensAsked += 1;
        return { token: 'tok-resume' };
      },
      reconnect: { initialDelayMs: 20, maxDelayMs: 20 },
    });
    client.on('said', (data) => received.push(data));
    client.onConnection('resumed', (event) => resumed.push(event));
    await client.connect();
    await client.request('join', 'h:lobby');
    const rooms = started.app.get(Rooms);
    await rooms.to('h:lobby').send('said', 1);
    await waitUntil(() => received.length === 1, () => 'the first message');

    for (const connection of started.app.get(ConnectionRegistry).all()) connection.terminate();
    await rooms.to('h:lobby').send('said', 2); // nobody is in the room now: only the history has it
    await waitUntil(() => resumed.length === 1, () => 'no resumed event');
    await rooms.to('h:lobby').send('said', 3);
    await waitUntil(() => received.length === 3, () => `received ${JSON.stringify(received)}`);

    expect(tokensAsked).toBe(2);
    expect(resumed[0]).toMatchObject({ restored: true, unrecovered: [] });
    expect(received).toEqual([1, 2, 3]);
  });
});
