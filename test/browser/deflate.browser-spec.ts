// Chromium offers permessage-deflate on every WebSocket (RFC 7692): against the sample's /echo,
// the browser's own WebSocket must negotiate it, compress what it sends, inflate what it gets,
// and see every message back byte for byte. Debian's Chromium only; a missing one fails the suite.
import { IncomingMessage } from 'node:http';
import { Duplex } from 'node:stream';
import { BrowserContext } from 'playwright-core';
import { ChromiumSession, launchChromium } from '../helpers/chromium';
import { SampleApp, startSampleApp } from '../fixtures/sample-app';
import { chatText } from '../helpers/deflate-payloads';

const WAIT_MS = 5_000;
const MESSAGE_BYTES = 10 * 1024;

jest.setTimeout(60_000);

interface PageResult {
  extensions: string;
  protocol: string;
  text: { same: boolean; length: number };
  binary: { same: boolean; length: number };
}

describe('permessage-deflate in Chromium, with the browser’s own WebSocket on /echo', () => {
  let app: SampleApp | undefined;
  let context: BrowserContext | undefined;
  let browser: ChromiumSession | undefined;
  /** The server side of each /echo upgrade, to count the bytes that really crossed the wire. */
  const echoSockets: Duplex[] = [];
  /** The server's own emit, put back before the app closes. */
  let emit: SampleApp['server']['emit'] | undefined;

  beforeAll(async () => {
    app = await startSampleApp();
    // An upgrade on one of our paths reaches no other 'upgrade' listener (upgrade-claim.ts), so the
    // tap sees each upgrade as the server emits it, before the claim does.
    const server = app.server;
    const ownEmit = server.emit;
    emit = ownEmit;
    server.emit = function tapUpgrades(this: typeof server, event: string | symbol, ...args: unknown[]): boolean {
      if (event === 'upgrade' && (args[0] as IncomingMessage).url === '/echo') echoSockets.push(args[1] as Duplex);
      return Reflect.apply(ownEmit, this, [event, ...args]) as boolean;
    } as typeof ownEmit;
    browser = await launchChromium();
    context = browser.context;
    context.setDefaultTimeout(WAIT_MS);
  });

  afterAll(async () => {
    await browser?.close();
    if (app && emit) app.server.emit = emit;
    await app?.close();
  });

  it('negotiates permessage-deflate and echoes 10 KB of text and of binary byte for byte, both ways compressed', async () => {
    if (!context || !app) throw new Error('the browser or the app did not start');
    const page = await context.newPage();
    await page.goto(app.httpUrl); // GET /: the sample's page, so the socket is same-origin
    const text = chatText(MESSAGE_BYTES);
    // Compressible binary: a 256-byte ramp, repeated.
    const binary = Buffer.from(Array.from({ length: MESSAGE_BYTES }, (_, i) => i & 0xff));

    const result = await page.evaluate(
      async ({ url, text, binaryBase64 }): Promise<PageResult> => {
        const binary = Uint8Array.from(atob(binaryBase64), (c) => c.charCodeAt(0));
        const ws = new WebSocket(url);
        ws.binaryType = 'arraybuffer';
        await new Promise<void>((resolve, reject) => {
          ws.onopen = () => resolve();
          ws.onerror = () => reject(new Error('the WebSocket to /echo failed to open'));
        });
        const next = (): Promise<string | ArrayBuffer> =>
          new Promise((resolve, reject) => {
            ws.onmessage = (event) => resolve(event.data as string | ArrayBuffer);
            ws.onclose = (event) => reject(new Error(`closed with ${event.code} before the echo`));
          });
        const textReply = next();
        ws.send(text);
        const textBack = await textReply;
        const binaryReply = next();
        ws.send(binary);
        const binaryBack = await binaryReply;
        const binaryBytes = binaryBack instanceof ArrayBuffer ? new Uint8Array(binaryBack) : new Uint8Array(0);
        const closed = new Promise((resolve) => (ws.onclose = resolve));
        ws.close(1000);
        await closed;
        return {
          extensions: ws.extensions,
          protocol: ws.protocol,
          text: { same: textBack === text, length: typeof textBack === 'string' ? textBack.length : -1 },
          binary: { same: binaryBytes.length === binary.length && binaryBytes.every((byte, i) => byte === binary[i]), length: binaryBytes.length },
        };
      },
      { url: `${app.wsUrl}/echo`, text, binaryBase64: binary.toString('base64') },
    );

    expect(result.extensions).toContain('permessage-deflate');
    expect(result.text).toEqual({ same: true, length: text.length });
    expect(result.binary).toEqual({ same: true, length: MESSAGE_BYTES });
    // 20 KiB of payload each way; compressed, both directions (handshake included) stay far below it.
    expect(echoSockets).toHaveLength(1);
    const [socket] = echoSockets as (Duplex & { bytesRead: number; bytesWritten: number })[];
    console.log(
      `Chromium ↔ /echo, ${result.extensions}: ${2 * MESSAGE_BYTES} B of messages each way; ` +
        `${socket.bytesRead} B read by the server (handshake included), ${socket.bytesWritten} B written (101 included)`,
    );
    expect(socket.bytesRead).toBeLessThan(MESSAGE_BYTES);
    expect(socket.bytesWritten).toBeLessThan(MESSAGE_BYTES);
  });
});
