import { Module } from '@nestjs/common';
import { WebSocketModule } from '../../lib';
import { BenchGateway } from './bench/bench.gateway';
import { ChatGateway } from './chat/chat.gateway';
import { TimingInterceptor } from './chat/timing.interceptor';
import { EchoGateway } from './echo/echo.gateway';
import { PageController } from './page/page.controller';
import { PrivateGateway } from './private/private.gateway';
import { TokenGuard } from './private/token.guard';
import { RoomsController } from './rooms/rooms.controller';
import { StatsController } from './stats/stats.controller';

@Module({
  imports: [WebSocketModule.forRoot({})],
  controllers: [PageController, RoomsController, StatsController],
  providers: [EchoGateway, ChatGateway, BenchGateway, PrivateGateway, TokenGuard, TimingInterceptor],
})
export class AppModule {}
