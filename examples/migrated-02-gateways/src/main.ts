import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';

async function bootstrap() {
  const app = await NestFactory.create(AppModule);

  // To use Redis, pass WebSocketModule.forRoot() an adapter: new RedisAdapter({ url }) (app.module.ts).

  await app.listen(3000);
  console.log(`Application is running on: ${await app.getUrl()}`);
}
await bootstrap();
