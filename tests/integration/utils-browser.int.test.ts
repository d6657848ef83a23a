// @ratecreator/db/utils in a real browser: Debian's chromium, headless, driven by playwright-core (which downloads no
// browser of its own). The page is an esbuild browser bundle of tests/fixtures/utils-browser/page.mjs importing
// @ratecreator/db/utils from the packed package installed in an app, served on loopback. The screenshot of the page is
// kept under .cache/artifacts/utils-browser/ (ignored by git).
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshProfile, launchChromium } from '../helpers/chromium.js';
import { installedApp } from '../helpers/installed.js';

/** What the page (tests/fixtures/utils-browser/page.mjs) puts on window for the test. */
interface PageWindow {
  readonly utils: typeof import('../../src/utils/index.js');
  advanceClock(ms: number): void;
  readonly pageReady?: boolean;
  /** The old tab's connection (the blocked-upgrade test). */
  oldTab?: { close(): void };
  /** The document's origin: "null" when it is opaque (location.origin still shows the URL's). */
  readonly origin: string;
  addEventListener(type: 'unhandledrejection', listener: (event: { readonly reason: unknown }) => void): void;
}
// The functions passed to evaluate() run in the page; this file is typed for Node, without the DOM's globals.
declare const window: PageWindow;
declare const indexedDB: {
  deleteDatabase(name: string): { onsuccess: (() => void) | null; onerror: (() => void) | null };
  open(name: string, version?: number): {
    onupgradeneeded?: (() => void) | null;
    result: {
      transaction(store: string): { objectStore(name: string): { get(key: string): { result: unknown; onsuccess: (() => void) | null } } };
      createObjectStore(name: string, options: { keyPath: string }): unknown;
      close(): void;
    };
    error: unknown;
    onsuccess: (() => void) | null;
    onerror: (() => void) | null;
  };
};

const root = fileURLToPath(new URL('../..', import.meta.url));
const ARTIFACTS = join(root, '.cache', 'artifacts', 'utils-browser');
const MIB = 1024 * 1024;

/** Pages by path: the plain page, and pages where IndexedDB is refused before the bundle runs. */
const PAGES: Record<string, string> = {
  '/index.html': '',
  // Every open throws, as in a context that denies storage.
  '/open-throws.html': `<script>IDBFactory.prototype.open = function () { throw new DOMException('denied by the test', 'SecurityError'); };</script>`,
  // Every open fails asynchronously, as Firefox's private mode did and a full disk does.
  '/open-fails.html': `<script>IDBFactory.prototype.open = function () {
      const request = { result: undefined, error: new DOMException('refused by the test', 'UnknownError'), transaction: null };
      setTimeout(() => request.onerror && request.onerror({ preventDefault() {} }), 0);
      return request;
    };</script>`,
  // No IndexedDB at all.
  '/no-indexeddb.html': `<script>Object.defineProperty(window, 'indexedDB', { get: () => undefined, configurable: true });</script>`,
  // An opaque origin: the browser itself refuses IndexedDB inside a sandboxed frame.
  '/sandboxed.html': 'frame',
};

function html(path: string): string {
  const head = PAGES[path];
  if (head === 'frame') return '<!doctype html><title>sandboxed</title><iframe sandbox="allow-scripts" src="/index.html" width="800" height="600"></iframe>';
  return `<!doctype html><html><head><meta charset="utf-8"><title>@ratecreator/db/utils</title>${head ?? ''}</head><body><script type="module" src="/page.js"></script></body></html>`;
}

let work = '';
let profile = '';
let server: Server | undefined;
let origin = '';
let context: BrowserContext | undefined;
let pageBundle = '';
let metafile: Metafile;
const sizes: Record<string, { min: number; gzip: number }> = {};

const seen = { pageErrors: [] as string[], warnings: [] as string[] };
const { pageErrors, warnings } = seen;
const launch = () => launchChromium(profile, seen);

/** A page of the context at `path`, once the bundle has run. */
async function open(path = '/index.html'): Promise<Page> {
  const page = context!.pages()[0] ?? (await context!.newPage());
  await page.goto(`${origin}${path}`);
  if (path !== '/sandboxed.html') await page.waitForFunction(() => window.pageReady === true);
  return page;
}

beforeAll(async () => {
  const app = installedApp('module');
  work = mkdtempSync(join(app, 'browser-'));
  copyFileSync(join(root, 'tests', 'fixtures', 'utils-browser', 'page.mjs'), join(work, 'page.mjs'));
  const bundle = async (name: string, contents: string | undefined) => {
    const result = await build({
      ...(contents === undefined ? { entryPoints: [join(work, 'page.mjs')] } : { stdin: { contents, resolveDir: work, sourcefile: `${name}.mjs` } }),
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2020',
      minify: true,
      metafile: true,
      write: false,
      logLevel: 'silent',
    });
    const text = result.outputFiles[0]!.text;
    sizes[name] = { min: Buffer.byteLength(text), gzip: gzipSync(text, { level: 9 }).length };
    return { text, metafile: result.metafile };
  };
  ({ text: pageBundle, metafile } = await bundle('page', undefined));
  await bundle('every export', `export * from '@ratecreator/db/utils';`);
  await bundle('formatValue alone', `import { formatValue } from '@ratecreator/db/utils'; console.log(formatValue(1));`);

  server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    if (path === '/page.js') {
      // A module script is fetched with CORS: the sandboxed frame's origin is opaque ("null").
      response.writeHead(200, { 'content-type': 'text/javascript', 'access-control-allow-origin': '*' }).end(pageBundle);
    } else if (path in PAGES) {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html(path));
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  profile = freshProfile(app);
  context = await launch();
}, 180_000);

afterAll(async () => {
  await context?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  if (work) rmSync(work, { recursive: true, force: true });
  if (profile) rmSync(profile, { recursive: true, force: true });
  console.log(`@ratecreator/db/utils browser bundles (esbuild --minify, gzip -9): ${JSON.stringify(sizes)}`);
});

describe('@ratecreator/db/utils in headless Chromium', () => {
  it('bundles for the browser from one file of the package, with nothing of Node, in a few KB', () => {
    const inputs = Object.keys(metafile.inputs).map((path) => relative(work, join(process.cwd(), path)));
    // Only the page and the package's ES module build: no Node builtin, no dependency, no other part of the package.
    expect(inputs.map((path) => path.replace(/^.*node_modules\//, 'node_modules/')).sort()).toEqual(['node_modules/@ratecreator/db/dist/utils/index.mjs', 'page.mjs']);
    for (const word of ['require(', 'process.', 'Buffer', '__dirname', 'tsyringe', 'pino', 'reflect-metadata']) expect(pageBundle, word).not.toContain(word);
    expect(sizes['every export']!.min).toBeLessThan(12 * 1024);
    expect(sizes['every export']!.gzip).toBeLessThan(4 * 1024);
    // The ES module build tree-shakes: a page using one helper carries that helper, not the caches.
    expect(sizes['formatValue alone']!.min).toBeLessThan(400);
  });

  it('renders the formatted values (screenshot kept as a test artifact)', async () => {
    const page = await open();
    const cells = await page.$$eval('td[data-call]', (tds) => tds.map((td) => [td.getAttribute('data-call'), td.textContent]));
    expect(Object.fromEntries(cells)).toMatchObject({
      'formatValue(999)': '999',
      'formatValue(1000)': '1.0 K',
      'formatValue(1500000)': '1.5 M',
      'formatValue(1500000000)': '1.5 B',
      'formatFloat(4.567)': '4.57',
      'formatDate("2024-01-15T12:00:00")': 'Jan 15, 2024',
      'toSlug("Hello World!")': 'hello-world',
      'fromSlug("tech-reviews")': 'Tech Reviews',
      'getInitials("Ada Lovelace")': 'AL',
      'getInitials("")': 'SD',
      'truncateText("A very long review title", 12)': 'A very lo...',
      'capitalizeFirstLetter("hello-WORLD")': 'Hello world',
      'splitAndCapitalize("youtube-gaming")': 'YOUTUBE',
      'extractTweetId(".../status/1234")': '1234',
      'convertToEmbeddedUrl(".../watch?v=abc")': 'https://www.youtube.com/embed/abc',
    });
    mkdirSync(ARTIFACTS, { recursive: true });
    const file = join(ARTIFACTS, 'formatted-values.png');
    await page.screenshot({ path: file, fullPage: true });
    expect(readFileSync(file).subarray(1, 4).toString()).toBe('PNG');
    expect(pageErrors).toEqual([]);
  });

  it('stores, reads and expires entries in each cache', async () => {
    const page = await open();
    const result = await page.evaluate(async () => {
      const { creatorCache, searchCache, categoryGlossaryCache } = window.utils;
      const advance = window.advanceClock;
      const read = async () => [
        await creatorCache.getCachedCreator('YOUTUBE', 'expiring'),
        await searchCache.getCachedResults('expiring'),
        await categoryGlossaryCache.getCachedCategories(),
        await categoryGlossaryCache.getCachedCategoryWithAccounts('expiring'),
      ];
      await creatorCache.setCachedCreator('YOUTUBE', 'expiring', { name: 'A creator' });
      await searchCache.setCachedResults('expiring', [{ objectID: '1' }]);
      await categoryGlossaryCache.setCachedCategories({ M: [{ slug: 'music' }] });
      await categoryGlossaryCache.setCachedCategoryWithAccounts('expiring', { category: { slug: 'expiring' }, accounts: 3 });
      const fresh = await read();
      const minute = 60 * 1000;
      advance(5 * minute - 1000);
      const beforeFive = await read();
      advance(1000); // 5 minutes: the creator expires
      const atFive = await read();
      advance(24 * 60 * minute - 5 * minute); // 24 hours: the search results expire
      const atDay = await read();
      advance(6 * 24 * 60 * minute); // 7 days: the categories expire
      const atWeek = await read();
      return { fresh, beforeFive, atFive, atDay, atWeek };
    });
    const creator = { name: 'A creator' };
    const results = [{ objectID: '1' }];
    const glossary = { M: [{ slug: 'music' }] };
    const category = { category: { slug: 'expiring' }, accounts: 3 };
    expect(result).toEqual({
      fresh: [creator, results, glossary, category],
      beforeFive: [creator, results, glossary, category],
      atFive: [null, results, glossary, category],
      atDay: [null, null, glossary, category],
      atWeek: [null, null, null, null],
    });
    expect(pageErrors).toEqual([]);
  });

  it('fills the category cache past its 20 MiB bound: the oldest entries went first, the total stays within it', async () => {
    const page = await open();
    const result = await page.evaluate(async (mib) => {
      const { categoryGlossaryCache } = window.utils;
      const advance = window.advanceClock;
      const category = { description: 'c'.repeat(mib - 300) };
      for (let i = 0; i < 24; i++) {
        await categoryGlossaryCache.setCachedCategoryWithAccounts(`bound-${i}`, { category, accounts: i });
        advance(5); // distinct write times, in order
      }
      const kept: number[] = [];
      for (let i = 0; i < 24; i++) if (await categoryGlossaryCache.getCachedCategoryWithAccounts(`bound-${i}`)) kept.push(i);
      // The stored total, read directly.
      const total = await new Promise<unknown>((resolve, reject) => {
        const request = indexedDB.open('CategoryGlossaryCache');
        request.onerror = () => reject(request.error);
        request.onsuccess = () => {
          const get = request.result.transaction('meta').objectStore('meta').get('bytes');
          get.onsuccess = () => {
            request.result.close();
            resolve(get.result);
          };
        };
      });
      return { kept, total };
    }, MIB);
    // 24 entries of ~1 MiB against 20 MiB: the newest 20 or so stay, as one run ending with the last one written.
    expect(result.kept.length).toBeGreaterThanOrEqual(19);
    expect(result.kept.length).toBeLessThan(24);
    expect(result.kept).toEqual(Array.from({ length: result.kept.length }, (_, i) => 24 - result.kept.length + i));
    expect(result.total).toBeLessThanOrEqual(20 * MIB);
    expect(result.total).toBeGreaterThan(18 * MIB);
    expect(pageErrors).toEqual([]);
  });

  it('reads entries back after a reload and after a browser restart (IndexedDB persistence)', async () => {
    let page = await open();
    await page.evaluate(async () => {
      const { creatorCache, searchCache, categoryGlossaryCache } = window.utils;
      await creatorCache.setCachedCreator('TWITCH', 'persisted', { name: 'Persisted creator' });
      await searchCache.setCachedResults('persisted', [{ objectID: 'p' }]);
      await categoryGlossaryCache.setCachedCategoryWithAccounts('persisted', { category: { slug: 'persisted' }, accounts: 7 });
    });
    const readBack = (target: Page) =>
      target.evaluate(async () => {
        const { creatorCache, searchCache, categoryGlossaryCache } = window.utils;
        return [
          await creatorCache.getCachedCreator('TWITCH', 'persisted'),
          await searchCache.getCachedResults('persisted'),
          await categoryGlossaryCache.getCachedCategoryWithAccounts('persisted'),
        ];
      });
    const expected = [{ name: 'Persisted creator' }, [{ objectID: 'p' }], { category: { slug: 'persisted' }, accounts: 7 }];
    await page.reload();
    await page.waitForFunction(() => window.pageReady === true);
    expect(await readBack(page)).toEqual(expected);
    await context!.close();
    context = await launch();
    page = await open();
    expect(await readBack(page)).toEqual(expected);
    expect(pageErrors).toEqual([]);
  });

  it.each(['/open-throws.html', '/open-fails.html', '/no-indexeddb.html'])('%s: reads give null, writes do nothing, no exception', async (path) => {
    warnings.length = 0;
    const page = await open(path);
    const result = await page.evaluate(async () => {
      const { creatorCache, searchCache, categoryGlossaryCache } = window.utils;
      const unhandled: string[] = [];
      window.addEventListener('unhandledrejection', (event) => unhandled.push(String(event.reason)));
      await creatorCache.init();
      await creatorCache.setCachedCreator('YOUTUBE', 'persisted', { name: 'x' });
      await searchCache.setCachedResults('persisted', []);
      await categoryGlossaryCache.setCachedCategories({});
      const reads = [
        await creatorCache.getCachedCreator('TWITCH', 'persisted'),
        await searchCache.getCachedResults('persisted'),
        await categoryGlossaryCache.getCachedCategories(),
        await categoryGlossaryCache.getCachedCategoryWithAccounts('persisted'),
      ];
      return { reads, unhandled };
    });
    expect(result).toEqual({ reads: [null, null, null, null], unhandled: [] });
    expect(pageErrors).toEqual([]);
    // A refusal is reported once per cache; where there is no IndexedDB at all, nothing is.
    if (path === '/no-indexeddb.html') expect(warnings).toEqual([]);
    else expect(warnings.map((text) => text.replace(/ \(.*$/, ''))).toEqual(['[CreatorCache] IndexedDbError: IndexedDB open of CreatorCache failed', '[SearchCache] IndexedDbError: IndexedDB open of SearchCache failed', '[CategoryGlossaryCache] IndexedDbError: IndexedDB open of CategoryGlossaryCache failed']);
  });

  it('an upgrade blocked by a tab still running the original code reads as empty, and works once that tab lets go', async () => {
    warnings.length = 0;
    // The old tab: the original package's SearchCache database (version 1, the store alone), held open, deaf to
    // versionchange.
    const oldTab = await open();
    await oldTab.evaluate(
      () =>
        new Promise<void>((resolve, reject) => {
          const deletion = indexedDB.deleteDatabase('SearchCache');
          deletion.onerror = () => reject(new Error('deleteDatabase failed'));
          deletion.onsuccess = () => {
            const request = indexedDB.open('SearchCache', 1);
            request.onupgradeneeded = () => request.result.createObjectStore('results', { keyPath: 'query' });
            request.onerror = () => reject(new Error('open failed'));
            request.onsuccess = () => {
              window.oldTab = request.result;
              resolve();
            };
          };
        }),
    );
    const page = await context!.newPage();
    await page.goto(`${origin}/index.html`);
    await page.waitForFunction(() => window.pageReady === true);
    const blocked = await page.evaluate(async () => {
      const { searchCache } = window.utils;
      await searchCache.setCachedResults('blocked', ['r']);
      return searchCache.getCachedResults('blocked');
    });
    expect(blocked).toBeNull();
    expect(warnings.map((text) => text.replace(/ \(.*$/, ''))).toEqual(['[SearchCache] IndexedDbError: IndexedDB open of SearchCache failed']);
    await oldTab.evaluate(() => window.oldTab?.close());
    // The pending upgrade goes through; the next calls use the database.
    await page.waitForFunction(async () => {
      const { searchCache } = window.utils;
      await searchCache.setCachedResults('unblocked', ['r']);
      return (await searchCache.getCachedResults('unblocked')) !== null;
    });
    expect(pageErrors).toEqual([]);
    await page.close();
  });

  it('a sandboxed frame (an opaque origin, where the browser refuses IndexedDB) reads null without an exception', async () => {
    const page = await open('/sandboxed.html');
    const frame = await (await page.waitForSelector('iframe')).contentFrame();
    await frame!.waitForFunction(() => window.pageReady === true, undefined, { timeout: 15_000 });
    const result = await frame!.evaluate(async () => {
      const { creatorCache } = window.utils;
      let direct = 'opened';
      try {
        indexedDB.open('probe');
      } catch (error) {
        direct = (error as Error).name;
      }
      await creatorCache.setCachedCreator('YOUTUBE', 'persisted', { name: 'x' });
      return { origin: window.origin, direct, read: await creatorCache.getCachedCreator('TWITCH', 'persisted') };
    });
    expect(result).toEqual({ origin: 'null', direct: 'SecurityError', read: null });
    expect(pageErrors).toEqual([]);
  });
});
