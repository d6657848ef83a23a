import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { getSearchAccounts, type SearchAccount, type SearchAccountsFilters, type SearchAccountsParams } from '../../src/compat/algolia-client.js';
import { setDefaultContainer } from '../../src/compat/default-container.js';
import { createDbContainer, type DbContainer } from '../../src/container.js';
import { ConfigError, DisposedError, ProviderError } from '../../src/errors.js';
import { AlgoliaProvider } from '../../src/providers/algolia.js';
import { captureLogs } from '../helpers/logs.js';
import { consoleOf, expectNoneOf, renderings } from '../helpers/leaks.js';
import '../helpers/mongo-servers.js';

// getSearchAccounts through the default container, as the web app's search route calls it, against the local Algolia
// server: the accounts index with sorted replicas under a prefix of this file's own.
const local = inject('algolia');
const PREFIX = `sa${randomBytes(3).toString('hex')}_`;
const logs = captureLogs();
const containers: DbContainer[] = [];

const account = (a: Partial<SearchAccount> & Pick<SearchAccount, 'objectID' | 'platform' | 'followerCount' | 'rating' | 'reviewCount'>): SearchAccount => ({
  accountId: a.objectID, handle: `@${a.objectID}`, name: a.objectID, imageUrl: `https://img.example/${a.objectID}.png`,
  madeForKids: false, categories: [], createdDate: '2024-01-01T00:00:00.000Z', ...a,
});

/** Bounds sit on the values: every range test has a value at its min (kept) and one at its max (left out). */
const ACCOUNTS: SearchAccount[] = [
  account({ objectID: 'yt-tech', platform: 'YOUTUBE', followerCount: 2_000_000, rating: 4.8, videoCount: 1200, reviewCount: 340, country: 'US', language_code: 'en', categories: ['tech', 'gaming'] }),
  account({ objectID: 'yt-kids', platform: 'YOUTUBE', followerCount: 500_000, rating: 4.2, videoCount: 300, reviewCount: 12, country: 'GB', language_code: 'en', madeForKids: true, categories: ['kids', 'education'] }),
  account({ objectID: 'tw-game', platform: 'TWITCH', followerCount: 80_000, rating: 3.9, videoCount: 0, reviewCount: 45, country: 'DE', language_code: 'de', categories: ['gaming'] }),
  account({ objectID: 'ig-food', platform: 'INSTAGRAM', followerCount: 1_000_000, rating: 4.5, reviewCount: 100, country: 'FR', language_code: 'fr', categories: ['food & drink'] }),
  account({ objectID: 'rd-news', platform: 'REDDIT', followerCount: 10_000, rating: 2.5, reviewCount: 3, country: 'US', language_code: 'en', categories: ['tech news'] }),
  account({ objectID: 'tt-dance', platform: 'TIKTOK', followerCount: 5_000_000, rating: 3.2, videoCount: 800, reviewCount: 0, country: 'BR', language_code: 'pt', madeForKids: true, categories: ['dance'] }),
  account({ objectID: 'yt-cook', platform: 'YOUTUBE', followerCount: 100_000, rating: 5, videoCount: 50, reviewCount: 1000, country: 'IN', language_code: 'hi', categories: ['food & drink'] }),
];
/** `claimed` is indexed but not part of a hit's type. */
const CLAIMED = new Set(['yt-tech', 'tw-game', 'tt-dance']);

/** The sorted replicas: `accounts_<sortBy>_<sortOrder>` and their ranking. */
const REPLICAS: Record<string, string> = {
  accounts_followed_asc: 'asc(followerCount)',
  accounts_rating_desc: 'desc(rating)',
  accounts_rating_asc: 'asc(rating)',
  accounts_reviewCount_desc: 'desc(reviewCount)',
  accounts_reviewCount_asc: 'asc(reviewCount)',
};

const byFollowersDesc = [...ACCOUNTS].sort((a, b) => b.followerCount - a.followerCount).map((a) => a.objectID);

function container(env: Record<string, string>): DbContainer {
  const c = createDbContainer({ env: { ALGOLIA_APP_ID: local.appId, ALGOLIA_HOSTS: local.url, ALGOLIA_INDEX_PREFIX: PREFIX, ...env }, logger: logs.logger });
  containers.push(c);
  return c;
}

/** Points the default container (what the subpath uses) at a search-only container of this file. */
function useDefault(env: Record<string, string> = { ALGOLIA_SEARCH_API_KEY: local.searchApiKey }): DbContainer {
  const c = container(env);
  setDefaultContainer(c);
  return c;
}

const search = async (params: SearchAccountsParams) => (await getSearchAccounts({ ...params })).hits.map((hit) => hit.objectID);
const filtered = (filters: SearchAccountsFilters) => search({ filters });

beforeAll(async () => {
  const algolia = container({ ALGOLIA_WRITE_API_KEY: local.writeApiKey }).resolve(AlgoliaProvider);
  const client = algolia.client;
  const accounts = algolia.indexName('accounts');
  await client.saveObjects({ indexName: accounts, objects: ACCOUNTS.map((a) => ({ ...a, claimed: CLAIMED.has(a.objectID) })), waitForTasks: true });
  await client.setSettings({
    indexName: accounts,
    indexSettings: {
      customRanking: ['desc(followerCount)'],
      attributesForFaceting: ['platform', 'searchable(categories)', 'country', 'language_code', 'madeForKids', 'filterOnly(claimed)'],
      hitsPerPage: 20,
      replicas: Object.keys(REPLICAS).map((name) => algolia.indexName(name)),
    },
  });
  for (const [name, criterion] of Object.entries(REPLICAS)) {
    await client.setSettings({ indexName: algolia.indexName(name), indexSettings: { ranking: [criterion, 'typo', 'words', 'custom'] } });
  }
  useDefault();
});

afterAll(async () => {
  setDefaultContainer(undefined);
  for (const c of containers) await c.dispose();
});

describe('getSearchAccounts against the local Algolia server', () => {
  it('searches accounts with the search-only key: query "" and page 0 by default, the result as Algolia sent it', async () => {
    const c = useDefault();
    const result = await getSearchAccounts({});
    expect(result).toMatchObject({ index: `${PREFIX}accounts`, query: '', page: 0, nbHits: 7, nbPages: 1, hitsPerPage: 20 });
    expect(result.hits.map((hit) => hit.objectID)).toEqual(byFollowersDesc);
    expect(result.hits[0]).toEqual({ ...ACCOUNTS.find((a) => a.objectID === 'tt-dance'), claimed: true });
    expect(Object.fromEntries(new URLSearchParams(result.params))).toEqual({
      query: '', page: '0', facets: '["platform","categories","country","language_code","madeForKids"]',
    });
    // The same request through the search client directly gives the same result, up to the timings.
    const direct = await c.resolve(AlgoliaProvider).searchClient.search({
      requests: [{ indexName: `${PREFIX}accounts`, query: '', page: 0, facets: ['platform', 'categories', 'country', 'language_code', 'madeForKids'] }],
    });
    const untimed = (value: object) => ({ ...value, processingTimeMS: 0, processingTimingsMS: {}, serverTimeMS: 0 });
    expect(untimed(result)).toEqual(untimed(direct.results[0]!));
    expect((await getSearchAccounts({ query: 'food' })).hits.map((hit) => hit.objectID).sort()).toEqual(['ig-food', 'yt-cook']);
  });

  it('also with the NEXT_PUBLIC_ pair the web app sets', async () => {
    useDefault({ ALGOLIA_APP_ID: '', NEXT_PUBLIC_ALGOLIA_APP_ID: local.appId, NEXT_PUBLIC_ALGOLIA_SEARCH_API_KEY: local.searchApiKey });
    expect((await getSearchAccounts({ filters: { platform: ['reddit'] } })).hits.map((hit) => hit.objectID)).toEqual(['rd-news']);
    useDefault();
  });

  it.each([
    [undefined, undefined, 'accounts', byFollowersDesc],
    ['followed', 'desc', 'accounts', byFollowersDesc],
    ['followed', 'asc', 'accounts_followed_asc', [...byFollowersDesc].reverse()],
    ['rating', 'desc', 'accounts_rating_desc', ['yt-cook', 'yt-tech', 'ig-food', 'yt-kids', 'tw-game', 'tt-dance', 'rd-news']],
    ['rating', 'asc', 'accounts_rating_asc', ['rd-news', 'tt-dance', 'tw-game', 'yt-kids', 'ig-food', 'yt-tech', 'yt-cook']],
    ['reviewCount', 'desc', 'accounts_reviewCount_desc', ['yt-cook', 'yt-tech', 'ig-food', 'tw-game', 'yt-kids', 'rd-news', 'tt-dance']],
    ['reviewCount', 'asc', 'accounts_reviewCount_asc', ['tt-dance', 'rd-news', 'yt-kids', 'tw-game', 'ig-food', 'yt-tech', 'yt-cook']],
  ] as const)('sortBy %s, sortOrder %s: the index %s', async (sortBy, sortOrder, index, order) => {
    const result = await getSearchAccounts({ ...(sortBy ? { sortBy } : {}), ...(sortOrder ? { sortOrder } : {}) });
    expect(result.index).toBe(`${PREFIX}${index}`);
    expect(result.hits.map((hit) => hit.objectID)).toEqual(order);
  });

  it.each<[string, SearchAccountsFilters, string[]]>([
    ['platform (any case)', { platform: ['youtube', 'Twitch'] }, ['yt-tech', 'yt-kids', 'yt-cook', 'tw-game']],
    ['categories (quoted, with spaces and &)', { categories: ['food & drink', 'tech news'] }, ['ig-food', 'yt-cook', 'rd-news']],
    ['country', { country: ['US', 'DE'] }, ['yt-tech', 'tw-game', 'rd-news']],
    ['language', { language: ['en'] }, ['yt-tech', 'yt-kids', 'rd-news']],
    ['claimed', { claimed: true }, [...CLAIMED]],
    ['not claimed', { claimed: false }, ACCOUNTS.map((a) => a.objectID).filter((id) => !CLAIMED.has(id))],
    ['made for kids', { madeForKids: true }, ['yt-kids', 'tt-dance']],
    ['not made for kids', { madeForKids: false }, ['yt-tech', 'tw-game', 'ig-food', 'rd-news', 'yt-cook']],
  ])('the %s filter alone', async (_, filters, expected) => {
    expect((await filtered(filters)).sort()).toEqual([...expected].sort());
  });

  it.each<[string, SearchAccountsFilters, string[]]>([
    ['followers on followerCount', { followers: { min: 100_000, max: 2_000_000 } }, ['yt-cook', 'yt-kids', 'ig-food']],
    ['rating on rating', { rating: { min: 3.9, max: 4.8 } }, ['tw-game', 'yt-kids', 'ig-food']],
    // Upstream filtered these two on rating (`rating >= 300 AND rating < 1200`): nothing matched.
    ['videoCount on videoCount', { videoCount: { min: 300, max: 1200 } }, ['yt-kids', 'tt-dance']],
    ['reviewCount on reviewCount', { reviewCount: { min: 12, max: 340 } }, ['yt-kids', 'tw-game', 'ig-food']],
    ['a string range as is', { videoCount: 'videoCount:50 TO 300' }, ['yt-cook', 'yt-kids']],
    ['a string range on another field', { reviewCount: 'followerCount > 1000000' }, ['yt-tech', 'tt-dance']],
  ])('range %s: min inclusive, max exclusive', async (_, filters, expected) => {
    expect((await filtered(filters)).sort()).toEqual([...expected].sort());
  });

  it('all filters combined narrow down together', async () => {
    const all: SearchAccountsFilters = {
      platform: ['youtube', 'twitch'], categories: ['gaming'], country: ['US', 'DE'], language: ['en', 'de'], claimed: true,
      madeForKids: false, followers: { min: 80_000, max: 3_000_000 }, rating: { min: 3.9, max: 5 }, videoCount: { min: 0, max: 1201 },
      reviewCount: { min: 45, max: 341 },
    };
    expect((await filtered(all)).sort()).toEqual(['tw-game', 'yt-tech']);
    // Each filter still counts: tightening any one of them drops an account.
    expect(await filtered({ ...all, rating: { min: 4, max: 5 } })).toEqual(['yt-tech']);
    expect(await filtered({ ...all, videoCount: { min: 0, max: 1200 } })).toEqual(['tw-game']);
    expect(await filtered({ ...all, reviewCount: { min: 46, max: 341 } })).toEqual(['yt-tech']);
    expect(await filtered({ ...all, country: ['DE'] })).toEqual(['tw-game']);
    expect(await filtered({ ...all, claimed: false })).toEqual([]);
  });

  it('counts the five facets over every match, and pages by the index hitsPerPage', async () => {
    const { facets } = await getSearchAccounts({});
    expect(facets).toEqual({
      platform: { YOUTUBE: 3, INSTAGRAM: 1, REDDIT: 1, TIKTOK: 1, TWITCH: 1 },
      categories: { 'food & drink': 2, gaming: 2, dance: 1, education: 1, kids: 1, tech: 1, 'tech news': 1 },
      country: { US: 2, BR: 1, DE: 1, FR: 1, GB: 1, IN: 1 },
      language_code: { en: 3, de: 1, fr: 1, hi: 1, pt: 1 },
      madeForKids: { false: 5, true: 2 },
    });
    const youtube = await getSearchAccounts({ filters: { platform: ['youtube'] }, page: 0 });
    expect(youtube.facets).toEqual({
      platform: { YOUTUBE: 3 },
      categories: { education: 1, 'food & drink': 1, gaming: 1, kids: 1, tech: 1 },
      country: { GB: 1, IN: 1, US: 1 },
      language_code: { en: 2, hi: 1 },
      madeForKids: { false: 2, true: 1 },
    });

    const writer = container({ ALGOLIA_WRITE_API_KEY: local.writeApiKey }).resolve(AlgoliaProvider);
    await writer.client.setSettings({ indexName: writer.indexName('accounts'), indexSettings: { hitsPerPage: 3 }, forwardToReplicas: true });
    try {
      const pages = await Promise.all([0, 1, 2, 3].map((page) => getSearchAccounts({ page })));
      expect(pages.map((p) => [p.page, p.nbPages, p.hitsPerPage, p.nbHits])).toEqual([[0, 3, 3, 7], [1, 3, 3, 7], [2, 3, 3, 7], [3, 3, 3, 7]]);
      expect(pages.flatMap((p) => p.hits.map((hit) => hit.objectID))).toEqual(byFollowersDesc);
      expect(pages[3]!.hits).toEqual([]);
      // Facets count every match, not the page.
      expect(pages[2]!.facets.platform).toEqual({ YOUTUBE: 3, INSTAGRAM: 1, REDDIT: 1, TIKTOK: 1, TWITCH: 1 });
      // A replica pages the same way; `limit` is accepted and does not change the page size, as before.
      const replica = await getSearchAccounts({ sortBy: 'rating', sortOrder: 'asc', page: 1, limit: 50 });
      expect(replica.hits.map((hit) => hit.objectID)).toEqual(['yt-kids', 'ig-food', 'yt-tech']);
    } finally {
      await writer.client.setSettings({ indexName: writer.indexName('accounts'), indexSettings: { hitsPerPage: 20 }, forwardToReplicas: true });
    }
  });

  it('a wrong key gives a ProviderError naming algolia and the function, with the key nowhere and nothing printed', async () => {
    const wrongKey = `wrong-${randomBytes(12).toString('hex')}`;
    useDefault({ ALGOLIA_SEARCH_API_KEY: wrongKey });
    const { value: error, printed } = await consoleOf(() => getSearchAccounts({ query: 'tech' }).then(() => undefined, (e: unknown) => e));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ name: 'ProviderError', provider: 'algolia', message: '[algolia] getSearchAccounts failed: Invalid Application-ID or API key' });
    expect((error as ProviderError).cause).toMatchObject({ name: 'ApiError', status: 403 });
    expect(printed).toBe('');
    expectNoneOf(renderings(error), [wrongKey, encodeURIComponent(wrongKey)], 'the error');
    expectNoneOf(logs.text(), [wrongKey], 'the log');
    useDefault();
  });

  it('a missing replica is a ProviderError; no search key is a ConfigError; after disposal a DisposedError', async () => {
    await expect(getSearchAccounts({ sortBy: 'nothing', sortOrder: 'asc' })).rejects.toThrow(
      /^\[algolia\] getSearchAccounts failed: Index does not exist$/,
    );
    useDefault({ ALGOLIA_WRITE_API_KEY: local.writeApiKey });
    await expect(getSearchAccounts({})).rejects.toBeInstanceOf(ConfigError);
    const c = useDefault();
    await c.dispose();
    await expect(getSearchAccounts({})).rejects.toBeInstanceOf(DisposedError);
    useDefault();
  });
});
