// IndexedDB for the /utils cache tests: fake-indexeddb's in-memory factory (a fresh one per test, so databases never
// leak between tests), with counters for the calls a test wants to bound, and raw reads of what a cache stored.
import { IDBFactory } from 'fake-indexeddb';
import type { IndexedDbFactory } from '../../src/utils/cache-options.js';
import type { IdbFactory } from '../../src/utils/idb.js';

/** A fresh, empty in-memory IndexedDB. */
export function freshIndexedDb(): IdbFactory {
  return new IDBFactory() as unknown as IdbFactory;
}

/** Calls counted on a factory's databases: opens, and per object store method. */
export interface IdbCalls {
  open: number;
  /** `${store}.${method}` -> calls (get, put, delete, openCursor, openKeyCursor, getAll, count, ...). */
  readonly store: Map<string, number>;
  /** Index method calls, `${index}.${method}`. */
  readonly index: Map<string, number>;
}

type AnyFn = (...args: unknown[]) => unknown;

/** Wraps a method table so that each call is counted under `${label}.${name}`, optionally replaced by `override`. */
function counted<T extends object>(target: T, label: string, calls: Map<string, number>, override?: (name: string, original: AnyFn) => AnyFn | undefined): T {
  return new Proxy(target, {
    get(object, name) {
      const value = Reflect.get(object, name, object) as unknown;
      if (typeof value !== 'function' || typeof name !== 'string') return value;
      const original = (value as AnyFn).bind(object);
      const replaced = override?.(name, original) ?? original;
      return (...args: unknown[]) => {
        calls.set(`${label}.${name}`, (calls.get(`${label}.${name}`) ?? 0) + 1);
        return replaced(...args);
      };
    },
    set(object, name, value) {
      return Reflect.set(object, name, value, object);
    },
  });
}

/**
 * A factory whose databases count what the caches call. `storeOverride` may replace a store method (to make `put`
 * throw QuotaExceededError, say).
 */
export function countingIndexedDb(
  base: IdbFactory = freshIndexedDb(),
  storeOverride?: (store: string, name: string, original: AnyFn) => AnyFn | undefined,
): { factory: IdbFactory; calls: IdbCalls } {
  const calls: IdbCalls = { open: 0, store: new Map(), index: new Map() };
  const wrapStore = (store: { name: string; index(name: string): object }) =>
    counted(store, store.name, calls.store, (name, original) => {
      if (name === 'index') return (indexName: unknown) => counted((original as (n: unknown) => object)(indexName), String(indexName), calls.index);
      return storeOverride?.(store.name, name, original);
    });
  const wrapTx = (tx: { objectStore(name: string): unknown }) =>
    new Proxy(tx, {
      get(object, name) {
        const value = Reflect.get(object, name, object) as unknown;
        if (name === 'objectStore') return (storeName: string) => wrapStore(object.objectStore(storeName) as { name: string; index(name: string): object });
        return typeof value === 'function' ? (value as AnyFn).bind(object) : value;
      },
      set(object, name, value) {
        return Reflect.set(object, name, value, object);
      },
    });
  const wrapDb = (db: { transaction(...args: unknown[]): { objectStore(name: string): unknown } }) =>
    new Proxy(db, {
      get(object, name) {
        const value = Reflect.get(object, name, object) as unknown;
        if (name === 'transaction') return (...args: unknown[]) => wrapTx(object.transaction(...args));
        return typeof value === 'function' ? (value as AnyFn).bind(object) : value;
      },
      set(object, name, value) {
        return Reflect.set(object, name, value, object);
      },
    });
  const factory: IdbFactory = {
    open(name, version) {
      calls.open++;
      const request = base.open(name, version);
      return new Proxy(request, {
        get(object, key) {
          const value = Reflect.get(object, key, object) as unknown;
          if (key === 'result' && value && typeof value === 'object') return wrapDb(value as never);
          return typeof value === 'function' ? (value as AnyFn).bind(object) : value;
        },
        set(object, key, value) {
          return Reflect.set(object, key, value, object);
        },
      });
    },
  };
  return { factory, calls };
}

/** Opens `database` as it is (no upgrade), returns its object store names, its version and every record of `store`. */
export async function readRaw(
  factory: IndexedDbFactory,
  database: string,
  store: string,
): Promise<{ version: number; stores: string[]; keyPath: unknown; indexes: Record<string, unknown>; records: unknown[]; meta: Record<string, unknown> }> {
  const raw = factory as unknown as { open(name: string): IDBOpenRequestLike };
  const db = await new Promise<RawDb>((resolve, reject) => {
    const request = raw.open(database);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  try {
    const tx = db.transaction([...db.objectStoreNames], 'readonly');
    const all = (name: string) =>
      new Promise<unknown[]>((resolve) => {
        const request = tx.objectStore(name).getAll();
        request.onsuccess = () => resolve(request.result as unknown[]);
      });
    const keys = (name: string) =>
      new Promise<unknown[]>((resolve) => {
        const request = tx.objectStore(name).getAllKeys();
        request.onsuccess = () => resolve(request.result as unknown[]);
      });
    const object = tx.objectStore(store);
    const indexes = Object.fromEntries([...object.indexNames].map((name) => [name, object.index(name).keyPath]));
    const metaNames = [...db.objectStoreNames].includes('meta');
    const [records, metaKeys, metaValues] = await Promise.all([all(store), metaNames ? keys('meta') : [], metaNames ? all('meta') : []]);
    return {
      version: db.version,
      stores: [...db.objectStoreNames].sort(),
      keyPath: object.keyPath,
      indexes,
      records,
      meta: Object.fromEntries(metaKeys.map((key, i) => [String(key), metaValues[i]])),
    };
  } finally {
    db.close();
  }
}

interface IDBOpenRequestLike {
  result: RawDb;
  error: unknown;
  onsuccess: (() => void) | null;
  onerror: (() => void) | null;
}
interface RawRequest {
  result: unknown;
  onsuccess: (() => void) | null;
}
interface RawDb {
  version: number;
  objectStoreNames: Iterable<string>;
  transaction(names: string[], mode: 'readonly'): { objectStore(name: string): RawStore };
  close(): void;
}
interface RawStore {
  keyPath: unknown;
  indexNames: Iterable<string>;
  index(name: string): { keyPath: unknown };
  getAll(): RawRequest;
  getAllKeys(): RawRequest;
}

/** A database opened directly (an old tab, another version of the code): close() it when done. */
export interface RawDatabase {
  readonly version: number;
  close(): void;
}

/**
 * Opens `name` at `version` on `factory` directly, running `upgrade` (which may create stores and put records) when it
 * upgrades. Resolves to the open database, or to 'blocked' when another connection blocks the upgrade.
 */
export function openRaw(
  factory: IndexedDbFactory,
  name: string,
  version: number,
  upgrade?: (db: { createObjectStore(name: string, options?: { keyPath?: string }): { put(value: unknown): unknown } }) => void,
): Promise<RawDatabase | 'blocked'> {
  return new Promise((resolve, reject) => {
    const request = (factory as unknown as { open(name: string, version: number): RawOpenRequest }).open(name, version);
    request.onupgradeneeded = () => upgrade?.(request.result as never);
    request.onblocked = () => resolve('blocked');
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error as Error);
  });
}

interface RawOpenRequest {
  readonly result: RawDatabase;
  readonly error: unknown;
  onupgradeneeded: (() => void) | null;
  onblocked: (() => void) | null;
  onsuccess: (() => void) | null;
  onerror: (() => void) | null;
}

/** A clock the test moves by hand. */
export function manualClock(start = 1_700_000_000_000): { now: () => number; set(ms: number): void; advance(ms: number): void } {
  let time = start;
  return {
    now: () => time,
    set: (ms) => {
      time = ms;
    },
    advance: (ms) => {
      time += ms;
    },
  };
}
