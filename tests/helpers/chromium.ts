// Debian's chromium (apt install chromium; scripts/setup.sh installs it), headless, driven by playwright-core, which
// downloads no browser of its own. Each context gets a profile directory of its own; the caller removes it.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** Flags for a quiet, offline headless run (playwright adds --headless, --no-sandbox and --user-data-dir). */
const FLAGS = ['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** A fresh profile directory (under `parent`, default the system temp directory). */
export function freshProfile(parent = tmpdir()): string {
  return mkdtempSync(join(parent, 'chromium-profile-'));
}

/**
 * Launches chromium on `profile` (reuse it to see what a previous launch stored). Page errors and console warnings and
 * errors of every page are appended to `seen`.
 */
export async function launchChromium(profile: string, seen: { pageErrors: string[]; warnings: string[] }): Promise<BrowserContext> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run npm run setup (it installs Debian's chromium)`);
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    chromiumSandbox: false, // --no-sandbox: the tests run as root
    args: FLAGS,
    viewport: { width: 900, height: 820 },
  });
  const watch = (page: Page) => {
    page.on('pageerror', (error) => seen.pageErrors.push(`${page.url()}: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'warning' || message.type() === 'error') seen.warnings.push(message.text());
    });
  };
  context.on('page', watch);
  for (const page of context.pages()) watch(page);
  return context;
}
