import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { freshIndexedDb } from '../../helpers/fake-idb.js';

const dir = fileURLToPath(new URL('../../../src/utils/', import.meta.url));

afterEach(() => {
  delete (globalThis as { indexedDB?: unknown }).indexedDB;
  vi.restoreAllMocks();
});

describe('@ratecreator/db/utils entry', () => {
  it('importing it reads no indexedDB and logs nothing; the ready instances read globalThis.indexedDB on first use', async () => {
    let reads = 0;
    const fake = freshIndexedDb();
    Object.defineProperty(globalThis, 'indexedDB', {
      configurable: true,
      get: () => {
        reads++;
        return fake;
      },
    });
    const logged = (['log', 'info', 'warn', 'error', 'debug'] as const).map((method) => vi.spyOn(console, method));
    vi.resetModules();
    const utils = await import('../../../src/utils/index.js');
    expect(reads).toBe(0);
    for (const spy of logged) expect(spy).not.toHaveBeenCalled();
    await utils.creatorCache.setCachedCreator('YOUTUBE', 'a', { n: 1 });
    expect(await utils.creatorCache.getCachedCreator('YOUTUBE', 'a')).toEqual({ n: 1 });
    expect(reads).toBe(1);
    await utils.searchCache.setCachedResults('q', ['r']);
    await utils.categoryGlossaryCache.setCachedCategories({ A: [] });
    expect(await utils.searchCache.getCachedResults('q')).toEqual(['r']);
    expect(await utils.categoryGlossaryCache.getCachedCategories()).toEqual({ A: [] });
    expect(reads).toBe(3); // once per cache
  });

  it('its sources import nothing outside src/utils, and only the .env loader imports Node builtins', () => {
    const imports: Record<string, string[]> = {};
    for (const file of readdirSync(dir).filter((name) => name.endsWith('.ts')).sort()) {
      const text = readFileSync(join(dir, file), 'utf8');
      imports[file] = [...text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+['"]([^'"]+)['"]/gm), ...text.matchAll(/\b(?:import|require)\(\s*['"]([^'"]+)['"]/g)]
        .map((match) => match[1]!)
        .filter((specifier) => !specifier.startsWith('./'));
    }
    expect(imports).toEqual({
      'cache-options.ts': [],
      'category-glossary-cache.ts': [],
      'creator-cache.ts': [],
      'format.ts': [],
      'idb-cache.ts': [],
      'idb.ts': [],
      'index.ts': [],
      'indexed-db-error.ts': [],
      'load-env.ts': ['node:fs', 'node:path', 'node:util'],
      'record-size.ts': [],
      'search-cache.ts': [],
      'text.ts': [],
      'urls.ts': [],
    });
  });
});
