// Peer: a Nest app with @nestjs/platform-ws (WsAdapter) doing the /bench contract. WsAdapter has
// no rooms, so they are kept by hand, as its users must.
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { WsAdapter } from '@nestjs/platform-ws';
import { ConnectedSocket, MessageBody, OnGatewayDisconnect, SubscribeMessage, WebSocketGateway, WsResponse } from '@nestjs/websockets';
import { WebSocket } from 'ws';
import { exitWithParent, LOOPBACK, peerPort, READY_LINE } from './peer-env';

@WebSocketGateway({ path: '/bench', perMessageDeflate: false })
class BenchGateway implements OnGatewayDisconnect<WebSocket> {
  private readonly rooms = new Map<string, Set<WebSocket>>();
  private readonly roomsOf = new Map<WebSocket, Set<string>>();

  @SubscribeMessage('echo')
  echo(@MessageBody() data: unknown): WsResponse<unknown> {
    return { event: 'echo', data };
  }

  @SubscribeMessage('join')
  join(@MessageBody() room: unknown, @ConnectedSocket() client: WebSocket): WsResponse<string> {
    const name = String(room);
    let members = this.rooms.get(name);
    if (!members) this.rooms.set(name, (members = new Set()));
    members.add(client);
    let joined = this.roomsOf.get(client);
    if (!joined) this.roomsOf.set(client, (joined = new Set()));
    joined.add(name);
    return { event: 'join', data: name };
  }

  @SubscribeMessage('broadcast')
  broadcast(@MessageBody() body: { room?: unknown; payload?: unknown }): void {
    const text = JSON.stringify({ event: 'msg', data: body?.payload });
    for (const member of this.rooms.get(String(body?.room)) ?? []) member.send(text);
  }

  handleDisconnect(client: WebSocket): void {
    for (const room of this.roomsOf.get(client) ?? []) this.rooms.get(room)?.delete(client);
    this.roomsOf.delete(client);
  }
}

@Module({ providers: [BenchGateway] })
class NestWsBenchModule {}

async function main(): Promise<void> {
  const app = await NestFactory.create(NestWsBenchModule, { logger: ['error', 'warn'] });
  app.useWebSocketAdapter(new WsAdapter(app));
  await app.listen(peerPort(), LOOPBACK);
  console.log(READY_LINE);
}

exitWithParent();
void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
