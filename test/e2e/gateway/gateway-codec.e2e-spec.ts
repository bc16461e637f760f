import { INestApplication, LoggerService, Module } from '@nestjs/common';
import { Envelope, Gateway, JsonEventCodec, MessageBody, OnMessage, WebSocketModule, WsException } from '../../../lib';
import { ownCodecNotShared } from '../../../lib/gateway/messages';
import { startApp } from '../../fixtures/gateways/test-app';
import { WsTestClient } from '../../helpers/ws-test-client';

/** JSON behind a prefix: a client of its gateway can tell its messages from the module codec's. */
class TaggedCodec extends JsonEventCodec {
  override encode(envelope: Envelope): string {
    return `tagged:${super.encode(envelope)}`;
  }
}

const MODULE_CODEC = new JsonEventCodec();

@Gateway({ path: '/tagged', codec: new TaggedCodec() })
class TaggedGateway {
  @OnMessage('echo')
  echo(@MessageBody() body: unknown): unknown {
    return body;
  }

  @OnMessage('refuse')
  refuse(): never {
    throw new WsException('REFUSED', 'no');
  }
}

/** Given the module's own codec instance: nothing to say. */
@Gateway({ path: '/same', codec: MODULE_CODEC })
class SameCodecGateway {}

@Gateway({ path: '/plain' })
class PlainGateway {}

@Module({ imports: [WebSocketModule.forRoot({ codec: MODULE_CODEC })], providers: [TaggedGateway, SameCodecGateway, PlainGateway] })
class CodecsModule {}

/** The warnings the application logs. */
class WarningLogger implements LoggerService {
  readonly warnings: string[] = [];
  log(): void {}
  error(): void {}
  warn(message: unknown): void {
    this.warnings.push(String(message));
  }
}

// Each gateway's codec is resolved once, at bootstrap: its own, or the module's EventCodec itself.
describe("a gateway's own codec", () => {
  let app: INestApplication;
  let url: string;
  const logger = new WarningLogger();
  const clients: WsTestClient[] = [];

  beforeAll(async () => {
    const started = await startApp(CodecsModule, { logger });
    app = started.app;
    url = started.wsUrl('/tagged');
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
  });

  afterAll(async () => {
    await app?.close();
  });

  it('encodes the replies and error envelopes of its handlers', async () => {
    const client = await WsTestClient.connect(url);
    clients.push(client);

    await client.sendEvent('echo', 'hi', 1);
    const reply = String((await client.nextMessage()).data);
    await client.sendEvent('refuse', undefined, 2);
    const error = String((await client.nextMessage()).data);

    expect([reply, error]).toEqual(['tagged:{"event":"echo","data":"hi","id":1}', 'tagged:{"event":"error","data":{"event":"refuse","code":"REFUSED","message":"no"},"id":2}']);
  });

  it("says at startup, once, that what Rooms, the registry and history send its clients uses the module's codec", () => {
    expect(logger.warnings).toEqual([ownCodecNotShared('TaggedGateway', 'TaggedCodec', 'JsonEventCodec')]);
  });
});
