// The chat page (GET /) uses nest-rfc6455/client, served as ES modules by the sample. Here the
// server restarts on the same port under two Chromium pages: they show that they reconnected,
// rejoin their room, send what was said while offline, and chat again. Debian's Chromium only.
import { INestApplication } from '@nestjs/common';
import { Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { BrowserContext, Page } from 'playwright-core';
import { ChromiumSession, launchChromium } from '../helpers/chromium';
import { createApp } from '../../sample/src/create-app';

/** Every Playwright wait: a reconnection takes at most the page's 2 s backoff cap after the restart. */
const WAIT_MS = 10_000;

jest.setTimeout(60_000);

async function startSample(port = 0): Promise<{ app: INestApplication; port: number }> {
  const app = await createApp({ logger: false });
  await app.listen(port, '127.0.0.1');
  return { app, port: ((app.getHttpServer() as Server).address() as AddressInfo).port };
}

describe('the chat page in Chromium across a server restart', () => {
  let app: INestApplication | undefined;
  let port = 0;
  let context: BrowserContext | undefined;
  let browser: ChromiumSession | undefined;

  beforeAll(async () => {
    ({ app, port } = await startSample());
    browser = await launchChromium();
    context = browser.context;
    context.setDefaultTimeout(WAIT_MS);
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  const openChat = async (name: string, room: string): Promise<Page> => {
    if (!context) throw new Error('the browser did not start');
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.locator('#status', { hasText: /^connected$/ }).waitFor();
    await page.fill('#name', name);
    await page.fill('#room', room);
    await page.click('#join');
    await page.locator('#status', { hasText: `joined ${room}` }).waitFor();
    return page;
  };

  const say = async (page: Page, text: string): Promise<void> => {
    await page.fill('#text', text);
    await page.click('#send');
  };

  it('shows the reconnection, rejoins the room, sends what was said offline, and chats again', async () => {
    const ada = await openChat('ada', 'lobby');
    const bob = await openChat('bob', 'lobby');
    await ada.locator('#presence', { hasText: /^(ada, bob|bob, ada)$/ }).waitFor();

    await app?.close();
    app = undefined;
    await ada.locator('#status', { hasText: /^reconnecting \(attempt \d+\)…$/ }).waitFor();
    await say(ada, 'typed while the server was down');
    app = (await startSample(port)).app;

    await ada.locator('#status', { hasText: 'reconnected, joined lobby' }).waitFor();
    await bob.locator('#status', { hasText: 'reconnected, joined lobby' }).waitFor();
    await ada.locator('#messages li', { hasText: 'ada: typed while the server was down' }).waitFor();
    expect(await ada.textContent('#current-room')).toBe('lobby');

    await say(bob, 'welcome back');
    await say(ada, 'glad to be back');
    await ada.locator('#messages li', { hasText: 'bob: welcome back' }).waitFor();
    await bob.locator('#messages li', { hasText: 'ada: glad to be back' }).waitFor();
    await ada.locator('#presence', { hasText: /^(ada, bob|bob, ada)$/ }).waitFor();
    expect(await ada.locator('#messages li.error').count()).toBe(0);
  });
});
