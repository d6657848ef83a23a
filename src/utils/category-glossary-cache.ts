import type { CacheOptions } from './cache-options.js';
import { IdbCacheStore } from './idb-cache.js';

/** 7 days */
const EXPIRATION_MS = 7 * 24 * 60 * 60 * 1000;
/** 20 MiB */
const MAX_BYTES = 20 * 1024 * 1024;

/** A category with its account count, as the category page caches it. */
export interface CategoryWithAccounts<TCategory = any> {
  category: TCategory;
  accounts: number;
}

/**
 * The category glossary in the browser's IndexedDB: database `CategoryGlossaryCache`, store `categories`, keyPath
 * `id`: `all-categories` for the glossary (categories grouped by letter) and `` `category-${slug}` `` for one
 * category with its account count; records `{ id, data, timestamp, size }`. Entries are served for 7 days; the
 * estimated total stays within 20 MiB (a write evicts expired and then the oldest entries).
 *
 * Where IndexedDB does not exist (server rendering, Node) or refuses to open (private mode, quota, a blocked
 * upgrade), it is an empty cache: reads resolve to null, writes do nothing, nothing throws.
 *
 * `TGlossaryCategory` and `TCategory` are the app's types (`GlossaryCategory`, `Category`); the ready instance
 * {@link categoryGlossaryCache} leaves them open.
 */
export class CategoryGlossaryCache<TGlossaryCategory = any, TCategory = any> {
  private readonly cache: IdbCacheStore;

  constructor(options?: CacheOptions) {
    this.cache = new IdbCacheStore(
      {
        database: 'CategoryGlossaryCache',
        store: 'categories',
        keyPath: 'id',
        expirationMs: EXPIRATION_MS,
        maxBytes: MAX_BYTES,
      },
      options,
    );
  }

  /** Opens the database (reads and writes do it on first use; concurrent calls share one open). Never rejects. */
  async init(): Promise<void> {
    await this.cache.open();
  }

  /** The glossary (categories by letter), or null when absent, older than 7 days, or IndexedDB is unavailable. */
  async getCachedCategories(): Promise<Record<string, TGlossaryCategory[]> | null> {
    return (await this.cache.get('all-categories')) as Record<string, TGlossaryCategory[]> | null;
  }

  /** Caches the glossary (a no-op where IndexedDB is unavailable). Never rejects. */
  async setCachedCategories(data: Record<string, TGlossaryCategory[]>): Promise<void> {
    await this.cache.set('all-categories', data);
  }

  /** The category and its account count for this slug, or null when absent, expired, or IndexedDB is unavailable. */
  async getCachedCategoryWithAccounts(slug: string): Promise<CategoryWithAccounts<TCategory> | null> {
    return (await this.cache.get(`category-${slug}`)) as CategoryWithAccounts<TCategory> | null;
  }

  /** Caches the category and its account count for this slug (a no-op where IndexedDB is unavailable). Never rejects. */
  async setCachedCategoryWithAccounts(slug: string, data: CategoryWithAccounts<TCategory>): Promise<void> {
    await this.cache.set(`category-${slug}`, data);
  }
}

/** The shared instance the apps import. Creating it touches nothing: the database opens on first use. */
export const categoryGlossaryCache: CategoryGlossaryCache = /* @__PURE__ */ new CategoryGlossaryCache();
