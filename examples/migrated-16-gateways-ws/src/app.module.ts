import { Module } from '@nestjs/common';
import { WebSocketModule } from 'nest-rfc6455';
import { EventsModule } from './events/events.module.js';

@Module({
  imports: [WebSocketModule.forRoot({}), EventsModule],
})
export class AppModule {}
