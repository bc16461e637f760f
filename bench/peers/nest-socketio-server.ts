// Peer: a Nest app with @nestjs/platform-socket.io, websocket transport only, socket.io rooms.
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { ConnectedSocket, MessageBody, SubscribeMessage, WebSocketGateway, WebSocketServer, WsResponse } from '@nestjs/websockets';
import { Server, Socket } from 'socket.io';
import { exitWithParent, LOOPBACK, peerPort, READY_LINE } from './peer-env';

@WebSocketGateway({ transports: ['websocket'], serveClient: false, perMessageDeflate: false, maxHttpBufferSize: 1 << 20 })
class BenchGateway {
  @WebSocketServer() server!: Server;

  @SubscribeMessage('echo')
  echo(@MessageBody() data: unknown): WsResponse<unknown> {
    return { event: 'echo', data };
  }

  @SubscribeMessage('join')
  async join(@MessageBody() room: unknown, @ConnectedSocket() client: Socket): Promise<WsResponse<string>> {
    const name = String(room);
    await client.join(name);
    return { event: 'join', data: name };
  }

  @SubscribeMessage('broadcast')
  broadcast(@MessageBody() body: { room?: unknown; payload?: unknown }): void {
    this.server.to(String(body?.room)).emit('msg', body?.payload);
  }
}

@Module({ providers: [BenchGateway] })
class NestSocketIoBenchModule {}

async function main(): Promise<void> {
  const app = await NestFactory.create(NestSocketIoBenchModule, { logger: ['error', 'warn'] });
  app.useWebSocketAdapter(new IoAdapter(app));
  await app.listen(peerPort(), LOOPBACK);
  console.log(READY_LINE);
}

exitWithParent();
void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
