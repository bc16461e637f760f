import { Module } from '@nestjs/common';
import { WebSocketModule } from '../../lib';
import { EchoGateway } from './echo/echo.gateway';

@Module({
  imports: [WebSocketModule.forRoot({})],
  providers: [EchoGateway],
})
export class AppModule {}
