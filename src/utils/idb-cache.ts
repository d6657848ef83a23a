// The IndexedDB store behind the three caches: one database per cache holding one object store of
// `{ <keyPath>: key, data, timestamp, size }` records, an index on [timestamp, size], and a `meta` store with the running
// byte total. What it guarantees:
// - nothing touches IndexedDB before the first call (importing the module does not; server rendering and Node,
//   which have no IndexedDB, get an empty cache);
// - concurrent first calls share one open request;
// - a database that cannot be opened or used (no IndexedDB, private mode, quota, a blocked upgrade, a sandboxed
//   document) is an empty cache: reads give null, writes do nothing, nothing throws;
// - the size bound holds: a write evicts expired entries and then the oldest ones until the new record fits, in
//   the same transaction, reading index keys only (timestamp and size), never the stored values.
import type { CacheOptions, CacheSpec } from './cache-options.js';
import { runtimeIndexedDb, type IdbDatabase, type IdbFactory, type IdbKeyCursor, type IdbTransaction } from './idb.js';
import { describe, IndexedDbError } from './indexed-db-error.js';
import { recordSize } from './record-size.js';

/** Version 1 was the original package's (the store alone); version 2 added the index and the byte total. */
const SCHEMA_VERSION = 2;
/** The index on [timestamp, size]: oldest first, with each entry's counted bytes in its key. */
const AGE_INDEX = 'timestamp';
/** The store holding the running byte total, under TOTAL_KEY. */
const META_STORE = 'meta';
const TOTAL_KEY = 'bytes';

/** Hands a transaction's result over; `guard` wraps a request callback so that a throw aborts the transaction. */
interface Finish<T> {
  (value: T): void;
  guard(callback: () => void): () => void;
}

/** A record as stored. `size` is the estimate counted against the bound. */
interface StoredRecord {
  readonly data: unknown;
  readonly timestamp: number;
  readonly size: number;
}

/** One cache's database. Never throws and never rejects: every failure is reported and read as an empty cache. */
export class IdbCacheStore {
  private readonly spec: CacheSpec;
  private readonly factory: IdbFactory | null | undefined;
  private readonly now: () => number;
  private readonly onError: ((error: unknown) => void) | undefined;
  private connection: Promise<IdbDatabase | null> | undefined;
  private db: IdbDatabase | null = null;
  private warned = false;

  constructor(spec: CacheSpec, options: CacheOptions = {}) {
    this.spec = {
      ...spec,
      expirationMs: options.expirationMs ?? spec.expirationMs,
      maxBytes: options.maxBytes ?? spec.maxBytes,
    };
    this.factory = options.indexedDB as IdbFactory | null | undefined; // the part of the API used is typed in ./idb.ts
    this.now = options.now ?? (() => Date.now()); // read at each call: a page's clock may be replaced
    this.onError = options.onError;
  }

  /** Opens the database once (concurrent callers share the request); resolves to null when it cannot be used. */
  open(): Promise<IdbDatabase | null> {
    if (this.db) return Promise.resolve(this.db);
    this.connection ??= this.request();
    return this.connection;
  }

  /** The entry's data when it exists and is younger than the expiration, else null. */
  async get(key: string): Promise<unknown> {
    const db = await this.open();
    if (!db) return null;
    const record = await this.transact<StoredRecord | undefined>(db, 'readonly', 'read', (tx, finish) => {
      const request = tx.objectStore(this.spec.store).get(key);
      request.onsuccess = finish.guard(() => finish(request.result as StoredRecord | undefined));
    });
    if (!record || typeof record.timestamp !== 'number') return null;
    return this.now() - record.timestamp < this.spec.expirationMs ? record.data : null;
  }

  /**
   * Stores `data` under `key`, stamped now. In one transaction: expired entries and then the oldest ones are deleted
   * until the new record fits the bound. A record larger than the bound on its own is not stored (and the key's
   * previous entry is removed, so that a read does not serve it instead).
   */
  async set(key: string, data: unknown): Promise<void> {
    const db = await this.open();
    if (!db) return;
    const { store: storeName, keyPath, maxBytes, expirationMs } = this.spec;
    const timestamp = this.now();
    let record: Record<string, unknown>;
    try {
      record = { [keyPath]: key, data, timestamp };
      record.size = recordSize(record);
    } catch (error) {
      this.report(new IndexedDbError('write (serializing the entry)', error));
      return;
    }
    const size = record.size as number;
    await this.transact(db, 'readwrite', 'write', (tx, finish) => {
      const store = tx.objectStore(storeName);
      const meta = tx.objectStore(META_STORE);
      const totalRequest = meta.get(TOTAL_KEY);
      const previousRequest = store.get(key);
      previousRequest.onsuccess = finish.guard(() => {
        const stored = totalRequest.result;
        let total = typeof stored === 'number' && Number.isFinite(stored) ? stored : 0;
        const previous = previousRequest.result as StoredRecord | undefined;
        if (previous) total -= typeof previous.size === 'number' ? previous.size : 0;
        const fits = size <= maxBytes;
        if (!fits && previous) store.delete(key);
        const expiredBefore = timestamp - expirationMs;
        // Oldest first, reading [timestamp, size] index keys only; stops at the first entry that may stay.
        const cursorRequest = store.index(AGE_INDEX).openKeyCursor();
        cursorRequest.onsuccess = finish.guard(() => {
          const cursor: IdbKeyCursor | null = cursorRequest.result;
          if (cursor) {
            const [age, entrySize] = cursor.key as [number, number];
            if (cursor.primaryKey === key) {
              cursor.continue(); // the key's own entry: already taken off the total, replaced below
              return;
            }
            if (age <= expiredBefore || (fits && total + size > maxBytes)) {
              store.delete(cursor.primaryKey);
              total -= entrySize;
              cursor.continue();
              return;
            }
          }
          total = Math.max(0, total);
          if (fits) {
            store.put(record); // throws DataCloneError for what IndexedDB cannot store (functions, DOM nodes)
            total += size;
          }
          meta.put(total, TOTAL_KEY);
          finish(undefined);
        });
      });
    });
  }

  private request(): Promise<IdbDatabase | null> {
    return new Promise((resolve) => {
      let factory: IdbFactory | null | undefined;
      try {
        factory = this.factory === undefined ? runtimeIndexedDb() : this.factory;
        if (!factory) {
          resolve(null); // no IndexedDB here (Node, server rendering) or turned off: expected, nothing to report
          return;
        }
        const request = factory.open(this.spec.database, SCHEMA_VERSION);
        request.onupgradeneeded = (event) => {
          try {
            this.upgrade(request.result, event.oldVersion);
          } catch (error) {
            this.report(new IndexedDbError(`upgrade of ${this.spec.database}`, error));
            request.transaction?.abort();
          }
        };
        request.onsuccess = () => {
          // Also when the open was blocked first: the cache is usable from the next call on.
          this.adopt(request.result);
          resolve(request.result);
        };
        request.onerror = (event) => {
          event.preventDefault();
          this.report(new IndexedDbError(`open of ${this.spec.database}`, request.error));
          resolve(null);
        };
        request.onblocked = () => {
          // Another tab holds an older version open and does not close it: empty until it does.
          this.report(new IndexedDbError(`open of ${this.spec.database}`, { name: 'Blocked', message: 'another connection holds an older version open' }));
          resolve(null);
        };
      } catch (error) {
        // SecurityError in an opaque origin (a sandboxed iframe, a data: URL), or a factory that throws.
        this.report(new IndexedDbError(`open of ${this.spec.database}`, error));
        resolve(null);
      }
    });
  }

  /** Creates version 2's layout. Entries of version 1 (the original package's) are dropped: it is a cache. */
  private upgrade(db: IdbDatabase, oldVersion: number): void {
    const { store, keyPath } = this.spec;
    if (oldVersion < SCHEMA_VERSION && db.objectStoreNames.contains(store)) db.deleteObjectStore(store);
    if (oldVersion < SCHEMA_VERSION && db.objectStoreNames.contains(META_STORE)) db.deleteObjectStore(META_STORE);
    db.createObjectStore(store, { keyPath }).createIndex(AGE_INDEX, ['timestamp', 'size']);
    db.createObjectStore(META_STORE);
  }

  private adopt(db: IdbDatabase): void {
    this.db = db;
    const forget = () => {
      if (this.db !== db) return;
      this.db = null;
      this.connection = undefined; // the next call opens again
    };
    // A newer version wants to upgrade (another tab): let it, instead of blocking it.
    db.onversionchange = () => {
      db.close();
      forget();
    };
    // The browser closed the connection (storage cleared, disk error).
    db.onclose = forget;
  }

  /**
   * Runs `body` in a transaction over the cache's store (and `meta` for writes); resolves with what `body` passed to
   * `finish` once the transaction has committed, or undefined when it failed (reported once). Request callbacks wrapped
   * in `finish.guard` abort the transaction on a throw instead of leaving an uncaught exception on the page.
   */
  private transact<T>(
    db: IdbDatabase,
    mode: 'readonly' | 'readwrite',
    operation: string,
    body: (tx: IdbTransaction, finish: Finish<T>) => void,
  ): Promise<T | undefined> {
    return new Promise((resolve) => {
      let value: T | undefined;
      let failure: unknown;
      let tx: IdbTransaction | undefined;
      let settled = false;
      const failed = (error: unknown) => {
        if (settled) return;
        settled = true;
        this.report(new IndexedDbError(`${operation} in ${this.spec.database}`, error));
        resolve(undefined);
      };
      const finish = ((result: T) => {
        value = result;
      }) as Finish<T>;
      finish.guard = (callback) => () => {
        try {
          callback();
        } catch (error) {
          failure = error;
          try {
            tx?.abort();
          } catch {
            // already finished: onabort or oncomplete has run or will run
          }
        }
      };
      try {
        tx = db.transaction(mode === 'readonly' ? this.spec.store : [this.spec.store, META_STORE], mode);
        tx.oncomplete = () => {
          settled = true;
          resolve(value);
        };
        tx.onabort = () => failed(failure ?? tx?.error ?? { name: 'AbortError', message: 'transaction aborted' });
        body(tx, finish);
      } catch (error) {
        // InvalidStateError when the connection is closing (open again next time), NotFoundError for a foreign layout.
        try {
          tx?.abort();
        } catch {
          // not started, or already finished
        }
        if (describe(error).startsWith('InvalidStateError')) {
          this.db = null;
          this.connection = undefined;
        }
        failed(error);
      }
    });
  }

  private report(error: unknown): void {
    if (this.onError) {
      this.onError(error);
      return;
    }
    if (this.warned) return;
    this.warned = true;
    globalThis.console?.warn(`[${this.spec.database}] ${describe(error)}: caching is off for this call (further failures are not logged)`);
  }
}
