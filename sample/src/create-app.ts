import 'reflect-metadata';
import { INestApplication, LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { AppModule } from './app.module';
import { TlsCredentials } from './tls-credentials';

export interface CreateAppOptions {
  logger?: LoggerService | false;
  /**
   * HTTPS with HTTP/2 and RFC 8441 (and HTTP/1.1 through ALPN on the same port), on Fastify: Express
   * cannot answer HTTP/2 requests (docs/http2.md). Without it: Express over plain HTTP/1.1.
   */
  http2?: TlsCredentials;
}

/** The sample app as `npm start` and the test suites build it. */
export async function createApp(options: CreateAppOptions = {}): Promise<INestApplication> {
  const { logger, http2 } = options;
  const app = http2
    ? await NestFactory.create(AppModule, new FastifyAdapter({ http2: true, https: { allowHTTP1: true, ...http2 } }), { logger })
    : await NestFactory.create(AppModule, { logger });
  app.enableShutdownHooks();
  return app;
}
