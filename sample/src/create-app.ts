import 'reflect-metadata';
import { INestApplication, LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';

/** The sample app as `npm start` and the test suites build it. */
export async function createApp(options: { logger?: LoggerService | false } = {}): Promise<INestApplication> {
  const app = await NestFactory.create(AppModule, { logger: options.logger });
  app.enableShutdownHooks();
  return app;
}
