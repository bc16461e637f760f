// Debian's Chromium driven by playwright-core, the one way every browser suite starts it.
// Never downloads a browser: a missing /usr/bin/chromium fails the suite with what to install.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrowserContext, chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
// Without the background-networking flags Chromium keeps dialling hosts this closed network refuses.
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** Every Playwright wait; far below the test timeout, so a stuck page fails with Playwright's message. */
export const WAIT_MS = 5_000;

export interface ChromiumSession {
  context: BrowserContext;
  /** Closes the browser and removes its fresh profile. */
  close(): Promise<void>;
}

/** A fresh profile each time (playwright-core refuses --user-data-dir in args, so it goes through launchPersistentContext). */
export async function launchChromium(options: { viewport?: { width: number; height: number }; ignoreHTTPSErrors?: boolean } = {}): Promise<ChromiumSession> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Debian's Chromium (apt-get install -y --no-install-recommends chromium); this suite never downloads a browser`);
  }
  const profile = mkdtempSync(join(tmpdir(), 'nest-rfc6455-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, ...options });
  context.setDefaultTimeout(WAIT_MS);
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
