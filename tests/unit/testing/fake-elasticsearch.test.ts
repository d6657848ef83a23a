import net, { createServer, type Server } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { setDefaultContainer } from '../../../src/compat/default-container.js';
import {
  BulkIndexError,
  bulkIndexAccounts,
  checkHealth,
  createIndices,
  deleteAccount,
  getElasticsearchClient,
  indexAccount,
  searchAccounts,
  searchCategories,
  updateAccount,
} from '../../../src/compat/elasticsearch-client.js';
import type { DbContainer } from '../../../src/container.js';
import { ProviderError } from '../../../src/errors.js';
import { ElasticsearchProvider } from '../../../src/providers/elasticsearch.js';
import { createTestContainer } from '../../../src/testing/index.js';
import { account, ACCOUNTS, ALL_FACETS, failure, FILTER_CASES, idSet, ids, RANGE_CASES } from '../../helpers/elasticsearch-accounts.js';

// The subpath's functions over the test container's fake, the same calls and expectations as the integration test
// against a real node (tests/integration/elasticsearch-client.int.test.ts), plus the fake's own edges.

/** The status and error body of a client ResponseError. */
const response = (error: unknown) => {
  const { meta } = error as { meta: { statusCode: number; body: { error?: { type: string; reason: string }; result?: string } } };
  return { status: meta.statusCode, type: meta.body.error?.type, reason: meta.body.error?.reason, body: meta.body };
};

// No test here may dial anything: every socket connect in this file is a failure.
const connect = vi.spyOn(net.Socket.prototype, 'connect');
afterAll(() => {
  expect(connect).not.toHaveBeenCalled();
  connect.mockRestore();
});

/** A fresh asDefault test container with both indices created, for each test of a describe. */
function freshContainerEach(): { readonly container: DbContainer } {
  const state = { container: undefined as unknown as DbContainer };
  beforeEach(async () => {
    state.container = createTestContainer({ asDefault: true });
    await createIndices();
  });
  afterEach(async () => {
    await state.container.dispose();
    setDefaultContainer(undefined);
  });
  return state;
}

describe('the Elasticsearch fake: createIndices', () => {
  afterEach(() => setDefaultContainer(undefined));

  it('createIndices: created, then left alone with the documented mappings (no differences)', async () => {
    const c = createTestContainer({ asDefault: true });
    expect(await createIndices()).toEqual([
      { role: 'accounts', index: 'accounts', state: 'created', differences: [] },
      { role: 'categories', index: 'categories', state: 'created', differences: [] },
    ]);
    expect(await createIndices()).toEqual([
      { role: 'accounts', index: 'accounts', state: 'exists', differences: [] },
      { role: 'categories', index: 'categories', state: 'exists', differences: [] },
    ]);
    const client = getElasticsearchClient();
    const mapping = await client.indices.getMapping({ index: 'accounts' });
    expect(Object.keys(mapping)).toEqual(['accounts']);
    expect(mapping.accounts!.mappings.properties!.followerCount).toEqual({ type: 'long' });
    expect(mapping.accounts!.mappings.properties!.name).toMatchObject({ type: 'text', analyzer: 'autocomplete', fields: { keyword: { type: 'keyword' } } });
    await c.dispose();
  });
});

describe('the Elasticsearch fake: indices', () => {
  freshContainerEach();

  it('HEAD, PUT and GET _mapping answer as a node: 200/404, 400 resource_already_exists_exception, 404 index_not_found_exception', async () => {
    const client = getElasticsearchClient();
    expect(await client.indices.exists({ index: 'accounts' })).toBe(true);
    expect(await client.indices.exists({ index: 'nope' })).toBe(false);
    const again = response(await failure(client.indices.create({ index: 'accounts' })));
    expect([again.status, again.type]).toEqual([400, 'resource_already_exists_exception']);
    expect(again.reason).toMatch(/^index \[accounts\/[^\]]+\] already exists$/);
    const missing = response(await failure(client.indices.getMapping({ index: 'nope' })));
    expect([missing.status, missing.type, missing.reason]).toEqual([404, 'index_not_found_exception', 'no such index [nope]']);
    const created = await client.indices.create({ index: 'scratch', mappings: { properties: { n: { type: 'integer' } } } });
    expect(created).toEqual({ acknowledged: true, shards_acknowledged: true, index: 'scratch' });
    expect(await client.indices.getMapping({ index: 'scratch' })).toEqual({ scratch: { mappings: { properties: { n: { type: 'integer' } } } } });
    const invalid = response(await failure(client.indices.create({ index: 'Upper' })));
    expect([invalid.status, invalid.type]).toEqual([400, 'invalid_index_name_exception']);
  });

  it('indexing into a missing index creates it with dynamic mappings, as a node does', async () => {
    const client = getElasticsearchClient();
    const written = await client.index({ index: 'auto', id: 'x1', document: { title: 'Hello', count: 3, ratio: 0.5, on: true, at: '2024-05-01T10:00:00Z' } });
    expect(written).toMatchObject({ _index: 'auto', _id: 'x1', _version: 1, result: 'created' });
    expect((await client.index({ index: 'auto', id: 'x1', document: { title: 'Again', count: 4 } }))).toMatchObject({ _version: 2, result: 'updated' });
    const { auto } = await client.indices.getMapping({ index: 'auto' });
    expect(auto!.mappings.properties).toEqual({
      title: { type: 'text', fields: { keyword: { type: 'keyword', ignore_above: 256 } } },
      count: { type: 'long' },
      ratio: { type: 'float' },
      on: { type: 'boolean' },
      at: { type: 'date' },
    });
    // The field is a long now: a word there is refused.
    const refused = response(await failure(client.index({ index: 'auto', id: 'x2', document: { count: 'many' } })));
    expect([refused.status, refused.type]).toEqual([400, 'document_parsing_exception']);
    expect(refused.reason).toContain('failed to parse field [count] of type [long]');
  });
});

describe('the Elasticsearch fake: searchAccounts over the documented account set', () => {
  let c: DbContainer;
  beforeAll(async () => {
    c = createTestContainer({ asDefault: true });
    await createIndices();
    await expect(bulkIndexAccounts(ACCOUNTS)).resolves.toEqual({ indexed: ACCOUNTS.length });
  });
  afterAll(async () => {
    await c.dispose();
    setDefaultContainer(undefined);
  });

  it('no query: every account, by followerCount descending, exact total, stored fields plus objectID', async () => {
    const result = await searchAccounts({});
    expect(ids(result)).toEqual(['a5', 'a2', 'a6', 'a4', 'a1', 'a3', 'a7', 'a8']);
    expect(result).toMatchObject({ nbHits: 8, page: 1, nbPages: 1, hitsPerPage: 20 });
    expect(result.hits[0]).toEqual({ ...ACCOUNTS[4], objectID: 'a5' });
    expect(result.processingTimeMS).toBeGreaterThanOrEqual(0);
    // Missing values last in either order (a8 has no rating).
    expect(ids(await searchAccounts({ sortBy: 'rating', sortOrder: 'asc' }))).toEqual(['a7', 'a4', 'a3', 'a6', 'a2', 'a5', 'a1', 'a8']);
    expect(ids(await searchAccounts({ sortBy: 'rating' }))).toEqual(['a1', 'a5', 'a2', 'a6', 'a3', 'a4', 'a7', 'a8']);
  });

  it('facets: counts per platform, category, country, language and madeForKids ("true"/"false"), of the filtered set', async () => {
    const { facets } = await searchAccounts({});
    expect(facets).toEqual(ALL_FACETS);
    expect((await searchAccounts({ filters: { platform: ['twitch'] } })).facets.country).toEqual({ US: 1, CA: 1, DE: 1 });
  });

  it('answers the search with a node’s response shape: total, buckets in order, booleans keyed 1/0', async () => {
    const result = await getElasticsearchClient().search({
      index: 'accounts',
      size: 2,
      track_total_hits: true,
      query: { bool: { must: [{ match_all: {} }], filter: [{ terms: { country: ['US', 'CA'] } }] } },
      sort: [{ followerCount: { order: 'asc', missing: '_last' } }],
      aggs: { madeForKids: { terms: { field: 'madeForKids', size: 2 } }, country: { terms: { field: 'country', size: 1 } } },
    });
    expect(result.hits.total).toEqual({ value: 5, relation: 'eq' });
    expect(result.hits.hits.map((hit) => [hit._index, hit._id, hit.sort])).toEqual([['accounts', 'a1', [1_000_000]], ['accounts', 'a4', [5_000_000]]]);
    expect(result.aggregations).toEqual({
      madeForKids: { doc_count_error_upper_bound: 0, sum_other_doc_count: 0, buckets: [{ key: 0, key_as_string: 'false', doc_count: 4 }, { key: 1, key_as_string: 'true', doc_count: 1 }] },
      country: { doc_count_error_upper_bound: 0, sum_other_doc_count: 1, buckets: [{ key: 'US', doc_count: 4 }] },
    });
    expect(result.timed_out).toBe(false);
    expect(typeof result.took).toBe('number');
    // Without track_total_hits a node counts up to 10,000 and still says `eq` below that.
    expect((await getElasticsearchClient().search({ index: 'accounts' })).hits.total).toEqual({ value: 8, relation: 'eq' });
  });

  it('paging: 1-based pages, nbPages from the exact total, the limit capped at 100', async () => {
    const third = await searchAccounts({ page: 3, limit: 3 });
    expect(ids(third)).toEqual(['a7', 'a8']);
    expect(third).toMatchObject({ nbHits: 8, page: 3, nbPages: 3, hitsPerPage: 3 });
    expect(ids(await searchAccounts({ page: 2, limit: 3, sortOrder: 'asc' }))).toEqual(['a1', 'a4', 'a6']);
    expect(await searchAccounts({ page: 9, limit: 3 })).toMatchObject({ hits: [], nbHits: 8, page: 9, nbPages: 3 });
    expect((await searchAccounts({ limit: 500 })).hitsPerPage).toBe(100);
  });

  it('query text: name matches rank above description matches; relevance sorts before the sort field', async () => {
    const result = await searchAccounts({ query: 'beast' });
    // "Beast Philanthropy" (name, weight 3) before Anna (the word only in her description); MrBeast is one word.
    expect(ids(result)).toEqual(['a2', 'a3']);
    expect(result.nbHits).toBe(2);
    // Ascending followers would put Anna (999,999) first: relevance wins.
    expect(ids(await searchAccounts({ query: 'beast', sortOrder: 'asc' }))).toEqual(['a2', 'a3']);
    // Equal relevance: then the sort field (a6 has more followers than a7, both only in category "gaming").
    expect(ids(await searchAccounts({ query: 'gaming', sortOrder: 'asc' }))).toEqual(['a7', 'a6', 'a5']);
  });

  it('fuzzy and prefix matches: typos, the start of a name or handle, never the start of a description word', async () => {
    expect(ids(await searchAccounts({ query: 'philantropy' }))).toEqual(['a2']);
    expect(ids(await searchAccounts({ query: 'pokimnae' }))).toEqual(['a6']);
    // A transposition is one edit: five characters allow one.
    expect(ids(await searchAccounts({ query: 'ninaj' }))).toEqual(['a5']);
    expect(ids(await searchAccounts({ query: 'cook' }))[0]).toBe('a3');
    expect(ids(await searchAccounts({ query: 'mrbe' }))).toEqual(['a1']);
    expect(ids(await searchAccounts({ query: 'gamerd' }))).toEqual(['a7']);
    expect((await searchAccounts({ query: 'zzzzqqqq' })).nbHits).toBe(0);
    // As on a real node: query text splits by Unicode word boundaries, so "kids_songs_official" is one word that no
    // indexed edge n-gram is within 2 edits of (split on letters and digits it would match "kids" and "songs").
    expect((await searchAccounts({ query: 'kids songs' })).hits[0]?.objectID).toBe('a4');
    expect((await searchAccounts({ query: 'kids_songs_official' })).nbHits).toBe(0);
    // The description is plain text: its words match whole (or within the fuzziness), not by prefix.
    expect(ids(await searchAccounts({ query: 'kitchen' }))).toEqual(['a3']);
    expect(ids(await searchAccounts({ query: 'kitchn' }))).toEqual(['a3']);
    expect((await searchAccounts({ query: 'kitc' })).nbHits).toBe(0);
    // Two characters allow no edit: "ni" is a prefix of Ninja only.
    expect(ids(await searchAccounts({ query: 'ni' }))).toEqual(['a5']);
  });

  it('filters: platform upper-cased, country, language, categories, madeForKids, claimed, combined', async () => {
    for (const [params, expected] of FILTER_CASES) expect(idSet(await searchAccounts(params)), JSON.stringify(params)).toEqual(new Set(expected));
    expect(idSet(await searchAccounts({ filters: { madeForKids: false } })).size).toBe(7);
    // keyword filters are exact: case matters for country.
    expect((await searchAccounts({ filters: { country: ['us'] } })).nbHits).toBe(0);
  });

  it('ranges: lower bounds inclusive; upper bounds exclusive for followers, videos, reviews, inclusive for rating', async () => {
    for (const [params, expected] of RANGE_CASES) expect(idSet(await searchAccounts(params)), JSON.stringify(params)).toEqual(new Set(expected));
    const videos = idSet(await searchAccounts({ filters: { videoCount: { max: 100_000 } } }));
    expect(videos.has('a2') && !videos.has('a1')).toBe(true);
    expect((await searchAccounts({ filters: { followers: 'lots', reviewCount: '1X' } })).nbHits).toBe(8);
  });
});

describe('the Elasticsearch fake: writes', () => {
  freshContainerEach();

  it('indexAccount, updateAccount (lastIndexedAt set), deleteAccount: visible to search as soon as each resolves', async () => {
    await indexAccount(account('acc-9', { name: 'Fresh Creator', followerCount: 10 }));
    await indexAccount({ ...account('acc-10', { name: 'Own Id' }), objectID: 'custom-id' });
    expect(ids(await searchAccounts({ query: 'fresh' }))).toEqual(['acc-9']);
    expect(ids(await searchAccounts({ query: 'own id' }))).toEqual(['custom-id']);

    const before = Date.now();
    await updateAccount('acc-9', { name: 'Renamed Creator', followerCount: 20 });
    const [hit] = (await searchAccounts({ query: 'renamed' })).hits;
    expect(hit).toMatchObject({ objectID: 'acc-9', name: 'Renamed Creator', followerCount: 20, platform: 'YOUTUBE', madeForKids: false });
    expect(Date.parse(hit!.lastIndexedAt!)).toBeGreaterThanOrEqual(before - 1000);
    expect((await searchAccounts({ query: 'fresh' })).nbHits).toBe(0);
    const missing = await failure(updateAccount('no-such-account', { name: 'x' }));
    expect(missing).toBeInstanceOf(ProviderError);
    expect((missing as Error).message).toMatch(/^\[elasticsearch\] updateAccount failed: .*document_missing_exception/);
    expect(response((missing as Error).cause).status).toBe(404);

    await deleteAccount('acc-9');
    expect(ids(await searchAccounts({}))).toEqual(['custom-id']);
    const gone = await failure(deleteAccount('acc-9'));
    expect(gone).toBeInstanceOf(ProviderError);
    expect((gone as Error).message).toMatch(/^\[elasticsearch\] deleteAccount failed/);
    const { status, body } = response((gone as Error).cause);
    expect([status, body.result]).toEqual([404, 'not_found']);
  });

  it('bulkIndexAccounts: refused documents are counted and named, the others are stored', async () => {
    const batch = [
      account('b1', { name: 'Good One', followerCount: 1 }),
      account('b2', { name: 'Bad One', followerCount: 'lots' as unknown as number }),
      account('b3', { name: 'Good Two', followerCount: 2 }),
      account('b4', { name: 'Bad Two', rating: 'great' as unknown as number }),
      account('b5', { name: 'Good Three', followerCount: 3 }),
    ];
    const error = await failure(bulkIndexAccounts(batch));
    expect(error).toBeInstanceOf(BulkIndexError);
    const bulk = error as BulkIndexError;
    expect([bulk.failed, bulk.total]).toEqual([2, 5]);
    expect(bulk.items.map((item) => [item.id, item.status, item.type])).toEqual([
      ['b2', 400, 'document_parsing_exception'],
      ['b4', 400, 'document_parsing_exception'],
    ]);
    expect(bulk.items[1]!.reason).toContain('failed to parse field [rating] of type [float]');
    expect(bulk.message).toMatch(/^\[elasticsearch\] bulk indexing failed for 2 of 5 accounts \(first: b2: /);
    expect(ids(await searchAccounts({ sortOrder: 'asc' }))).toEqual(['b1', 'b3', 'b5']);
    // A numeric string is coerced, as by default.
    await expect(bulkIndexAccounts([account('b6', { followerCount: '7' as unknown as number })])).resolves.toEqual({ indexed: 1 });
  });

  it('_bulk answers per item: create conflicts (409), delete of a missing document (404 not_found), errors flag', async () => {
    const client = getElasticsearchClient();
    const first = await client.bulk({ operations: [{ create: { _index: 'accounts', _id: 'k1' } }, account('k1', {}), { index: { _index: 'accounts', _id: 'k2' } }, account('k2', {})] });
    expect(first.errors).toBe(false);
    expect(first.items.map((item) => Object.entries(item).map(([action, r]) => [action, r.status, r.result]))).toEqual([[['create', 201, 'created']], [['index', 201, 'created']]]);
    const second = await client.bulk({
      index: 'accounts',
      operations: [{ create: { _id: 'k1' } }, account('k1', {}), { delete: { _id: 'k2' } }, { delete: { _id: 'k2' } }, { update: { _id: 'k1' } }, { doc: { name: 'Updated' } }],
    });
    expect(second.errors).toBe(true);
    expect(second.items.map((item) => Object.entries(item).map(([action, r]) => [action, r.status, r.error?.type ?? r.result]))).toEqual([
      [['create', 409, 'version_conflict_engine_exception']],
      [['delete', 200, 'deleted']],
      [['delete', 404, 'not_found']],
      [['update', 200, 'updated']],
    ]);
    expect(ids(await searchAccounts({ query: 'updated' }))).toEqual(['k1']);
  });

  it('takes request bodies as Buffers too, gzipped or not', async () => {
    const client = getElasticsearchClient();
    await indexAccount(account('z1', { name: 'Zed' }));
    const body = Buffer.from(JSON.stringify({ query: { multi_match: { query: 'zed', fields: ['name^3'], fuzziness: 'AUTO' } } }));
    const plain = await client.transport.request<{ hits: { hits: { _id: string }[] } }>({ method: 'POST', path: '/accounts/_search', body });
    expect(plain.hits.hits.map((hit) => hit._id)).toEqual(['z1']);
    const gzipped = await client.search({ index: 'accounts', query: { term: { accountId: 'z1' } } }, { compression: true });
    expect(gzipped.hits.hits.map((hit) => hit._id)).toEqual(['z1']);
  });
});

describe('the Elasticsearch fake: categories, health, refusals, isolation', () => {
  freshContainerEach();

  it('searchCategories: fuzzy over name and slug, at most 20 hits with objectID', async () => {
    const categories = Array.from({ length: 24 }, (_, i) => ({ name: `Topic ${i}`, slug: `topic-${i}`, keywords: ['misc'] }));
    categories.push({ name: 'Gaming', slug: 'gaming', keywords: ['games', 'esports'] }, { name: 'Cooking', slug: 'cooking', keywords: ['food'] });
    await getElasticsearchClient().bulk({ refresh: true, operations: categories.flatMap((c) => [{ index: { _index: 'categories', _id: c.slug } }, c]) });
    const all = await searchCategories('');
    expect(all).toHaveLength(20);
    expect(all.every((hit) => hit.objectID === hit.slug)).toBe(true);
    const gaming = await searchCategories('gamng');
    expect(gaming[0]).toMatchObject({ objectID: 'gaming', name: 'Gaming' });
    expect((await searchCategories('esports')).map((hit) => hit.objectID)).toEqual(['gaming']);
    // A name match (weight 3) outranks a keyword match (weight 1): "food" is Cooking's keyword only.
    expect((await searchCategories('topic 3 food')).map((hit) => hit.objectID)[0]).toBe('topic-3');
  });

  it('checkHealth is green', async () => {
    expect(await checkHealth()).toEqual({ status: 'green', available: true });
  });

  it('refuses every other call with 501 fake_not_implemented naming what it answers, and unsupported query parts too', async () => {
    const client = getElasticsearchClient();
    const deleted = response(await failure(client.indices.delete({ index: 'accounts' })));
    expect([deleted.status, deleted.type]).toEqual([501, 'fake_not_implemented']);
    expect(deleted.reason).toMatch(/does not answer DELETE \/accounts;.*\/\{index\}\/_search.*allowReal/);
    expect(await client.indices.exists({ index: 'accounts' })).toBe(true);
    const match = response(await failure(client.search({ index: 'accounts', query: { match: { name: 'x' } } })));
    expect([match.status, match.type]).toEqual([501, 'fake_not_implemented']);
    expect(match.reason).toContain('[match] queries');
    const should = response(await failure(client.search({ index: 'accounts', query: { bool: { should: [{ match_all: {} }] } } })));
    expect([should.status, should.reason]).toEqual([501, expect.stringContaining('a bool query with [should]')]);
    // A missing index is a node's 404, not a refusal.
    const missing = response(await failure(client.search({ index: 'nope', query: { match_all: {} } })));
    expect([missing.status, missing.type]).toEqual([404, 'index_not_found_exception']);
    // A search failure a node would report, reported the same way.
    const textSort = response(await failure(client.search({ index: 'accounts', sort: [{ description: { order: 'asc' } }] })));
    expect([textSort.status, textSort.type]).toEqual([400, 'search_phase_execution_exception']);
  });

  it('keeps each provider’s indices apart', async () => {
    await indexAccount(account('mine', { name: 'Mine' }));
    const other = createTestContainer();
    const otherClient = other.resolve(ElasticsearchProvider).client;
    expect(await otherClient.indices.exists({ index: 'accounts' })).toBe(false);
    expect((await searchAccounts({})).nbHits).toBe(1);
    await other.dispose();
  });
});

describe('the Elasticsearch fake: no network', () => {
  afterEach(() => setDefaultContainer(undefined));

  it('never opens a socket, even with ELASTIC_NODE pointing at a listening server', async () => {
    let connections = 0;
    const server: Server = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    process.env.ELASTIC_NODE = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    try {
      const c = createTestContainer({ asDefault: true });
      expect(await createIndices()).toHaveLength(2);
      await indexAccount(account('n1', { name: 'Net' }));
      await bulkIndexAccounts([account('n2', { name: 'Net Two' })]);
      await updateAccount('n1', { rating: 4 });
      expect((await searchAccounts({ query: 'net' })).nbHits).toBe(2);
      await deleteAccount('n2');
      expect(await searchCategories('x')).toEqual([]);
      expect((await checkHealth()).available).toBe(true);
      await c.dispose();
      expect(connections).toBe(0);
      expect(connect).not.toHaveBeenCalled();
    } finally {
      delete process.env.ELASTIC_NODE;
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
