// WebSocket, and its HTTP fallback (GET /feed as text/event-stream): a Nest application on nest-rfc6455's public API. Clients connect to ws /feed and are
// put in the room; a timer pushes through the injected Rooms service, as an HTTP controller,
// cron job or queue consumer would (the sample's POST /rooms/:room/messages does the same).
import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AddressInfo } from 'node:net';
import { Gateway, OnGatewayConnection, Rooms, WebSocketModule, WsConnection } from '../../../lib';
import { exitWithParent, LOOPBACK, nowNs, publishIntervalMs, pushData, READY_PREFIX, ROOM } from '../wire';

@Gateway({ path: '/feed', fallback: { sse: true } })
class FeedGateway implements OnGatewayConnection {
  constructor(private readonly rooms: Rooms) {}

  async handleConnection(client: WsConnection): Promise<void> {
    await this.rooms.join(client, ROOM);
  }
}

/** GET /clock: this process's clock, so the driver can check it shares one with it. */
@Controller('clock')
class ClockController {
  @Get()
  clock(): string {
    return nowNs().toString();
  }
}

@Module({ imports: [WebSocketModule.forRoot({})], controllers: [ClockController], providers: [FeedGateway] })
class FeedModule {}

async function main(): Promise<void> {
  const app = await NestFactory.create(FeedModule, { logger: ['error', 'warn'] });
  await app.listen(0, LOOPBACK);
  const rooms = app.get(Rooms);
  let seq = 0;
  setInterval(() => void rooms.to(ROOM).send('said', pushData(++seq)), publishIntervalMs());
  const { port } = app.getHttpServer().address() as AddressInfo;
  console.log(`${READY_PREFIX}${port}`);
}

exitWithParent();
main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
