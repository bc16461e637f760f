// Peer: nest-rfc6455 with a gateway on a port of its own (`@Gateway({ port })`: own-port-server.ts, no
// node:http in the way of a handshake), inside the whole sample app (createApp()'s AppModule, the app's
// own server on an ephemeral port). /echo on PORT is the sample's raw echo gateway, same options.
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Gateway, MessageBody, OnMessage } from '../../lib';
import { AppModule } from '../../sample/src/app.module';
import { ECHO_GATEWAY_OPTIONS } from '../../sample/src/echo/echo.gateway';
import { exitWithParent, LOOPBACK, peerPort, READY_LINE } from './peer-env';

@Gateway({ ...ECHO_GATEWAY_OPTIONS, path: '/own', port: peerPort() })
class OwnPortEchoGateway {
  @OnMessage()
  echo(@MessageBody() message: string | Buffer): string | Buffer {
    return message;
  }
}

@Module({ imports: [AppModule], providers: [OwnPortEchoGateway] })
class OwnPortBenchModule {}

async function main(): Promise<void> {
  const app = await NestFactory.create(OwnPortBenchModule, { logger: false });
  await app.listen(0, LOOPBACK);
  console.log(READY_LINE);
}

exitWithParent();
void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
