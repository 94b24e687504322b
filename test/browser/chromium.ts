/**
 * Headless Chromium for the browser tests: Debian's `chromium` package driven by
 * puppeteer-core (which never downloads a browser), with a fresh profile in a temp dir
 * and no background networking. A missing browser fails the test with the package to install.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

/** Where Debian's package puts the browser; CHROMIUM_PATH overrides it. */
const CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((p): p is string => !!p);

/** The flags every run uses (loopback only: nothing talks to the outside). */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The browser's path, or an error naming the Debian package. */
export function chromiumPath(): string {
  const found = CANDIDATES.find((path) => existsSync(path));
  if (!found) throw new Error('Chromium is missing: the browser tests need Debian\'s chromium package (apt-get install chromium)');
  return found;
}

/** A launched browser with its own profile directory; `close()` removes both. */
export interface LaunchedBrowser {
  readonly browser: Browser;
  /** A new page whose console errors and page errors are collected in `problems`. */
  page(): Promise<{ page: Page; problems: string[] }>;
  close(): Promise<void>;
}

/** Launches headless Chromium with CHROMIUM_FLAGS and a fresh --user-data-dir. */
export async function launchChromium(): Promise<LaunchedBrowser> {
  const executablePath = chromiumPath();
  const profile = mkdtempSync(join(tmpdir(), 'tlsservice-chromium-'));
  const browser = await puppeteer.launch({
    executablePath,
    headless: true,
    args: [...CHROMIUM_FLAGS, `--user-data-dir=${profile}`],
    timeout: 60_000,
    protocolTimeout: 120_000,
  });
  return {
    browser,
    async page() {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(`page error: ${String(error)}`));
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
      });
      return { page, problems };
    },
    async close() {
      await browser.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
