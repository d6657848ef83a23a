import type { CacheOptions } from './cache-options.js';
import { IdbCacheStore } from './idb-cache.js';

/** 5 minutes */
const EXPIRATION_MS = 5 * 60 * 1000;
/** 50 MiB */
const MAX_BYTES = 50 * 1024 * 1024;

/**
 * Creator profiles in the browser's IndexedDB: database `CreatorCache`, store `creators`, keyPath `id`
 * (`` `${platform}-${accountId}` ``), records `{ id, data, timestamp, size }`. Entries are served for 5 minutes; the
 * estimated total stays within 50 MiB (a write evicts expired and then the oldest entries).
 *
 * Where IndexedDB does not exist (server rendering, Node) or refuses to open (private mode, quota, a blocked
 * upgrade), it is an empty cache: reads resolve to null, writes do nothing, nothing throws.
 *
 * `TCreator` is the app's type for a profile (`CreatorData`); the ready instance {@link creatorCache} leaves it open.
 */
export class CreatorCache<TCreator = any> {
  private readonly cache: IdbCacheStore;

  constructor(options?: CacheOptions) {
    this.cache = new IdbCacheStore(
      { database: 'CreatorCache', store: 'creators', keyPath: 'id', expirationMs: EXPIRATION_MS, maxBytes: MAX_BYTES },
      options,
    );
  }

  /** Opens the database (reads and writes do it on first use; concurrent calls share one open). Never rejects. */
  async init(): Promise<void> {
    await this.cache.open();
  }

  /** The profile cached for this account, or null when absent, older than 5 minutes, or IndexedDB is unavailable. */
  async getCachedCreator(platform: string, accountId: string): Promise<TCreator | null> {
    return (await this.cache.get(`${platform}-${accountId}`)) as TCreator | null;
  }

  /** Caches the profile for this account (a no-op where IndexedDB is unavailable). Never rejects. */
  async setCachedCreator(platform: string, accountId: string, data: TCreator): Promise<void> {
    await this.cache.set(`${platform}-${accountId}`, data);
  }
}

/** The shared instance the apps import. Creating it touches nothing: the database opens on first use. */
export const creatorCache: CreatorCache = /* @__PURE__ */ new CreatorCache();
