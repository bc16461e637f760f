// The chat page (GET /) in Debian's Chromium, driven by playwright-core: the browser's own
// WebSocket against our engine. Never downloads a browser; a missing one fails the suite.
import { BrowserContext, Page } from 'playwright-core';
import { ConnectionRegistry, Rooms } from '../../lib';
import { ChromiumSession, launchChromium } from '../helpers/chromium';
import { SampleApp, startSampleApp } from '../fixtures/sample-app';

/** Every Playwright wait; far below the test timeout, so a stuck page fails with Playwright's message. */
const WAIT_MS = 5_000;

jest.setTimeout(60_000);

const permutations = (items: readonly string[]): string[][] =>
  items.length <= 1 ? [[...items]] : items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The page renders presence as "a, b" in arrival order, which differs per page. */
const exactlyInAnyOrder = (names: readonly string[]): RegExp =>
  new RegExp(`^(?:${permutations(names.map(escapeRegExp)).map((order) => order.join(', ')).join('|')})$`);

describe('the chat page in Chromium', () => {
  let app: SampleApp | undefined;
  let context: BrowserContext | undefined;
  let browser: ChromiumSession | undefined;

  beforeAll(async () => {
    app = await startSampleApp();
    browser = await launchChromium();
    context = browser.context;
    context.setDefaultTimeout(WAIT_MS);
  });

  afterEach(async () => {
    await Promise.all((context?.pages() ?? []).map((page) => page.close()));
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  /** Opens the chat page and waits for its WebSocket to be open; without WebSocket (deleted before the page's script runs), for its HTTP fallback. */
  const openChat = async ({ withoutWebSocket = false } = {}): Promise<Page> => {
    if (!context || !app) throw new Error('the browser or the app did not start');
    const page = await context.newPage();
    if (withoutWebSocket) await page.addInitScript(() => delete (globalThis as { WebSocket?: unknown }).WebSocket);
    await page.goto(app.httpUrl);
    await page.locator('#status', { hasText: withoutWebSocket ? /^connected \(HTTP fallback\)$/ : /^connected$/ }).waitFor();
    return page;
  };

  const joinRoom = async (page: Page, name: string, room: string): Promise<void> => {
    await page.fill('#name', name);
    await page.fill('#room', room);
    await page.click('#join');
    await page.locator('#status', { hasText: `joined ${room}` }).waitFor();
  };

  /** Waits until #presence lists exactly these names, in any order, and returns them sorted. */
  const presenceOf = async (page: Page, names: string[]): Promise<string[]> => {
    await page.locator('#presence', { hasText: exactlyInAnyOrder(names) }).waitFor();
    return ((await page.textContent('#presence')) ?? '').split(', ').sort();
  };

  it('shows what one page says in the other page’s messages, with each page listing the other as present', async () => {
    const ada = await openChat();
    const bob = await openChat();
    await joinRoom(ada, 'ada', 'lobby');
    await joinRoom(bob, 'bob', 'lobby');

    await ada.fill('#text', 'hello from ada');
    await ada.click('#send');

    const onBob = bob.locator('#messages li', { hasText: 'ada: hello from ada' });
    await onBob.waitFor();
    expect(await onBob.count()).toBe(1);
    await ada.locator('#messages li', { hasText: 'ada: hello from ada' }).waitFor();
    expect(await presenceOf(bob, ['ada', 'bob'])).toEqual(['ada', 'bob']);
    expect(await presenceOf(ada, ['ada', 'bob'])).toEqual(['ada', 'bob']);
    expect(await ada.locator('#messages li.presence', { hasText: 'bob joined' }).count()).toBe(1);
  });

  it('drops a page’s name from the other page’s presence when it closes', async () => {
    const ada = await openChat();
    const bob = await openChat();
    await joinRoom(ada, 'ada', 'lobby');
    await joinRoom(bob, 'bob', 'lobby');
    await presenceOf(ada, ['ada', 'bob']);

    await bob.close();

    await ada.locator('#messages li.presence', { hasText: 'bob left' }).waitFor();
    expect(await presenceOf(ada, ['ada'])).toEqual(['ada']);
  });

  it('resumes after the server drops its socket and shows exactly the messages said meanwhile, once and in order', async () => {
    if (!app) throw new Error('the app did not start');
    const ada = await openChat();
    const bea = await openChat();
    await joinRoom(ada, 'ada', 'resume');
    await joinRoom(bea, 'bea', 'resume');
    await ada.fill('#text', 'before');
    await ada.click('#send');
    await bea.locator('#messages li', { hasText: 'ada: before' }).waitFor();

    // Dropped and talked about in one tick: the page cannot be back before all three are said.
    const rooms = app.app.get(Rooms);
    const members = new Set(await rooms.members('chat:resume'));
    for (const connection of app.app.get(ConnectionRegistry).all()) {
      if (members.has(connection.id) && (connection.data as { name?: string }).name === 'bea') connection.terminate();
    }
    await Promise.all(['one', 'two', 'three'].map((text) => rooms.to('chat:resume').send('said', { room: 'resume', from: 'ada', text, at: new Date().toISOString() })));

    await bea.locator('#messages li', { hasText: /^back online: \d+ missed messages? shown above$/ }).waitFor();
    await bea.locator('#status', { hasText: 'reconnected, joined resume' }).waitFor();
    const said = await bea.$$eval('#messages li:not(.presence):not(.error)', (items) => items.map((item) => item.textContent));
    expect(said).toEqual(['ada: before', 'ada: one', 'ada: two', 'ada: three']);
    await bea.fill('#text', 'back');
    await bea.click('#send');
    await ada.locator('#messages li', { hasText: 'bea: back' }).waitFor();
    expect(await presenceOf(ada, ['ada', 'bea'])).toEqual(['ada', 'bea']);
  });

  it('keeps a room name the server would refuse from being sent at all', async () => {
    const ada = await openChat();
    await joinRoom(ada, 'ada', 'lobby');

    await ada.fill('#room', 'not a room!');
    await ada.click('#join');

    expect(await ada.$eval('#room', (input) => (input as unknown as { validity: { patternMismatch: boolean } }).validity.patternMismatch)).toBe(true);
    expect(await ada.textContent('#current-room')).toBe('lobby');
  });

  it('stops showing the room it left when the server refuses the next join', async () => {
    const ada = await openChat();
    await joinRoom(ada, 'ada', 'lobby');

    // An older page without the pattern: it leaves "lobby" first, then asks for a room the server's JoinDto refuses.
    await ada.$eval('#room', (input) => input.removeAttribute('pattern'));
    await ada.fill('#room', 'not a room!');
    await ada.click('#join');

    await ada.locator('#messages li.error', { hasText: 'VALIDATION_FAILED' }).waitFor();
    expect(await ada.textContent('#current-room')).not.toBe('lobby');
  });
  it('keeps working without window.WebSocket: the page falls back to server-sent events + POST (issue 19)', async () => {
    const fallback = await openChat({ withoutWebSocket: true });
    const websocket = await openChat();
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
    const transports = (app?.app.get(ConnectionRegistry).all() ?? []).filter((client) => client.gateway === 'ChatGateway').map((client) => client.transport);
    expect(transports).toContain('sse'); // pages of the cases before may still be closing: not an exact list
    expect(transports).toContain('websocket');
  });
});
