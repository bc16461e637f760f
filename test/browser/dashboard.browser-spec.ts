// The live dashboard (GET /dashboard) in Debian's Chromium, driven by playwright-core: it renders
// from ws /dashboard-feed and its numbers and charts move when a client sends traffic.
// UPDATE_SCREENSHOTS=1 also writes the screenshot docs/observability.md shows (docs/images/dashboard.png).
import { mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { BrowserContext, Page } from 'playwright-core';
import { ChromiumSession, launchChromium } from '../helpers/chromium';
import { SampleApp, startSampleApp } from '../fixtures/sample-app';
import { EnvelopeClient } from '../helpers/envelope-client';

/** Every Playwright wait: a few dashboard pushes (one a second), far below the test timeout. */
const WAIT_MS = 8_000;
const README_SCREENSHOT = join(__dirname, '..', '..', 'docs', 'images', 'dashboard.png');
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

jest.setTimeout(60_000);

describe('the dashboard page in Chromium', () => {
  let app: SampleApp | undefined;
  let context: BrowserContext | undefined;
  let browser: ChromiumSession | undefined;
  const clients = new Set<EnvelopeClient>();

  beforeAll(async () => {
    app = await startSampleApp();
    browser = await launchChromium({ viewport: { width: 1280, height: 860 } });
    context = browser.context;
    context.setDefaultTimeout(WAIT_MS);
  });

  afterEach(async () => {
    await Promise.all([...clients].map((client) => client.close()));
    clients.clear();
    await Promise.all((context?.pages() ?? []).map((page) => page.close()));
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  const connect = async (path: string): Promise<EnvelopeClient> => {
    if (!app) throw new Error('the app did not start');
    const client = await EnvelopeClient.connect(app.wsUrl + path);
    clients.add(client);
    return client;
  };

  const openDashboard = async (): Promise<Page> => {
    if (!context || !app) throw new Error('the browser or the app did not start');
    const page = await context.newPage();
    await page.goto(`${app.httpUrl}/dashboard`);
    await page.locator('#status', { hasText: /^live$/ }).waitFor();
    return page;
  };

  const tileValue = async (page: Page, id: string): Promise<number> => Number(await page.getAttribute(`#${id}`, 'data-value'));

  /** Waits until a tile's number passes `threshold`, and returns it. */
  const tileAbove = async (page: Page, id: string, threshold: number): Promise<number> => {
    // A string runs in the page, where `document` exists (this file is compiled without the DOM types).
    await page.waitForFunction(`Number(document.getElementById(${JSON.stringify(id)})?.dataset.value) > ${threshold}`);
    return tileValue(page, id);
  };

  it('shows its own connection, the gateways table and empty charts once the feed is live', async () => {
    const page = await openDashboard();

    expect(await tileAbove(page, 'connections', 0)).toBeGreaterThanOrEqual(1);
    expect(await page.locator('#gateways tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-gateway')).sort())).toEqual([
      'BenchGateway',
      'ChatGateway',
      'DashboardGateway',
      'EchoGateway',
      'PrivateGateway',
    ]);
    expect(await page.locator('#chart-rates polyline').count()).toBe(2);
  });

  it('moves its numbers and charts when a client sends traffic, errors and closes', async () => {
    const page = await openDashboard();
    const connectionsBefore = await tileAbove(page, 'connections', 0);
    const messagesBefore = await tileValue(page, 'messages-in');

    const bench = await connect('/bench');
    for (let i = 0; i < 40; i++) await bench.request('echo', i);
    await bench.request('no-such-event');

    expect(await tileAbove(page, 'connections', connectionsBefore)).toBe(connectionsBefore + 1);
    expect(await tileAbove(page, 'messages-in', messagesBefore + 40)).toBe(messagesBefore + 41);
    expect(await tileAbove(page, 'rate-in', 0)).toBeGreaterThan(0);
    await page.locator('#chart-errors rect[data-key="UNKNOWN_EVENT"]').waitFor();
    expect(Number(await page.getAttribute('#chart-errors rect[data-key="UNKNOWN_EVENT"]', 'data-count'))).toBe(1);
    expect(Number(await page.getAttribute('#chart-rates polyline[data-series="in"]', 'data-points'))).toBeGreaterThanOrEqual(2);

    await bench.close();
    clients.delete(bench);
    await page.locator('#chart-closes rect[data-key="1005"]').waitFor();
    expect(await page.locator('#gateways tr[data-gateway="BenchGateway"] td').nth(3).textContent()).toBe('41');
  });

  it('renders a screenshot of a dashboard with some traffic on it', async () => {
    const page = await openDashboard();
    const chat = [await connect('/chat'), await connect('/chat'), await connect('/chat')];
    await Promise.all(chat.map((client, i) => client.request('join', { room: i === 2 ? 'ops' : 'lobby', name: `user${i}` })));
    for (let wave = 1; wave <= 8; wave++) {
      const seen = await tileValue(page, 'messages-in');
      const count = 10 + ((wave * 37) % 50); // an uneven rate, so the chart has a shape
      for (let i = 0; i < count; i++) chat[i % 3].send('say', { room: i % 3 === 2 ? 'ops' : 'lobby', text: `message ${i}` });
      if (wave % 3 === 0) await chat[0].request('say', { room: 'nowhere', text: 'not a member' });
      await tileAbove(page, 'messages-in', seen + count - 1);
    }
    await chat[2].close();
    await page.locator('#chart-closes rect').first().waitFor();

    const file = process.env.UPDATE_SCREENSHOTS === '1' ? README_SCREENSHOT : join(tmpdir(), `nest-rfc6455-dashboard-${process.pid}.png`);
    mkdirSync(dirname(file), { recursive: true });
    await page.screenshot({ path: file, fullPage: true });

    const png = readFileSync(file);
    expect(png.subarray(0, 8)).toEqual(PNG_SIGNATURE);
    expect(png.readUInt32BE(16)).toBe(1280); // IHDR width
  });
});
