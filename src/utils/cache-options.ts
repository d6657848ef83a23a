// What a cache is (its spec) and what its user may set (its options).

/** An IndexedDB factory, typed loosely so that the DOM's `IDBFactory` and fake-indexeddb's both fit. */
export interface IndexedDbFactory {
  open(name: string, version: number): unknown;
}

/** Options every cache class accepts; each has its documented defaults. */
export interface CacheOptions {
  /**
   * The IndexedDB factory to use (`window.indexedDB`, fake-indexeddb's `IDBFactory`); `null` turns the cache off.
   * @default `globalThis.indexedDB`, read on first use (never at import)
   */
  readonly indexedDB?: IndexedDbFactory | null;
  /** How long an entry is served after it was written, in milliseconds. @default the cache's own (see each class) */
  readonly expirationMs?: number;
  /** The bound on the estimated bytes of all entries. @default the cache's own (see each class) */
  readonly maxBytes?: number;
  /** The clock, in milliseconds since the epoch. @default Date.now */
  readonly now?: () => number;
  /**
   * Called with every IndexedDB failure (the cache then behaves as empty for that call).
   * @default one `console.warn` per cache instance, on the first failure; none where IndexedDB does not exist
   */
  readonly onError?: (error: unknown) => void;
}

/** Where and how one cache keeps its entries. */
export interface CacheSpec {
  readonly database: string;
  readonly store: string;
  readonly keyPath: string;
  readonly expirationMs: number;
  readonly maxBytes: number;
}
