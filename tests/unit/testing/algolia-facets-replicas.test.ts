import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countableFacets, countFacets, maxValuesPerFacet, requestedFacets } from '../../../src/testing/algolia-facets.js';
import type { AlgoliaRecord } from '../../../src/testing/algolia-filters.js';
import { sortCriteria, sortRecords } from '../../../src/testing/algolia-ranking.js';
import { startAlgoliaServer, type AlgoliaServer } from '../../../src/testing/algolia-server.js';

const records: AlgoliaRecord[] = [
  { objectID: 'a', platform: 'YOUTUBE', tags: ['x', 'y', 'x'], kids: true, followers: 30, score: 2 },
  { objectID: 'b', platform: 'TWITCH', tags: ['x'], kids: false, followers: 10, score: 2 },
  { objectID: 'c', platform: 'YOUTUBE', tags: [], kids: false, score: 1 },
  { objectID: 'd', platform: 'REDDIT', kids: false, followers: 20, meta: { country: 'DE' } },
];

describe('facets of the local Algolia server', () => {
  it('counts only what attributesForFaceting allows (filterOnly excluded, modifiers taken off)', () => {
    const setting = ['platform', 'searchable(tags)', 'filterOnly(kids)', 'afterDistinct(meta.country)'];
    expect(countableFacets(setting)).toEqual(['platform', 'tags', 'meta.country']);
    expect(countableFacets(undefined)).toEqual([]);
    expect(requestedFacets(['platform', 'kids', 'nothing', 'platform'], setting)).toEqual(['platform']);
    expect(requestedFacets('tags, platform', setting)).toEqual(['tags', 'platform']);
    expect(requestedFacets(['*'], setting)).toEqual(['platform', 'tags', 'meta.country']);
    expect(requestedFacets(undefined, setting)).toBeUndefined();
    expect(requestedFacets([], setting)).toBeUndefined();
  });

  it('counts every value once per record, booleans and numbers as text, most frequent first, ties by value', () => {
    expect(countFacets(records, ['platform', 'tags', 'kids', 'followers', 'meta.country', 'missing'], 100)).toEqual({
      platform: { YOUTUBE: 2, REDDIT: 1, TWITCH: 1 },
      tags: { x: 2, y: 1 },
      kids: { false: 3, true: 1 },
      followers: { 10: 1, 20: 1, 30: 1 },
      'meta.country': { DE: 1 },
    });
    expect(Object.keys(countFacets(records, ['platform'], 2).platform!)).toEqual(['YOUTUBE', 'REDDIT']);
  });

  it('maxValuesPerFacet: the search, else the settings, else 100; at most 1000', () => {
    expect(maxValuesPerFacet(undefined, undefined)).toBe(100);
    expect(maxValuesPerFacet(undefined, 5)).toBe(5);
    expect(maxValuesPerFacet(3, 5)).toBe(3);
    expect(maxValuesPerFacet(5000, undefined)).toBe(1000);
    expect(maxValuesPerFacet(-1, 'x')).toBe(100);
  });
});

describe('sorting of the local Algolia server', () => {
  const order = (settings: Record<string, unknown>) => sortRecords([...records], sortCriteria(settings)).map((r) => r.objectID);

  it('sorts by the asc()/desc() entries of ranking, then customRanking; absent values last; ties keep saving order', () => {
    expect(sortCriteria({ ranking: ['typo', 'desc(score)', 'custom'], customRanking: ['asc(followers)'] })).toEqual([
      { attribute: 'score', descending: true }, { attribute: 'followers', descending: false },
    ]);
    expect(order({})).toEqual(['a', 'b', 'c', 'd']);
    expect(order({ customRanking: ['desc(followers)'] })).toEqual(['a', 'd', 'b', 'c']);
    expect(order({ ranking: ['asc(followers)'] })).toEqual(['b', 'd', 'a', 'c']);
    expect(order({ ranking: ['desc(score)'], customRanking: ['asc(followers)'] })).toEqual(['b', 'a', 'c', 'd']);
    expect(order({ customRanking: ['asc(platform)'] })).toEqual(['d', 'b', 'a', 'c']);
    expect(order({ customRanking: ['desc(kids)'] })).toEqual(['a', 'b', 'c', 'd']);
  });
});

describe('replicas, facets and result fields over HTTP', () => {
  let server: AlgoliaServer;
  const call = async (path: string, init: { method?: string; body?: unknown; key?: string } = {}) => {
    const response = await fetch(`${server.url}${path}`, {
      method: init.method ?? 'GET',
      headers: { 'x-algolia-application-id': server.appId, 'x-algolia-api-key': init.key ?? server.writeApiKey, 'content-type': 'application/json' },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const search = async (index: string, params: Record<string, unknown> = {}) =>
    (await call('/1/indexes/*/queries', { method: 'POST', key: server.searchApiKey, body: { requests: [{ indexName: index, ...params }] } }))
      .body as { results: Array<Record<string, unknown> & { hits: AlgoliaRecord[] }> };
  const ids = async (index: string, params: Record<string, unknown> = {}) => (await search(index, params)).results[0]!.hits.map((h) => h.objectID);

  beforeAll(async () => {
    server = await startAlgoliaServer({ appId: 'TESTAPP', writeApiKey: 'write-key', searchApiKey: 'search-key' });
  });
  afterAll(() => server.close());

  it('a replica is created with the primary settings, holds its records, sorts by its own settings and refuses writes', async () => {
    await call('/1/indexes/main/batch', { method: 'POST', body: { requests: records.map((body) => ({ action: 'addObject', body })) } });
    expect((await call('/1/indexes/main/settings', {
      method: 'PUT', body: { customRanking: ['desc(followers)'], attributesForFaceting: ['platform'], replicas: ['main_asc', 'virtual(main_v)'] },
    })).status).toBe(200);
    expect((await call('/1/indexes/main_asc/settings')).body).toMatchObject({ primary: 'main', customRanking: ['desc(followers)'], attributesForFaceting: ['platform'] });
    expect((await call('/1/indexes/main/settings')).body).toMatchObject({ replicas: ['main_asc', 'virtual(main_v)'] });
    await call('/1/indexes/main_asc/settings', { method: 'PUT', body: { ranking: ['asc(followers)'] } });
    expect(await ids('main')).toEqual(['a', 'd', 'b', 'c']);
    expect(await ids('main_asc')).toEqual(['b', 'd', 'a', 'c']);
    expect(await ids('main_v')).toEqual(['a', 'd', 'b', 'c']);

    // Writes to the primary show in the replicas at once; writes to a replica are refused.
    await call('/1/indexes/main/e', { method: 'PUT', body: { platform: 'TIKTOK', followers: 1 } });
    expect(await ids('main_asc')).toEqual(['e', 'b', 'd', 'a', 'c']);
    const refused = await call('/1/indexes/main_asc/f', { method: 'PUT', body: {} });
    expect(refused).toEqual({ status: 400, body: { status: 400, message: 'main_asc is a replica of main: write records to the primary index' } });
    expect((await call('/1/indexes/main_asc/clear', { method: 'POST' })).status).toBe(400);

    // forwardToReplicas applies settings to the replicas too.
    await call('/1/indexes/main/settings?forwardToReplicas=true', { method: 'PUT', body: { hitsPerPage: 2 } });
    expect((await search('main_asc')).results[0]).toMatchObject({ hitsPerPage: 2, nbPages: 3, nbHits: 5 });
  });

  it('a replica cannot be deleted while linked, cannot have replicas; unlinking and deleting the primary keep its records', async () => {
    expect((await call('/1/indexes/main_v', { method: 'DELETE' })).status).toBe(400);
    expect((await call('/1/indexes/main_v/settings', { method: 'PUT', body: { replicas: ['x'] } })).status).toBe(400);
    expect((await call('/1/indexes/other/settings', { method: 'PUT', body: { replicas: ['main_v'] } })).status).toBe(400);
    expect((await call('/1/indexes/main/settings', { method: 'PUT', body: { replicas: ['main'] } })).status).toBe(400);
    expect((await call('/1/indexes/main/settings', { method: 'PUT', body: { replicas: 'main_v' } })).status).toBe(400);

    await call('/1/indexes/main/settings', { method: 'PUT', body: { replicas: ['main_asc'] } });
    expect((await call('/1/indexes/main_v/settings')).body).not.toHaveProperty('primary');
    expect((await call('/1/indexes/main_v/g', { method: 'PUT', body: {} })).status).toBe(200);
    expect(server.indices.get('main_v')?.records.size).toBe(6);
    expect(server.indices.get('main')?.records.size).toBe(5);

    expect((await call('/1/indexes/main', { method: 'DELETE' })).status).toBe(200);
    expect(server.indices.has('main')).toBe(false);
    expect(await ids('main_asc', { hitsPerPage: 10 })).toEqual(['e', 'b', 'd', 'a', 'c']);
    expect((await call('/1/indexes/main_asc/h', { method: 'PUT', body: {} })).status).toBe(200);
  });

  it('answers facets, the exhaustive flags and the params it read, as Algolia does', async () => {
    await call('/1/indexes/f/batch', { method: 'POST', body: { requests: records.map((body) => ({ action: 'addObject', body })) } });
    await call('/1/indexes/f/settings', { method: 'PUT', body: { attributesForFaceting: ['platform', 'filterOnly(kids)', 'tags'] } });
    const [result] = (await search('f', { query: '', filters: 'kids:false', facets: ['platform', 'kids'], hitsPerPage: 1 })).results;
    expect(result).toMatchObject({
      nbHits: 3, hitsPerPage: 1, nbPages: 3, index: 'f', query: '',
      facets: { platform: { REDDIT: 1, TWITCH: 1, YOUTUBE: 1 } },
      exhaustiveFacetsCount: true, exhaustiveNbHits: true, exhaustiveTypo: true,
      exhaustive: { facetsCount: true, nbHits: true, typo: true }, renderingContent: {},
    });
    expect(Object.fromEntries(new URLSearchParams(result!.params as string))).toEqual({
      query: '', filters: 'kids:false', facets: '["platform","kids"]', hitsPerPage: '1',
    });
    for (const field of ['processingTimeMS', 'serverTimeMS']) expect(result![field]).toEqual(expect.any(Number));
    expect(result!.processingTimingsMS).toEqual({ total: expect.any(Number) });

    const [plain] = (await search('f')).results;
    expect(plain).not.toHaveProperty('facets');
    expect(plain).not.toHaveProperty('exhaustiveFacetsCount');
    expect(plain!.exhaustive).toEqual({ nbHits: true, typo: true });
  });
});
