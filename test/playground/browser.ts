import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

/** Debian's chromium; Playwright's own browser downloads are never used. */
export const chromiumPath = '/usr/bin/chromium';

/** A headless chromium with a fresh profile, and the page errors it has seen. */
export interface TestBrowser {
  context: BrowserContext;
  /** Uncaught page errors and console errors (a CSP violation shows up here too). */
  errors: string[];
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

/** Launches Debian's chromium headless with a throwaway user-data dir; fails clearly when it is not installed. */
export async function launchChromium(): Promise<TestBrowser> {
  if (!existsSync(chromiumPath)) {
    throw new Error(
      `The browser test needs Debian's chromium at ${chromiumPath}, and it is missing. ` +
        'Install it with `bash scripts/ensure-chromium.sh` (apt-get install chromium; CI runs that script).',
    );
  }
  const userDataDir = await mkdtemp(join(tmpdir(), 'playground-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
    viewport: { width: 1360, height: 860 },
    deviceScaleFactor: 1,
    timezoneId: 'UTC',
    locale: 'en-GB',
  });
  const errors: string[] = [];
  return {
    context,
    errors,
    async newPage() {
      const page = await context.newPage();
      page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
      page.on('console', (msg) => {
        if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
      });
      return page;
    },
    async close() {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}
