// RFC 8441 in Chromium: the sample as HTTP2=1 runs it (HTTPS, HTTP/2, a self-signed certificate the
// context is told to accept); the page's own WebSocket must arrive as an extended CONNECT on the very
// HTTP/2 session that served the page. Debian's Chromium only; no switch is needed (it is on by default).
import { AddressInfo } from 'node:net';
import { IncomingHttpHeaders, ServerHttp2Session, ServerHttp2Stream } from 'node:http2';
import { INestApplication } from '@nestjs/common';
import { createApp } from '../../sample/src/create-app';
import { tlsCredentials } from '../../sample/src/tls-credentials';
import { ChromiumSession, launchChromium } from '../helpers/chromium';

jest.setTimeout(60_000);

interface SeenStream {
  session: ServerHttp2Session;
  method: string | undefined;
  protocol: string | undefined;
  path: string | undefined;
}

describe('Chromium opens the page\'s WebSocket over the page\'s own HTTP/2 connection (RFC 8441)', () => {
  let app: INestApplication | undefined;
  let browser: ChromiumSession | undefined;
  const seen: SeenStream[] = [];

  beforeAll(async () => {
    app = await createApp({ logger: false, http2: await tlsCredentials({}) });
    await app.listen(0, '127.0.0.1');
    const server = app.getHttpServer() as import('node:http2').Http2SecureServer;
    // Outside the module's claim (added at bootstrap): every stream, ours or not, with its session.
    const ownEmit = server.emit;
    server.emit = function tapStreams(this: typeof server, event: string | symbol, ...args: unknown[]): boolean {
      if (event === 'stream') {
        const [stream, headers] = args as [ServerHttp2Stream, IncomingHttpHeaders];
        seen.push({ session: stream.session as ServerHttp2Session, method: headers[':method'], protocol: headers[':protocol'] as string | undefined, path: headers[':path'] });
      }
      return Reflect.apply(ownEmit, this, [event, ...args]) as boolean;
    } as typeof ownEmit;
    browser = await launchChromium({ ignoreHTTPSErrors: true });
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('loads the page over HTTP/2, and its WebSocket to /echo is a CONNECT with :protocol websocket on that session', async () => {
    if (!app || !browser) throw new Error('the browser or the app did not start');
    const { port } = app.getHttpServer().address() as AddressInfo;
    const page = await browser.context.newPage();
    await page.goto(`https://127.0.0.1:${port}/`);

    const echoed = await page.evaluate(async (url) => {
      const ws = new WebSocket(url);
      await new Promise<void>((resolve, reject) => {
        ws.onopen = () => resolve();
        ws.onerror = () => reject(new Error('the WebSocket to /echo failed to open'));
      });
      const reply = new Promise<string>((resolve) => (ws.onmessage = (event) => resolve(String(event.data))));
      ws.send('over the page\'s connection');
      const text = await reply;
      ws.close(1000);
      return text;
    }, `wss://127.0.0.1:${port}/echo`);

    const pageStream = seen.find((stream) => stream.method === 'GET' && stream.path === '/');
    const webSocketStream = seen.find((stream) => stream.method === 'CONNECT' && stream.path === '/echo');
    expect(echoed).toBe('over the page\'s connection');
    expect(pageStream).toBeDefined();
    expect(webSocketStream?.protocol).toBe('websocket');
    expect(webSocketStream?.session).toBe(pageStream?.session);
  });
});
