import { INestApplication, Module } from '@nestjs/common';
import { Gateway, MessageBody, OnMessage, WebSocketModule } from '../../../lib';
import { startApp } from '../../fixtures/gateways/test-app';
import { DeflateClient, deflateMessage } from '../../helpers/deflate-client';
import { OP } from '../../helpers/raw-frames';

// Outside attack (s5-AD): data that is not DEFLATE after a good compressed message, inflated on the loop
// (small, no context takeover), on the thread pool (large) or on the connection's own context (takeover):
// the good one is answered, then 1007, and the server still serves the next connection.

@Gateway({ path: '/alone', perMessageDeflate: { thresholdBytes: 100_000 } })
class AloneGateway {
  @OnMessage('echo')
  echo(@MessageBody() body: unknown): unknown {
    return body;
  }
}

@Gateway({ path: '/takeover', perMessageDeflate: { serverNoContextTakeover: false, clientNoContextTakeover: false, thresholdBytes: 100_000 } })
class TakeoverGateway extends AloneGateway {}

@Module({ imports: [WebSocketModule.forRoot({})], providers: [AloneGateway, TakeoverGateway] })
class CorruptModule {}

jest.setTimeout(60_000);

const OFFER = 'permessage-deflate; client_max_window_bits';
/** Valid DEFLATE for its first half (a stored block header promising more than follows), then garbage. */
const corrupt = (size: number): Buffer => Buffer.concat([deflateMessage('x'.repeat(size)).subarray(0, 8), Buffer.alloc(size >> 4, 0xff)]);

describe('corrupt compressed data after a good message', () => {
  let app: INestApplication;
  let port: number;

  beforeAll(async () => {
    ({ app, port } = await startApp(CorruptModule));
  });

  afterAll(async () => {
    await app?.close();
  });

  it.each([
    ['/alone', 300],
    ['/alone', 40_000],
    ['/takeover', 300],
    ['/takeover', 40_000],
  ])('%s, %i B: the good message answered, then 1007; the next connection served', async (path, size) => {
    for (let round = 0; round < 2; round++) {
      const client = await DeflateClient.connect(port, { path, extensions: OFFER });
      try {
        const good = JSON.stringify({ event: 'echo', data: 'y'.repeat(size), id: round });
        await client.sendCompressed(OP.text, deflateMessage(good), size > 1000 ? 7 : 1); // a large one across frames
        if (round === 0) await client.sendCompressed(OP.text, corrupt(size), size > 1000 ? 5 : 1);
        expect((await client.nextMessage()).data.toString()).toBe(good);
        if (round === 0) await client.expectClose(1007);
      } finally {
        await client.destroy();
      }
    }
  });
});
