import { describe, expect, expectTypeOf, it } from 'vitest';
import { SearchCache, searchCache } from '../../../src/utils/search-cache.js';
import { freshIndexedDb, manualClock, readRaw } from '../../helpers/fake-idb.js';

interface SearchResult {
  objectID: string;
  name: string;
}

describe('SearchCache', () => {
  it('keeps results in SearchCache/results under the query, as { query, data, timestamp, size }', async () => {
    const indexedDB = freshIndexedDb();
    const clock = manualClock();
    const cache = new SearchCache<SearchResult>({ indexedDB, now: clock.now });
    const results = [{ objectID: '1', name: 'One' }];
    await cache.setCachedResults('music', results);
    expect(await cache.getCachedResults('music')).toEqual(results);
    expect(await cache.getCachedResults('Music')).toBeNull();
    await cache.setCachedResults('', []);
    expect(await cache.getCachedResults('')).toEqual([]);
    const raw = await readRaw(indexedDB, 'SearchCache', 'results');
    expect(raw.keyPath).toBe('query');
    expect(raw.records).toContainEqual({ query: 'music', data: results, timestamp: clock.now(), size: expect.any(Number) });
  });

  it('serves results for 24 hours', async () => {
    const clock = manualClock();
    const cache = new SearchCache({ indexedDB: freshIndexedDb(), now: clock.now });
    await cache.setCachedResults('q', [1]);
    clock.advance(24 * 60 * 60 * 1000 - 1);
    expect(await cache.getCachedResults('q')).toEqual([1]);
    clock.advance(1);
    expect(await cache.getCachedResults('q')).toBeNull();
  });

  it('has no size bound: large fresh entries all stay', async () => {
    const indexedDB = freshIndexedDb();
    const clock = manualClock();
    const cache = new SearchCache({ indexedDB, now: clock.now });
    const big = ['r'.repeat(4 * 1024 * 1024)];
    for (let i = 0; i < 20; i++) {
      await cache.setCachedResults(`q${i}`, big);
      clock.advance(1);
    }
    const { records, meta } = await readRaw(indexedDB, 'SearchCache', 'results');
    expect(records).toHaveLength(20);
    expect(meta.bytes).toBeGreaterThan(80 * 1024 * 1024);
  });

  it('the ready instance is a SearchCache; in Node it is an empty cache', async () => {
    expect(searchCache).toBeInstanceOf(SearchCache);
    await searchCache.setCachedResults('q', [1]);
    expect(await searchCache.getCachedResults('q')).toBeNull();
  });

  it('types: results are arrays of the app\'s result type', () => {
    const typed = new SearchCache<SearchResult>({ indexedDB: null });
    expectTypeOf(typed.getCachedResults).returns.resolves.toEqualTypeOf<SearchResult[] | null>();
    expectTypeOf(typed.setCachedResults).parameter(1).toEqualTypeOf<SearchResult[]>();
    // @ts-expect-error one result is not an array of them
    void typed.setCachedResults('q', { objectID: '1', name: 'One' });
    const fromReady: Promise<SearchResult[] | null> = searchCache.getCachedResults('q');
    void fromReady;
  });
});
