import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CacheOptions, CacheSpec } from '../../../src/utils/cache-options.js';
import { IdbCacheStore } from '../../../src/utils/idb-cache.js';
import { IndexedDbError } from '../../../src/utils/indexed-db-error.js';
import { recordSize } from '../../../src/utils/record-size.js';
import type { IdbFactory } from '../../../src/utils/idb.js';
import { countingIndexedDb, freshIndexedDb, manualClock, openRaw, readRaw, type RawDatabase } from '../../helpers/fake-idb.js';

const SPEC: CacheSpec = { database: 'TestCache', store: 'entries', keyPath: 'id', expirationMs: 60_000, maxBytes: 1000 };

function store(options: CacheOptions & { spec?: Partial<CacheSpec> } = {}) {
  const errors: unknown[] = [];
  const clock = manualClock();
  const indexedDB = options.indexedDB === undefined ? freshIndexedDb() : options.indexedDB;
  const cache = new IdbCacheStore({ ...SPEC, ...options.spec }, { now: clock.now, onError: (error) => errors.push(error), ...options, indexedDB });
  return { cache, clock, errors, indexedDB };
}

/** A value whose record is counted for `bytes` bytes (with a key of two characters). */
function sized(bytes: number, clockNow: number): string {
  const overhead = recordSize({ id: 'k0', data: '', timestamp: clockNow });
  return 'x'.repeat(bytes - overhead);
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('IdbCacheStore: reads and expiry', () => {
  it('serves an entry until it is expirationMs old, then null', async () => {
    const { cache, clock, errors } = store();
    await cache.set('k', { n: 1 });
    clock.advance(SPEC.expirationMs - 1);
    expect(await cache.get('k')).toEqual({ n: 1 });
    clock.advance(1);
    expect(await cache.get('k')).toBeNull();
    expect(await cache.get('absent')).toBeNull();
    expect(errors).toEqual([]);
  });

  it('a write replaces the entry and restarts its clock', async () => {
    const { cache, clock } = store();
    await cache.set('k', 'old');
    clock.advance(SPEC.expirationMs - 10);
    await cache.set('k', 'new');
    clock.advance(SPEC.expirationMs - 1);
    expect(await cache.get('k')).toBe('new');
  });

  it('stores the records as { <keyPath>: key, data, timestamp, size }, with an index on [timestamp, size] and the byte total in meta', async () => {
    const { cache, clock, indexedDB } = store();
    await cache.set('a', { title: 'A' });
    const raw = await readRaw(indexedDB!, SPEC.database, SPEC.store);
    const size = recordSize({ id: 'a', data: { title: 'A' }, timestamp: clock.now() });
    expect(raw).toEqual({
      version: 2,
      stores: ['entries', 'meta'],
      keyPath: 'id',
      indexes: { timestamp: ['timestamp', 'size'] },
      records: [{ id: 'a', data: { title: 'A' }, timestamp: clock.now(), size }],
      meta: { bytes: size },
    });
  });
});

describe('IdbCacheStore: the size bound', () => {
  it('evicts the oldest entries first when a write would pass the bound, and the total stays within it', async () => {
    const { cache, clock, indexedDB, errors } = store();
    const value = sized(300, clock.now());
    for (const key of ['k1', 'k2', 'k3']) {
      await cache.set(key, value);
      clock.advance(10);
    }
    // 900 bytes: a fourth entry of 300 makes 1200 > 1000, so k1 (the oldest) goes.
    await cache.set('k4', value);
    expect(await Promise.all(['k1', 'k2', 'k3', 'k4'].map(async (key) => (await cache.get(key)) !== null))).toEqual([false, true, true, true]);
    clock.advance(10);
    // Touching k2 makes it the newest: k3 is now the oldest and goes next.
    await cache.set('k2', value);
    clock.advance(10);
    await cache.set('k5', value);
    expect(await Promise.all(['k2', 'k3', 'k4', 'k5'].map(async (key) => (await cache.get(key)) !== null))).toEqual([true, false, true, true]);
    const raw = await readRaw(indexedDB!, SPEC.database, SPEC.store);
    const total = (raw.records as Array<{ size: number }>).reduce((sum, record) => sum + record.size, 0);
    expect(raw.meta.bytes).toBe(total);
    expect(total).toBeLessThanOrEqual(SPEC.maxBytes);
    expect(errors).toEqual([]);
  });

  it('a cache full of fresh entries does not grow past its bound (the original only removed expired ones)', async () => {
    const { cache, clock, indexedDB } = store();
    for (let i = 0; i < 40; i++) {
      await cache.set(`key-${i}`, sized(120, clock.now()));
      clock.advance(1);
    }
    const raw = await readRaw(indexedDB!, SPEC.database, SPEC.store);
    const keys = (raw.records as Array<{ id: string }>).map((record) => record.id).sort();
    expect(raw.meta.bytes).toBeLessThanOrEqual(SPEC.maxBytes);
    expect(keys).toEqual(['key-32', 'key-33', 'key-34', 'key-35', 'key-36', 'key-37', 'key-38', 'key-39']);
  });

  it('rewriting one key many times counts it once', async () => {
    const { cache, clock, indexedDB } = store();
    await cache.set('stays', sized(300, clock.now()));
    for (let i = 0; i < 20; i++) {
      clock.advance(1);
      await cache.set('hot', sized(300, clock.now()));
    }
    expect(await cache.get('stays')).not.toBeNull();
    const raw = await readRaw(indexedDB!, SPEC.database, SPEC.store);
    const sizes = (raw.records as Array<{ id: string; size: number }>).map((record) => [record.id, record.size]);
    expect(sizes.map(([id]) => id).sort()).toEqual(['hot', 'stays']);
    expect(raw.meta.bytes).toBe(sizes.reduce((sum, [, size]) => sum + Number(size), 0));
  });

  it('removes expired entries on a write even under the bound', async () => {
    const { cache, clock, indexedDB } = store();
    await cache.set('old', 1);
    clock.advance(SPEC.expirationMs);
    await cache.set('new', 2);
    const raw = await readRaw(indexedDB!, SPEC.database, SPEC.store);
    expect((raw.records as Array<{ id: string }>).map((record) => record.id)).toEqual(['new']);
    expect(raw.meta.bytes).toBe((raw.records[0] as { size: number }).size);
  });

  it('an entry larger than the bound on its own is not stored, and the key\'s older entry is removed', async () => {
    const { cache, clock, indexedDB } = store();
    await cache.set('keep', 'small');
    await cache.set('big', 'old value');
    clock.advance(1);
    await cache.set('big', 'y'.repeat(SPEC.maxBytes));
    expect(await cache.get('big')).toBeNull();
    expect(await cache.get('keep')).toBe('small');
    const raw = await readRaw(indexedDB!, SPEC.database, SPEC.store);
    expect(raw.meta.bytes).toBe((raw.records as Array<{ size: number }>).reduce((sum, record) => sum + record.size, 0));
  });

  it('a write reads index keys only: no value cursor, no getAll, and the same few requests with 300 entries as with 3', async () => {
    const { factory, calls } = countingIndexedDb();
    const { cache, clock } = store({ indexedDB: factory, spec: { maxBytes: Number.POSITIVE_INFINITY } });
    const stringify = vi.spyOn(JSON, 'stringify');
    const measure = async (key: string) => {
      calls.store.clear();
      calls.index.clear();
      stringify.mockClear();
      clock.advance(1);
      await cache.set(key, { title: key });
      return { store: Object.fromEntries(calls.store), index: Object.fromEntries(calls.index), stringify: stringify.mock.calls.length };
    };
    for (let i = 0; i < 3; i++) await cache.set(`a${i}`, { title: `a${i}` });
    const few = await measure('probe-1');
    for (let i = 0; i < 300; i++) await cache.set(`b${i}`, { title: `b${i}` });
    const many = await measure('probe-2');
    expect(many).toEqual(few);
    expect(few).toEqual({
      store: { 'meta.get': 1, 'meta.put': 1, 'entries.get': 1, 'entries.index': 1, 'entries.put': 1 },
      index: { 'timestamp.openKeyCursor': 1 },
      stringify: 1, // the new record, once
    });
  });
});

describe('IdbCacheStore: opening', () => {
  it('concurrent first calls open the database once', async () => {
    const { factory, calls } = countingIndexedDb();
    const { cache } = store({ indexedDB: factory });
    await Promise.all([cache.get('a'), cache.set('b', 1), cache.open(), cache.get('c'), cache.set('d', 2)]);
    expect(calls.open).toBe(1);
    await cache.get('b');
    expect(calls.open).toBe(1);
  });

  it('touches no IndexedDB before the first call', async () => {
    const { factory, calls } = countingIndexedDb();
    store({ indexedDB: factory });
    await new Promise((done) => setTimeout(done, 10));
    expect(calls.open).toBe(0);
  });

  it('upgrades a database of the original package (version 1, the store alone): its entries are dropped, the new layout works', async () => {
    const indexedDB = freshIndexedDb();
    const legacy = await openRaw(indexedDB, SPEC.database, 1, (db) => {
      db.createObjectStore(SPEC.store, { keyPath: 'id' }).put({ id: 'legacy', data: 'from v1', timestamp: Date.now() });
    });
    (legacy as RawDatabase).close();
    const { cache, errors } = store({ indexedDB });
    expect(await cache.get('legacy')).toBeNull();
    await cache.set('fresh', 1);
    expect(await cache.get('fresh')).toBe(1);
    expect(errors).toEqual([]);
    expect((await readRaw(indexedDB, SPEC.database, SPEC.store)).indexes).toEqual({ timestamp: ['timestamp', 'size'] });
  });

  it('closes its connection when another tab upgrades, and opens again on the next call', async () => {
    const base = freshIndexedDb();
    const { factory, calls } = countingIndexedDb(base);
    const { cache, errors } = store({ indexedDB: factory });
    await cache.set('k', 1);
    // A newer version elsewhere: it must not be blocked by this connection.
    const upgraded = await openRaw(base, SPEC.database, 3);
    expect(upgraded).not.toBe('blocked');
    (upgraded as RawDatabase).close();
    // Version 3 is newer than this code's: the next call opens again, is refused (VersionError) and reads as empty.
    expect(await cache.get('k')).toBeNull();
    expect(calls.open).toBe(2);
    expect(errors.map(String)).toEqual([expect.stringMatching(/^IndexedDbError: IndexedDB open of TestCache failed \(VersionError/)]);
  });
});

describe('IdbCacheStore: an IndexedDB that refuses is an empty cache', () => {
  const refusals: Array<[string, () => IdbFactory]> = [
    ['open throws (SecurityError, an opaque origin)', () => ({ open: () => { throw new DOMException('access denied', 'SecurityError'); } })],
    [
      'open fails (UnknownError, private mode / disk)',
      () => ({
        open() {
          const request = { onsuccess: null, onerror: null, onupgradeneeded: null, onblocked: null, result: undefined, transaction: null, error: new DOMException('no disk', 'UnknownError') } as never as ReturnType<IdbFactory['open']>;
          setTimeout(() => request.onerror?.({ preventDefault() {} }), 0);
          return request;
        },
      }),
    ],
  ];

  it.each(refusals)('%s: reads null, writes nothing, init resolves, nothing throws', async (_name, make) => {
    const { cache, errors } = store({ indexedDB: make() });
    await expect(cache.open()).resolves.toBeNull();
    await expect(cache.set('k', 1)).resolves.toBeUndefined();
    await expect(cache.get('k')).resolves.toBeNull();
    // Refused once, for the life of the instance: no new attempt per call.
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(IndexedDbError);
  });

  it('no IndexedDB at all (Node, server rendering): empty, and nothing is reported', async () => {
    expect((globalThis as { indexedDB?: unknown }).indexedDB).toBeUndefined();
    const errors: unknown[] = [];
    const cache = new IdbCacheStore(SPEC, { onError: (error) => errors.push(error) });
    const warn = vi.spyOn(console, 'warn');
    await cache.set('k', 1);
    expect(await cache.get('k')).toBeNull();
    expect(errors).toEqual([]);
    expect(warn).not.toHaveBeenCalled();
    // indexedDB: null turns a cache off the same way.
    const off = new IdbCacheStore(SPEC, { indexedDB: null, onError: (error) => errors.push(error) });
    expect(await off.get('k')).toBeNull();
    expect(errors).toEqual([]);
  });

  it('a blocked upgrade reads as empty at once, and the cache works once the other connection closes', async () => {
    const indexedDB = freshIndexedDb();
    const blocker = (await openRaw(indexedDB, SPEC.database, 1)) as RawDatabase; // an old tab that ignores versionchange
    const { cache, errors } = store({ indexedDB });
    await expect(cache.set('k', 1)).resolves.toBeUndefined();
    await expect(cache.get('k')).resolves.toBeNull();
    expect(errors.map(String)).toEqual(['IndexedDbError: IndexedDB open of TestCache failed (Blocked: another connection holds an older version open)']);
    blocker.close();
    await vi.waitFor(async () => {
      await cache.set('k', 2);
      expect(await cache.get('k')).toBe(2);
    });
  });

  it('a write the database refuses (QuotaExceededError) is dropped without a throw, and nothing changes', async () => {
    let full = false;
    const { factory } = countingIndexedDb(freshIndexedDb(), (storeName, name, original) =>
      storeName === SPEC.store && name === 'put'
        ? (...args) => {
            if (full) throw new DOMException('quota', 'QuotaExceededError');
            return original(...args);
          }
        : undefined,
    );
    const { cache, errors, clock } = store({ indexedDB: factory });
    await cache.set('a', 'first');
    full = true;
    clock.advance(SPEC.expirationMs); // 'a' expires: the failed write would have removed it
    await expect(cache.set('b', 'second')).resolves.toBeUndefined();
    full = false;
    expect(errors.map(String)).toEqual([expect.stringMatching(/write in TestCache failed \(QuotaExceededError: quota\)/)]);
    const raw = await readRaw(factory, SPEC.database, SPEC.store);
    expect((raw.records as Array<{ id: string }>).map((record) => record.id)).toEqual(['a']); // rolled back
  });

  it('data IndexedDB cannot store (a function) is dropped without a throw', async () => {
    const { cache, errors } = store();
    await expect(cache.set('f', { run: () => 1 })).resolves.toBeUndefined();
    expect(await cache.get('f')).toBeNull();
    expect(errors.map(String)).toEqual([expect.stringMatching(/write in TestCache failed \(DataCloneError/)]);
  });

  it('data JSON cannot measure (a BigInt) is dropped without a throw', async () => {
    const { cache, errors } = store();
    await expect(cache.set('n', { n: 1n })).resolves.toBeUndefined();
    expect(await cache.get('n')).toBeNull();
    expect(errors.map(String)).toEqual([expect.stringMatching(/write \(serializing the entry\) failed/)]);
  });

  it('without onError, the first failure is one console.warn and later ones are silent', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const cache = new IdbCacheStore(SPEC, { indexedDB: freshIndexedDb() });
    await cache.set('f', () => 1);
    await cache.set('g', () => 2);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toMatch(/^\[TestCache\] IndexedDbError: IndexedDB write in TestCache failed \(DataCloneError/);
  });

  it('a connection the browser closes is opened again on the next call', async () => {
    const { forceCloseDatabase } = await import('fake-indexeddb');
    const { factory, calls } = countingIndexedDb();
    const { cache } = store({ indexedDB: factory });
    await cache.set('k', 1);
    const db = await cache.open();
    forceCloseDatabase((db as unknown as { valueOf(): unknown }) as never);
    await vi.waitFor(async () => {
      expect(await cache.get('k')).toBe(1);
      expect(calls.open).toBe(2);
    });
  });
});
