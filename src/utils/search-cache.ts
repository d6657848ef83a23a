import type { CacheOptions } from './cache-options.js';
import { IdbCacheStore } from './idb-cache.js';

/** 24 hours */
const EXPIRATION_MS = 24 * 60 * 60 * 1000;

/**
 * Search results per query in the browser's IndexedDB: database `SearchCache`, store `results`, keyPath `query`,
 * records `{ query, data, timestamp, size }`. Entries are served for 24 hours; there is no size bound (expired entries
 * are removed on writes).
 *
 * Where IndexedDB does not exist (server rendering, Node) or refuses to open (private mode, quota, a blocked
 * upgrade), it is an empty cache: reads resolve to null, writes do nothing, nothing throws.
 *
 * `TResult` is the app's type for one result (`SearchResult`); the ready instance {@link searchCache} leaves it open.
 */
export class SearchCache<TResult = any> {

  private readonly cache: IdbCacheStore;

  constructor(options?: CacheOptions) {
    this.cache = new IdbCacheStore(
      { database: 'SearchCache', store: 'results', keyPath: 'query', expirationMs: EXPIRATION_MS, maxBytes: Number.POSITIVE_INFINITY },
      options,
    );
  }

  /** Opens the database (reads and writes do it on first use; concurrent calls share one open). Never rejects. */
  async init(): Promise<void> {
    await this.cache.open();
  }

  /** The results cached for this query, or null when absent, older than 24 hours, or IndexedDB is unavailable. */
  async getCachedResults(query: string): Promise<TResult[] | null> {
    return (await this.cache.get(query)) as TResult[] | null;
  }

  /** Caches the results for this query (a no-op where IndexedDB is unavailable). Never rejects. */
  async setCachedResults(query: string, results: TResult[]): Promise<void> {
    await this.cache.set(query, results);
  }
}

/** The shared instance the apps import. Creating it touches nothing: the database opens on first use. */
export const searchCache: SearchCache = /* @__PURE__ */ new SearchCache();
