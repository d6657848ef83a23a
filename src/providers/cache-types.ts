/**
 * The public types of the cache. `CacheProvider.client` is the real `BentoCache` instance; these interfaces describe
 * it (cache.ts checks at compile time that bentocache's class satisfies them). They are this package's own because
 * bentocache's declarations import the types of every optional driver (knex, kysely, @aws-sdk/client-dynamodb,
 * orchid-orm, mqtt), which an app does not install: an app compiling with `skipLibCheck: false` would fail on them.
 */

/** Milliseconds, or a duration text such as `'5m'` or `'1h'`. */
export type CacheDuration = number | string;

/** What a factory receives. */
export interface CacheFactoryContext {
  /** Changes this entry's TTL, or skips the Redis tier or the bus for it. */
  setOptions(options: { ttl?: CacheDuration; skipBusNotify?: boolean; skipL2Write?: boolean }): void;
  /** Adds tags to this entry (for `deleteByTag`). */
  setTags(tags: string[]): void;
  /** Fails the call: nothing is cached; a stale value within the grace period is returned instead when there is one. */
  fail(message?: string): void;
  /** Caches nothing and returns `undefined`. */
  skip(): undefined;
  /** The stale value, when there is one within the grace period. */
  gracedEntry: { value: any } | undefined;
}

/** Loads a value on a miss; its return type is the value type of the `getOrSet` call. */
export type CacheFactory<T> = (context: CacheFactoryContext) => T | Promise<T>;

/** Per-call settings; each defaults to the CACHE_* configuration. */
export interface CacheEntryOptions {
  /** How long the value is fresh. */
  ttl?: CacheDuration;
  /** How long past the TTL a stale value may still be served when refreshing fails; `false` for none. */
  grace?: false | CacheDuration;
  /** After a failed refresh, serve the stale value this long before trying again. */
  graceBackoff?: CacheDuration;
  /** Soft timeout of the factory (a stale value is served after it). */
  timeout?: CacheDuration;
  /** Hard timeout of the factory (the call fails with `E_FACTORY_HARD_TIMEOUT`). */
  hardTimeout?: CacheDuration;
  /** Longest wait for another caller's factory run of the same key. */
  lockTimeout?: CacheDuration;
  /** Tags for `deleteByTag`. */
  tags?: string[];
  /** Throw a Redis tier failure instead of falling back to the memory tier. */
  suppressL2Errors?: boolean;
  skipL2Write?: boolean;
  skipBusNotify?: boolean;
}

/** Options of `getOrSet`. */
export interface CacheGetOrSetOptions<T> extends CacheEntryOptions {
  key: string;
  factory: CacheFactory<T>;
  /** Run the factory even when a fresh value is cached. */
  forceFresh?: boolean;
}

/** The operations of the cache (and of each namespace of it). */
export interface CacheOperations {
  /** The cached value of `key`, or the factory's (run once per key and process however many callers wait). */
  getOrSet<T>(options: CacheGetOrSetOptions<T>): Promise<T>;
  getOrSetForever<T>(options: Omit<CacheGetOrSetOptions<T>, 'ttl'>): Promise<T>;
  get<T = any>(options: { key: string; defaultValue?: T | (() => T) | Promise<T> | (() => Promise<T>); grace?: false | CacheDuration; suppressL2Errors?: boolean }): Promise<T>;
  set(options: CacheEntryOptions & { key: string; value: unknown }): Promise<boolean>;
  setForever(options: CacheEntryOptions & { key: string; value: unknown }): Promise<boolean>;
  has(options: { key: string }): Promise<boolean>;
  missing(options: { key: string }): Promise<boolean>;
  pull<T = any>(key: string): Promise<T | undefined | null>;
  /** Removes the entry from every tier and, through the bus, from other processes' memory tiers. */
  delete(options: { key: string }): Promise<boolean>;
  deleteMany(options: { keys: string[] }): Promise<boolean>;
  /** Invalidates every entry tagged with one of `tags`. */
  deleteByTag(options: { tags: string[] }): Promise<boolean>;
  /** Marks the entry stale (kept for the grace period) everywhere. */
  expire(options: { key: string }): Promise<boolean>;
  clear(): Promise<void>;
  /** The same operations on keys under `name:` (invalidated together with `namespace(name).clear()`). */
  namespace(name: string): CacheOperations;
}

/** The cache `CacheProvider.client` hands out: bentocache's `BentoCache`. */
export interface CacheClient extends CacheOperations {
  /** Subscribes to bentocache's events (`cache:hit`, `cache:miss`, `cache:written`, `bus:message:received`, ...). */
  on(event: string, callback: (data: any) => void): unknown;
  off(event: string, callback: (data: any) => void): unknown;
}
