// The chat page (GET /) in Debian's Chromium with `window.WebSocket` deleted by a script that runs
// before the page's own: the page falls back to server-sent events + POST and the chat still works,
// with a page that has its WebSocket in the same room.
import { BrowserContext, Page } from 'playwright-core';
import { ConnectionRegistry } from '../../lib';
import { ChromiumSession, launchChromium } from '../helpers/chromium';
import { SampleApp, startSampleApp } from '../fixtures/sample-app';

const WAIT_MS = 5_000;

jest.setTimeout(60_000);

describe('the chat page in Chromium without WebSocket', () => {
  let app: SampleApp | undefined;
  let context: BrowserContext | undefined;
  let browser: ChromiumSession | undefined;

  beforeAll(async () => {
    app = await startSampleApp();
    browser = await launchChromium();
    context = browser.context;
    context.setDefaultTimeout(WAIT_MS);
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  const openChat = async (withoutWebSocket: boolean, status: RegExp): Promise<Page> => {
    if (!context || !app) throw new Error('the browser or the app did not start');
    const page = await context.newPage();
    if (withoutWebSocket) await page.addInitScript(() => delete (globalThis as { WebSocket?: unknown }).WebSocket);
    await page.goto(app.httpUrl);
    await page.locator('#status', { hasText: status }).waitFor();
    return page;
  };

  const joinRoom = async (page: Page, name: string, room: string): Promise<void> => {
    await page.fill('#name', name);
    await page.fill('#room', room);
    await page.click('#join');
    await page.locator('#status', { hasText: `joined ${room}` }).waitFor();
  };

  it('joins, says and receives over the HTTP fallback, with a WebSocket page in the room', async () => {
    const fallback = await openChat(true, /^connected \(HTTP fallback\)$/);
    const websocket = await openChat(false, /^connected$/);
    await joinRoom(fallback, 'sse', 'fb-browser');
    await joinRoom(websocket, 'ws', 'fb-browser');

    await fallback.fill('#text', 'hello without WebSocket');
    await fallback.click('#send');
    await websocket.fill('#text', 'hello with WebSocket');
    await websocket.click('#send');

    await websocket.locator('#messages li', { hasText: 'sse: hello without WebSocket' }).waitFor();
    await fallback.locator('#messages li', { hasText: 'ws: hello with WebSocket' }).waitFor();
    await fallback.locator('#messages li', { hasText: 'sse: hello without WebSocket' }).waitFor();
    expect(await fallback.evaluate(() => typeof (globalThis as { WebSocket?: unknown }).WebSocket)).toBe('undefined');
    const transports = [...(app?.app.get(ConnectionRegistry).all() ?? [])].map((client) => client.transport).sort();
    expect(transports).toEqual(['sse', 'websocket']);
  });
});
