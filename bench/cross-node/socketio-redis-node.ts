// The socket.io side of the cross-node bench: a Nest app with @nestjs/platform-socket.io whose
// server uses @socket.io/redis-adapter, serving the /bench contract (join, broadcast → msg).
import 'reflect-metadata';
import { INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { ConnectedSocket, MessageBody, SubscribeMessage, WebSocketGateway, WebSocketServer, WsResponse } from '@nestjs/websockets';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { Server, Socket } from 'socket.io';

@WebSocketGateway({ transports: ['websocket'], serveClient: false, perMessageDeflate: false })
class BenchGateway {
  @WebSocketServer() server!: Server;

  @SubscribeMessage('join')
  async join(@MessageBody() room: unknown, @ConnectedSocket() client: Socket): Promise<WsResponse<string>> {
    await client.join(String(room));
    return { event: 'join', data: String(room) };
  }

  @SubscribeMessage('broadcast')
  broadcast(@MessageBody() body: { room?: unknown; payload?: unknown }): void {
    this.server.to(String(body?.room)).emit('msg', body?.payload);
  }
}

@Module({ providers: [BenchGateway] })
class CrossNodeSocketIoModule {}

/** IoAdapter whose servers share rooms through Redis, as socket.io's documentation sets it up. */
class RedisIoAdapter extends IoAdapter {
  readonly clients: Redis[] = [];

  constructor(
    app: INestApplicationContext,
    private readonly url: string,
  ) {
    super(app);
  }

  // Nest's socket.io copy may differ from the root one: the types follow the base class.
  override createIOServer(port: number, options?: Parameters<IoAdapter['createIOServer']>[1]): ReturnType<IoAdapter['createIOServer']> {
    const server = super.createIOServer(port, options);
    const publisher = new Redis(this.url);
    const subscriber = publisher.duplicate();
    this.clients.push(publisher, subscriber);
    server.adapter(createAdapter(publisher, subscriber) as unknown as Parameters<typeof server.adapter>[0]);
    return server;
  }
}

async function main(): Promise<void> {
  const { PORT, REDIS_URL } = process.env;
  const app = await NestFactory.create(CrossNodeSocketIoModule, { logger: ['error', 'warn'] });
  app.useWebSocketAdapter(new RedisIoAdapter(app, REDIS_URL ?? 'redis://127.0.0.1:6379'));
  await app.listen(Number(PORT), '127.0.0.1');
}

// The driver kills nodes by PID; a node also leaves when the driver's pipe closes.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
