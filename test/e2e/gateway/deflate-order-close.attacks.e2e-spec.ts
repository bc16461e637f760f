import { INestApplication, Module } from '@nestjs/common';
import WebSocket from 'ws';
import { Gateway, MessageBody, OnMessage, WebSocketModule } from '../../../lib';
import { startApp } from '../../fixtures/gateways/test-app';

// Outside attack (s5-AD): compressed messages inflated on the loop (≤ 16 KiB) and on the thread pool
// (larger) interleaved on one connection, the client closing right after the last: every message is
// answered, in the order sent, before the close completes; context takeover on and off, both ways.

@Gateway({ path: '/alone', perMessageDeflate: { thresholdBytes: 0 } })
class AloneGateway {
  @OnMessage('echo')
  echo(@MessageBody() body: unknown): unknown {
    return body;
  }
}

@Gateway({ path: '/takeover', perMessageDeflate: { serverNoContextTakeover: false, clientNoContextTakeover: false, thresholdBytes: 0 } })
class TakeoverGateway extends AloneGateway {}

@Module({ imports: [WebSocketModule.forRoot({})], providers: [AloneGateway, TakeoverGateway] })
class OrderModule {}

jest.setTimeout(60_000);

/** Message i: 20,000 chars (pool) every third, else 300 (loop), each told apart by its index. */
const dataOf = (i: number): string => `${i}|`.padEnd(i % 3 === 0 ? 20_000 : 300, String.fromCharCode(97 + (i % 26)));

describe('compressed messages on the loop and the pool, interleaved, then a close', () => {
  let app: INestApplication;
  let wsUrl: (path: string) => string;

  beforeAll(async () => {
    ({ app, wsUrl } = await startApp(OrderModule));
  });

  afterAll(async () => {
    await app?.close();
  });

  it.each([
    ['/alone', {}],
    ['/takeover', {}],
    // §7.1.2: a client asking for the smallest windows zlib can make (8 stands for 9 on its side).
    ['/alone', { serverMaxWindowBits: 9, clientMaxWindowBits: 8 }],
    ['/takeover', { serverMaxWindowBits: 9, clientMaxWindowBits: 8 }],
  ])('%s, client offer %j: 90 messages answered in order, none lost to the close the client sent after them', async (path, windows) => {
    const socket = new WebSocket(wsUrl(path), { perMessageDeflate: { threshold: 0, ...windows } });
    const replies: string[] = [];
    socket.on('message', (data) => replies.push(String(data)));
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    expect(socket.extensions).toContain('permessage-deflate');
    const count = 90;
    for (let i = 0; i < count; i++) socket.send(JSON.stringify({ event: 'echo', data: dataOf(i), id: i }));
    // Closed once every message has left the client: the server reads the close frame behind them.
    socket.close(1000);
    const code = await new Promise<number>((resolve) => socket.once('close', (closeCode: number) => resolve(closeCode)));
    expect(code).toBe(1000);
    expect(replies.map((reply) => (JSON.parse(reply) as { id: number }).id)).toEqual(Array.from({ length: count }, (_, i) => i));
    expect(replies).toEqual(Array.from({ length: count }, (_, i) => JSON.stringify({ event: 'echo', data: dataOf(i), id: i })));
  });
});
