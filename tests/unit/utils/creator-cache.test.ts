import { describe, expect, expectTypeOf, it } from 'vitest';
import { CreatorCache, creatorCache } from '../../../src/utils/creator-cache.js';
import { freshIndexedDb, manualClock, readRaw } from '../../helpers/fake-idb.js';

interface CreatorData {
  account: { name: string; followerCount: number };
}

const MIB = 1024 * 1024;

describe('CreatorCache', () => {
  it('keeps profiles in CreatorCache/creators under `${platform}-${accountId}`, as { id, data, timestamp, size }', async () => {
    const indexedDB = freshIndexedDb();
    const clock = manualClock();
    const cache = new CreatorCache<CreatorData>({ indexedDB, now: clock.now });
    const data = { account: { name: 'A creator', followerCount: 1500 } };
    await cache.setCachedCreator('YOUTUBE', 'UC123', data);
    expect(await cache.getCachedCreator('YOUTUBE', 'UC123')).toEqual(data);
    expect(await cache.getCachedCreator('TWITTER', 'UC123')).toBeNull();
    const raw = await readRaw(indexedDB, 'CreatorCache', 'creators');
    expect(raw.keyPath).toBe('id');
    expect(raw.records).toEqual([{ id: 'YOUTUBE-UC123', data, timestamp: clock.now(), size: expect.any(Number) }]);
  });

  it('serves an entry for 5 minutes', async () => {
    const clock = manualClock();
    const cache = new CreatorCache({ indexedDB: freshIndexedDb(), now: clock.now });
    await cache.setCachedCreator('YOUTUBE', 'a', { n: 1 });
    clock.advance(5 * 60 * 1000 - 1);
    expect(await cache.getCachedCreator('YOUTUBE', 'a')).toEqual({ n: 1 });
    clock.advance(1);
    expect(await cache.getCachedCreator('YOUTUBE', 'a')).toBeNull();
  });

  it('stays within 50 MiB: past it, the oldest profiles go first', async () => {
    const indexedDB = freshIndexedDb();
    const clock = manualClock();
    const cache = new CreatorCache({ indexedDB, now: clock.now });
    const profile = 'p'.repeat(MIB - 200);
    for (let i = 0; i < 53; i++) {
      await cache.setCachedCreator('YOUTUBE', `c${i}`, profile);
      clock.advance(1);
    }
    const present = await Promise.all(Array.from({ length: 53 }, async (_, i) => (await cache.getCachedCreator('YOUTUBE', `c${i}`)) !== null));
    const firstKept = present.indexOf(true);
    expect(firstKept).toBeGreaterThan(0);
    expect(present.slice(0, firstKept).every((kept) => !kept)).toBe(true);
    expect(present.slice(firstKept).every(Boolean)).toBe(true);
    const { meta } = await readRaw(indexedDB, 'CreatorCache', 'creators');
    expect(meta.bytes).toBeLessThanOrEqual(50 * MIB);
    expect(meta.bytes).toBeGreaterThan(49 * MIB);
  });

  it('init() opens the database and never rejects', async () => {
    await expect(new CreatorCache({ indexedDB: freshIndexedDb() }).init()).resolves.toBeUndefined();
    await expect(new CreatorCache({ indexedDB: { open: () => { throw new Error('refused'); } }, onError: () => {} }).init()).resolves.toBeUndefined();
  });

  it('the ready instance is a CreatorCache; in Node (no IndexedDB) it is an empty cache', async () => {
    expect(creatorCache).toBeInstanceOf(CreatorCache);
    await creatorCache.setCachedCreator('YOUTUBE', 'x', { n: 1 });
    expect(await creatorCache.getCachedCreator('YOUTUBE', 'x')).toBeNull();
  });

  it('types: the data type is the app\'s (any on the ready instance, as apps assign it to their own types)', () => {
    const typed = new CreatorCache<CreatorData>({ indexedDB: null });
    expectTypeOf(typed.getCachedCreator).returns.resolves.toEqualTypeOf<CreatorData | null>();
    expectTypeOf(typed.setCachedCreator).parameter(2).toEqualTypeOf<CreatorData>();
    expectTypeOf(typed.setCachedCreator).returns.toEqualTypeOf<Promise<void>>();
    // @ts-expect-error a profile of another shape is refused
    void typed.setCachedCreator('YOUTUBE', 'x', { other: true });
    const fromReady: Promise<CreatorData | null> = creatorCache.getCachedCreator('YOUTUBE', 'x');
    void fromReady;
  });
});
