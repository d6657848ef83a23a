import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileFacetFilters, compileFilters, compileNumericFilters, FilterSyntaxError, type AlgoliaRecord } from '../../../src/testing/algolia-filters.js';
import { startAlgoliaServer, type AlgoliaServer } from '../../../src/testing/algolia-server.js';

const creator: AlgoliaRecord = {
  objectID: 'c1', name: 'Tech Talk', platform: 'YOUTUBE', followers: 1200, verified: true,
  tags: ['gaming', 'tech'], _tags: ['featured'], owner: { country: 'DE' },
};

describe('filters of the local Algolia server', () => {
  it.each([
    ['platform:YOUTUBE', true],
    ['platform:youtube', true], // facet values match case-insensitively, as on Algolia
    ['platform:TWITCH', false],
    ['verified:true', true],
    ['tags:tech AND followers >= 1200', true],
    ['tags:music OR owner.country:DE', true],
    ['NOT platform:YOUTUBE', false],
    ['(platform:TWITCH OR platform:YOUTUBE) AND followers < 1000', false],
    ['followers:1000 TO 1500', true],
    ['name:"Tech Talk"', true],
    ['featured', true],
    ['followers != 1200', false],
    ['', true],
  ])('%s -> %s', (filters, expected) => {
    expect(compileFilters(filters)(creator)).toBe(expected);
  });

  it.each(['platform:', 'followers > many', '(platform:YOUTUBE', 'a:1 AND', 'x:1 TO y'])('rejects %s', (filters) => {
    expect(() => compileFilters(filters)(creator)).toThrow(FilterSyntaxError);
  });

  it('facetFilters are an AND of ORs, with -value for negation; numericFilters likewise', () => {
    expect(compileFacetFilters([['platform:TWITCH', 'platform:YOUTUBE'], 'tags:tech'])(creator)).toBe(true);
    expect(compileFacetFilters(['platform:-YOUTUBE'])(creator)).toBe(false);
    expect(compileFacetFilters('owner.country:FR')(creator)).toBe(false);
    expect(compileNumericFilters(['followers > 1000', ['followers < 10', 'followers = 1200']])(creator)).toBe(true);
  });
});

describe('the local Algolia server over HTTP', () => {
  let server: AlgoliaServer;
  const call = (path: string, init: RequestInit & { key?: string; app?: string } = {}) =>
    fetch(`${server.url}${path}`, {
      ...init,
      headers: {
        'x-algolia-application-id': init.app ?? server.appId,
        'x-algolia-api-key': init.key ?? server.writeApiKey,
        'content-type': 'application/json',
        ...(init.headers as Record<string, string> | undefined),
      },
    });

  beforeAll(async () => {
    server = await startAlgoliaServer({ appId: 'TESTAPP', writeApiKey: 'write-key', searchApiKey: 'search-key' });
  });
  afterAll(() => server.close());

  it('answers 403 to a wrong application id or key, as Algolia does', async () => {
    for (const init of [{ key: 'nope' }, { app: 'OTHER' }]) {
      const response = await call('/1/indexes', init);
      expect(response.status).toBe(403);
      expect(await response.json()).toEqual({ message: 'Invalid Application-ID or API key', status: 403 });
    }
  });

  it('accepts the legacy params string and a gzip body; paginates', async () => {
    const body = gzipSync(JSON.stringify({ requests: ['a', 'b', 'c'].map((id) => ({ action: 'addObject', body: { objectID: id, kind: 'x' } })) }));
    expect((await call('/1/indexes/p/batch', { method: 'POST', body, headers: { 'content-encoding': 'gzip' } })).status).toBe(200);
    const response = await call('/1/indexes/p/query', { method: 'POST', body: JSON.stringify({ params: 'query=&hitsPerPage=2&page=1&facetFilters=%5B%22kind%3Ax%22%5D' }) });
    expect(await response.json()).toMatchObject({ nbHits: 3, nbPages: 2, page: 1, hitsPerPage: 2, hits: [{ objectID: 'c' }] });
    expect(server.indices.get('p')?.records.size).toBe(3);
  });

  it('lets the search key search and read but not write or list', async () => {
    await call('/1/indexes/s/o1', { method: 'PUT', body: JSON.stringify({ title: 'hello world' }) });
    expect((await call('/1/indexes/s/o1', { key: 'search-key' })).status).toBe(200);
    expect((await call('/1/indexes/s/query', { key: 'search-key', method: 'POST', body: JSON.stringify({ query: 'wor' }) })).status).toBe(200);
    expect((await call('/1/indexes/s/o2', { key: 'search-key', method: 'PUT', body: '{}' })).status).toBe(403);
    expect((await call('/1/indexes', { key: 'search-key' })).status).toBe(403);
  });

  it('answers 404 for a missing index or object, 400 for bad JSON or filters, and CORS preflights', async () => {
    expect(await (await call('/1/indexes/missing/query', { method: 'POST', body: '{}' })).json()).toEqual({ message: 'Index does not exist', status: 404 });
    await call('/1/indexes/e/o', { method: 'PUT', body: '{}' });
    expect((await call('/1/indexes/e/nothing')).status).toBe(404);
    expect((await call('/1/indexes/e/query', { method: 'POST', body: '{not json' })).status).toBe(400);
    expect((await call('/1/indexes/e/query', { method: 'POST', body: JSON.stringify({ filters: 'a:' }) })).status).toBe(400);
    const preflight = await fetch(`${server.url}/1/indexes/e/query`, { method: 'OPTIONS' });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('applies built-in partial update operations and searchableAttributes', async () => {
    await call('/1/indexes/u/r1', { method: 'PUT', body: JSON.stringify({ title: 'alpha', body: 'beta', count: 1, list: ['a'] }) });
    await call('/1/indexes/u/r1/partial', {
      method: 'POST',
      body: JSON.stringify({ count: { _operation: 'Increment', value: 2 }, list: { _operation: 'AddUnique', value: 'b' }, 'meta.seen': true }),
    });
    expect(await (await call('/1/indexes/u/r1')).json()).toEqual({ objectID: 'r1', title: 'alpha', body: 'beta', count: 3, list: ['a', 'b'], meta: { seen: true } });
    await call('/1/indexes/u/r2/partial?createIfNotExists=false', { method: 'POST', body: JSON.stringify({ x: 1 }) });
    expect((await call('/1/indexes/u/r2')).status).toBe(404);
    await call('/1/indexes/u/settings', { method: 'PUT', body: JSON.stringify({ searchableAttributes: ['title'] }) });
    const search = async (query: string) => ((await (await call('/1/indexes/u/query', { method: 'POST', body: JSON.stringify({ query }) })).json()) as { nbHits: number }).nbHits;
    expect(await search('alp')).toBe(1);
    expect(await search('beta')).toBe(0); // not a searchable attribute any more
  });
});
