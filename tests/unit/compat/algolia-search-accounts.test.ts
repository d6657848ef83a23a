import { afterEach, describe, expect, it } from 'vitest';
import { getSearchAccounts } from '../../../src/compat/algolia-client.js';
import { ProviderError } from '../../../src/errors.js';
import { AlgoliaProvider } from '../../../src/providers/algolia.js';
import { createTestContainer } from '../../../src/testing/index.js';

// An app's unit test with the test container as the default: getSearchAccounts runs on the fake Algolia (the local
// server's logic in process) with no network.
const disposals: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const dispose of disposals.splice(0)) await dispose();
});

describe('getSearchAccounts on the test container', () => {
  it('searches the fake accounts index and its replicas; a missing index is a ProviderError naming the function', async () => {
    const c = createTestContainer({ asDefault: true });
    disposals.push(async () => c.dispose());
    const algolia = c.resolve(AlgoliaProvider);
    await algolia.client.saveObjects({
      indexName: 'accounts',
      objects: [
        { objectID: 'a', platform: 'YOUTUBE', followerCount: 10, rating: 4, videoCount: 5, categories: ['tech'] },
        { objectID: 'b', platform: 'TWITCH', followerCount: 20, rating: 3, videoCount: 50, categories: ['gaming'] },
      ],
    });
    await algolia.client.setSettings({
      indexName: 'accounts',
      indexSettings: { customRanking: ['desc(followerCount)'], attributesForFaceting: ['platform'], replicas: ['accounts_rating_desc'] },
    });
    await algolia.client.setSettings({ indexName: 'accounts_rating_desc', indexSettings: { ranking: ['desc(rating)'] } });

    const all = await getSearchAccounts({});
    expect(all).toMatchObject({ index: 'accounts', nbHits: 2, page: 0, facets: { platform: { TWITCH: 1, YOUTUBE: 1 } } });
    expect(all.hits.map((hit) => hit.objectID)).toEqual(['b', 'a']);
    expect((await getSearchAccounts({ sortBy: 'rating', sortOrder: 'desc' })).hits.map((hit) => hit.objectID)).toEqual(['a', 'b']);
    expect((await getSearchAccounts({ filters: { videoCount: { min: 5, max: 50 } } })).hits.map((hit) => hit.objectID)).toEqual(['a']);

    const error = await getSearchAccounts({ sortBy: 'rating', sortOrder: 'asc' }).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as Error).message).toBe('[algolia] getSearchAccounts failed: Index does not exist');
  });
});
