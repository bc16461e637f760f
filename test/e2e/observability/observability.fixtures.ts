// Gateways and a module for the observability suites: each gateway drives one kind of figure
// (errors, closes, drops, refusals, latency), and Disconnects lets a test wait for the server to
// have seen a close, which WebSocketStats counts before the disconnect hook runs.
import { Body, Controller, DynamicModule, HttpCode, Injectable, Module, Param, Post, ValidationPipe } from '@nestjs/common';
import { IsString, Length } from 'class-validator';
import { setImmediate as nextTurn } from 'node:timers/promises';
import {
  ConnectedSocket,
  Gateway,
  MessageBody,
  OnGatewayDisconnect,
  OnMessage,
  Rooms,
  WebSocketMetricsModule,
  WebSocketMetricsOptions,
  WebSocketModule,
  WebSocketModuleOptions,
  WsConnection,
  WsException,
} from '../../../lib';

const KIB = 1024;
/** Outbound limit of the flooding gateways: two flood messages do not fit in one tick. */
export const FLOOD_LIMIT_BYTES = 96 * KIB;
export const FLOOD_MESSAGE_BYTES = 64 * KIB;

/** Resolves a waiter per server-side close, in order. */
@Injectable()
export class Disconnects {
  private seen = 0;
  private readonly waiters: { count: number; resolve: () => void }[] = [];

  /** Resolves once the server has run `count` disconnect hooks in all, since the app started. */
  untilCount(count: number): Promise<void> {
    if (this.seen >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  get count(): number {
    return this.seen;
  }

  record(): void {
    this.seen++;
    for (const waiter of [...this.waiters]) {
      if (this.seen >= waiter.count) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  }
}

export class NameDto {
  @IsString() @Length(1, 8)
  name!: string;
}

/** Sends `count` binary messages in one tick: past FLOOD_LIMIT_BYTES the overflow policy applies. */
const flood = (client: WsConnection, count: number): void => {
  for (let i = 0; i < count; i++) client.sendRaw(Buffer.alloc(FLOOD_MESSAGE_BYTES, i));
};

@Gateway({ path: '/metered' })
export class MeteredGateway implements OnGatewayDisconnect {
  constructor(
    private readonly rooms: Rooms,
    private readonly disconnects: Disconnects,
  ) {}

  @OnMessage('echo')
  echo(@MessageBody() data: unknown): unknown {
    return data;
  }

  @OnMessage('refuse')
  refuse(): never {
    throw new WsException('ROOM_FULL', 'the room is full');
  }

  @OnMessage('crash')
  crash(): never {
    throw new Error('a bug');
  }

  @OnMessage('validate')
  validate(@MessageBody(new ValidationPipe()) body: NameDto): string {
    return body.name;
  }

  @OnMessage('join')
  async join(@MessageBody('room') room: string, @ConnectedSocket() client: WsConnection): Promise<string> {
    await this.rooms.join(client, room);
    return room;
  }

  @OnMessage('shout')
  async shout(@MessageBody() { room, text }: { room: string; text: string }): Promise<void> {
    await this.rooms.to(room).send('shouted', text);
  }

  handleDisconnect(): void {
    this.disconnects.record();
  }
}

@Gateway({ path: '/limited', rateLimit: { messagesPerSecond: 1, burstSeconds: 1 } })
export class LimitedGateway implements OnGatewayDisconnect {
  constructor(private readonly disconnects: Disconnects) {}

  @OnMessage('echo')
  echo(@MessageBody() data: unknown): unknown {
    return data;
  }

  handleDisconnect(): void {
    this.disconnects.record();
  }
}

@Gateway({ path: '/dropping', maxBufferedBytes: FLOOD_LIMIT_BYTES, onBufferOverflow: 'drop' })
export class DroppingGateway implements OnGatewayDisconnect {
  constructor(private readonly disconnects: Disconnects) {}

  /** Answers 'flooded' one I/O turn later, when the queue has gone to the kernel and the answer fits. */
  @OnMessage('flood')
  async flood(@MessageBody() count: number, @ConnectedSocket() client: WsConnection): Promise<string> {
    flood(client, count);
    await nextTurn();
    return 'flooded';
  }

  handleDisconnect(): void {
    this.disconnects.record();
  }
}

@Gateway({ path: '/slow', maxBufferedBytes: FLOOD_LIMIT_BYTES, onBufferOverflow: 'close' })
export class SlowGateway implements OnGatewayDisconnect {
  constructor(private readonly disconnects: Disconnects) {}

  @OnMessage('flood')
  flood(@MessageBody() count: number, @ConnectedSocket() client: WsConnection): void {
    flood(client, count);
  }

  handleDisconnect(): void {
    this.disconnects.record();
  }
}

@Gateway({ path: '/guarded', allowedOrigins: ['https://ok.example'] })
export class GuardedGateway {
  @OnMessage('echo')
  echo(@MessageBody() data: unknown): unknown {
    return data;
  }
}

/** `POST /notify/:room`: an HTTP request pushing to a room, as an application's controller would. */
@Controller('notify')
export class NotifyController {
  constructor(private readonly rooms: Rooms) {}

  @Post(':room')
  @HttpCode(202)
  async notify(@Param('room') room: string, @Body() body: { text: string }): Promise<void> {
    await this.rooms.to(room).send('note', body.text);
  }
}

export interface ObservabilityAppOptions {
  websocket?: WebSocketModuleOptions;
  /** Imports WebSocketMetricsModule with these options. */
  metrics?: WebSocketMetricsOptions;
}

@Module({})
export class ObservabilityAppModule {
  static with({ websocket = {}, metrics }: ObservabilityAppOptions = {}): DynamicModule {
    return {
      module: ObservabilityAppModule,
      imports: [WebSocketModule.forRoot(websocket), ...(metrics ? [WebSocketMetricsModule.forRoot(metrics)] : [])],
      controllers: [NotifyController],
      providers: [Disconnects, MeteredGateway, LimitedGateway, DroppingGateway, SlowGateway, GuardedGateway],
    };
  }
}
