// The accounts the elasticsearch-client tests search, on a real node (tests/integration/elasticsearch-client.int.test.ts)
// and on the in-memory fake (tests/unit/testing/fake-elasticsearch.test.ts): the same data, the same expected results.
import type { AccountDocument, SearchAccountsParams } from '../../src/compat/elasticsearch-queries.js';

/** An account with the fields every fixture shares, and `fields` over them. */
export function account(id: string, fields: Partial<AccountDocument>): AccountDocument {
  return { accountId: id, platform: 'YOUTUBE', madeForKids: false, claimed: false, reviewCount: 1, videoCount: 1, ...fields };
}

/** Eight accounts whose values sit on the documented range bounds. */
export const ACCOUNTS: AccountDocument[] = [
  account('a1', { name: 'MrBeast', handle: 'mrbeast', followerCount: 1_000_000, rating: 5, videoCount: 100_000, reviewCount: 10, country: 'US', language_code: 'en', categories: ['entertainment'], claimed: true }),
  account('a2', { name: 'Beast Philanthropy', handle: 'beastphilanthropy', followerCount: 10_000_000, rating: 4.5, videoCount: 99_999, reviewCount: 0, country: 'US', language_code: 'en', categories: ['charity'] }),
  account('a3', { name: 'Cooking with Anna', handle: 'annacooks', description: 'simple recipes, no beast of a kitchen', followerCount: 999_999, rating: 4, videoCount: 300, reviewCount: 5, country: 'GB', language_code: 'en', categories: ['food'], claimed: true }),
  account('a4', { name: 'Kids Songs', handle: 'kidssongs', followerCount: 5_000_000, rating: 3.5, videoCount: 1000, reviewCount: 100, country: 'US', language_code: 'en', categories: ['music', 'kids'], madeForKids: true }),
  account('a5', { platform: 'TWITCH', name: 'Ninja', handle: 'ninja', followerCount: 18_000_000, rating: 4.8, videoCount: 50, country: 'US', language_code: 'en', categories: ['gaming'], claimed: true }),
  account('a6', { platform: 'TWITCH', name: 'Pokimane', handle: 'pokimane', followerCount: 9_999_999, rating: 4.2, country: 'CA', language_code: 'en', categories: ['gaming'] }),
  account('a7', { platform: 'TWITCH', name: 'Gamer Deutschland', handle: 'gamerde', followerCount: 100_000, rating: 3, country: 'DE', language_code: 'de', categories: ['gaming'] }),
  account('a8', { platform: 'REDDIT', name: 'Reddit Chef', handle: 'redditchef', followerCount: 50_000, country: 'FR', language_code: 'fr', categories: ['food'] }),
];

/** The ids of a result's hits, in order. */
export const ids = (result: { hits: { objectID: string }[] }) => result.hits.map((hit) => hit.objectID);
/** The ids of a result's hits, as a set. */
export const idSet = (result: { hits: { objectID: string }[] }) => new Set(ids(result));
/** What a promise rejected with, or `undefined` when it resolved. */
export const failure = (promise: Promise<unknown>) => promise.then(() => undefined, (e: unknown) => e);

/** Facet counts of {@link ACCOUNTS} with no filter, on the real node and on the fake alike. */
export const ALL_FACETS = {
  platform: { YOUTUBE: 4, TWITCH: 3, REDDIT: 1 },
  categories: { gaming: 3, food: 2, charity: 1, entertainment: 1, kids: 1, music: 1 },
  country: { US: 4, CA: 1, DE: 1, FR: 1, GB: 1 },
  language_code: { en: 6, de: 1, fr: 1 },
  madeForKids: { false: 7, true: 1 },
};

/** A search and the accounts it must find (in any order). */
export type SearchCase = readonly [SearchAccountsParams, readonly string[]];

/** Filters (platform upper-cased, country, language, categories, madeForKids, claimed, combined) and what they find. */
export const FILTER_CASES: readonly SearchCase[] = [
  [{ filters: { platform: ['youtube'] } }, ['a1', 'a2', 'a3', 'a4']],
  [{ filters: { country: ['US'], language: ['en'], platform: ['Twitch'] } }, ['a5']],
  [{ filters: { language: ['de', 'fr'] } }, ['a7', 'a8']],
  [{ filters: { categories: ['gaming'] } }, ['a5', 'a6', 'a7']],
  [{ filters: { madeForKids: true } }, ['a4']],
  [{ filters: { claimed: true } }, ['a1', 'a3', 'a5']],
  [{ query: 'beast', filters: { country: ['GB'] } }, ['a3']],
];

/** Ranges on their bounds: lower inclusive; upper exclusive for followers and reviews, inclusive for rating. */
export const RANGE_CASES: readonly SearchCase[] = [
  [{ filters: { followers: '1M-10M' } }, ['a1', 'a4', 'a6']],
  [{ filters: { followers: '1m-10m' } }, ['a1', 'a4', 'a6']],
  [{ filters: { followers: '100K+' } }, ['a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7']],
  [{ filters: { followers: { min: 50_000, max: 100_000 } } }, ['a8']],
  [{ filters: { rating: { min: 4, max: 5 } } }, ['a1', 'a2', 'a3', 'a5', 'a6']],
  [{ filters: { rating: '3-4' } }, ['a3', 'a4', 'a7']],
  [{ filters: { reviewCount: '0-10' } }, ['a2', 'a3', 'a5', 'a6', 'a7', 'a8']],
];
