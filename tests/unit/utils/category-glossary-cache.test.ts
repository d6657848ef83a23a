import { describe, expect, expectTypeOf, it } from 'vitest';
import { CategoryGlossaryCache, categoryGlossaryCache, type CategoryWithAccounts } from '../../../src/utils/category-glossary-cache.js';
import { freshIndexedDb, manualClock, readRaw } from '../../helpers/fake-idb.js';

interface GlossaryCategory {
  name: string;
  slug: string;
}
interface Category {
  id: string;
  name: string;
}

const MIB = 1024 * 1024;
const WEEK = 7 * 24 * 60 * 60 * 1000;

describe('CategoryGlossaryCache', () => {
  it('keeps the glossary under all-categories and each category under category-<slug> in CategoryGlossaryCache/categories', async () => {
    const indexedDB = freshIndexedDb();
    const clock = manualClock();
    const cache = new CategoryGlossaryCache<GlossaryCategory, Category>({ indexedDB, now: clock.now });
    const glossary = { M: [{ name: 'Music', slug: 'music' }] };
    const withAccounts = { category: { id: 'c1', name: 'Music' }, accounts: 42 };
    await cache.setCachedCategories(glossary);
    await cache.setCachedCategoryWithAccounts('music', withAccounts);
    expect(await cache.getCachedCategories()).toEqual(glossary);
    expect(await cache.getCachedCategoryWithAccounts('music')).toEqual(withAccounts);
    expect(await cache.getCachedCategoryWithAccounts('gaming')).toBeNull();
    const raw = await readRaw(indexedDB, 'CategoryGlossaryCache', 'categories');
    expect(raw.keyPath).toBe('id');
    expect(raw.records).toEqual([
      { id: 'all-categories', data: glossary, timestamp: clock.now(), size: expect.any(Number) },
      { id: 'category-music', data: withAccounts, timestamp: clock.now(), size: expect.any(Number) },
    ]);
  });

  it('serves entries for 7 days', async () => {
    const clock = manualClock();
    const cache = new CategoryGlossaryCache({ indexedDB: freshIndexedDb(), now: clock.now });
    await cache.setCachedCategories({ A: [] });
    await cache.setCachedCategoryWithAccounts('a', { category: {}, accounts: 1 });
    clock.advance(WEEK - 1);
    expect(await cache.getCachedCategories()).toEqual({ A: [] });
    expect(await cache.getCachedCategoryWithAccounts('a')).toEqual({ category: {}, accounts: 1 });
    clock.advance(1);
    expect(await cache.getCachedCategories()).toBeNull();
    expect(await cache.getCachedCategoryWithAccounts('a')).toBeNull();
  });

  it('stays within 20 MiB: past it, the oldest entries go first (the glossary included, when it is the oldest)', async () => {
    const indexedDB = freshIndexedDb();
    const clock = manualClock();
    const cache = new CategoryGlossaryCache({ indexedDB, now: clock.now });
    await cache.setCachedCategories({ A: ['g'.repeat(MIB)] });
    clock.advance(1);
    const category = { name: 'c'.repeat(MIB - 200) };
    for (let i = 0; i < 21; i++) {
      await cache.setCachedCategoryWithAccounts(`s${i}`, { category, accounts: i });
      clock.advance(1);
    }
    expect(await cache.getCachedCategories()).toBeNull();
    expect(await cache.getCachedCategoryWithAccounts('s0')).toBeNull();
    expect(await cache.getCachedCategoryWithAccounts('s1')).not.toBeNull();
    expect(await cache.getCachedCategoryWithAccounts('s20')).toEqual({ category, accounts: 20 });
    const { meta } = await readRaw(indexedDB, 'CategoryGlossaryCache', 'categories');
    expect(meta.bytes).toBeLessThanOrEqual(20 * MIB);
  });

  it('the ready instance is a CategoryGlossaryCache; in Node it is an empty cache', async () => {
    expect(categoryGlossaryCache).toBeInstanceOf(CategoryGlossaryCache);
    await categoryGlossaryCache.setCachedCategories({});
    expect(await categoryGlossaryCache.getCachedCategories()).toBeNull();
    expect(await categoryGlossaryCache.getCachedCategoryWithAccounts('x')).toBeNull();
  });

  it('types: the glossary and the category are the app\'s types', () => {
    const typed = new CategoryGlossaryCache<GlossaryCategory, Category>({ indexedDB: null });
    expectTypeOf(typed.getCachedCategories).returns.resolves.toEqualTypeOf<Record<string, GlossaryCategory[]> | null>();
    expectTypeOf(typed.getCachedCategoryWithAccounts).returns.resolves.toEqualTypeOf<CategoryWithAccounts<Category> | null>();
    expectTypeOf(typed.setCachedCategoryWithAccounts).parameter(1).toEqualTypeOf<{ category: Category; accounts: number }>();
    // @ts-expect-error accounts is a count
    void typed.setCachedCategoryWithAccounts('s', { category: { id: '1', name: 'x' }, accounts: 'many' });
    const fromReady: Promise<{ [key: string]: GlossaryCategory[] } | null> = categoryGlossaryCache.getCachedCategories();
    void fromReady;
  });
});
