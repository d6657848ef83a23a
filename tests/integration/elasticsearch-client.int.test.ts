import { createServer as createHttpServer, request as httpRequest, type Server } from 'node:http';
import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeTestCertificates, type TestCertificates } from '../../scripts/servers/certs.js';
import { startElasticsearch, type ElasticsearchServer } from '../../scripts/servers/elasticsearch.js';
import { freePort, makeTempDir, removeDir } from '../../scripts/servers/process.js';
import { setDefaultContainer } from '../../src/compat/default-container.js';
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
  type AccountDocument,
  type SearchAccountsParams,
} from '../../src/compat/elasticsearch-client.js';
import { createDbContainer, type DbContainer } from '../../src/container.js';
import { ProviderError } from '../../src/errors.js';
import { ElasticsearchProvider } from '../../src/providers/elasticsearch.js';
import { captureLogs } from '../helpers/logs.js';
import { startTlsFront, type TlsFront } from '../helpers/tls-front.js';
import { account, ACCOUNTS, ALL_FACETS, failure, FILTER_CASES, idSet, ids, RANGE_CASES } from '../helpers/elasticsearch-accounts.js';

// The subpath's functions against a real node, through the default container as apps use them.
const API_KEY = 'ZXMtY2xpZW50OmNsaWVudC10ZXN0LWtleS12YWx1ZQ==';
const WRONG_KEY = 'd3Jvbmc6bm90LXRoZS1yaWdodC1rZXktYXQtYWxs';
const logs = captureLogs();
const containers: DbContainer[] = [];
let es: ElasticsearchServer;
let certs: TestCertificates;
let authProxy: Server;
let authPort = 0;
let tlsFront: TlsFront;
let tlsPort = 0;
let indexSeq = 0;

/** Points the default container (what the subpath uses) at a container of this environment. */
function useDefault(env: Record<string, string>): DbContainer {
  const c = createDbContainer({
    env: { ELASTIC_API_KEY: API_KEY, ELASTIC_RETRY_RETRIES: '0', ELASTIC_MAX_RETRIES: '0', ...env },
    logger: logs.logger,
  });
  containers.push(c);
  setDefaultContainer(c);
  return c;
}

/** A default container on the node with indices of its own, created. */
async function freshIndices(): Promise<{ accounts: string; categories: string }> {
  indexSeq += 1;
  const names = { accounts: `accounts-${indexSeq}`, categories: `categories-${indexSeq}` };
  useDefault({ ELASTIC_NODE: es.url, ELASTIC_ACCOUNTS_INDEX: names.accounts, ELASTIC_CATEGORIES_INDEX: names.categories });
  const states = await createIndices();
  expect(states.map((s) => [s.index, s.state])).toEqual([[names.accounts, 'created'], [names.categories, 'created']]);
  return names;
}

const everything = (error: unknown) => inspect(error, { depth: 12, showHidden: true });

beforeAll(async () => {
  es = await startElasticsearch();
  certs = makeTestCertificates(makeTempDir('es-client-certs'));
  // In front of the node (which runs with security off): 401 unless the request carries API_KEY, as a secured
  // cluster answers a wrong key; otherwise the request is passed on.
  authProxy = createHttpServer((req, res) => {
    if (req.headers.authorization !== `ApiKey ${API_KEY}`) {
      res.writeHead(401, { 'content-type': 'application/json', 'x-elastic-product': 'Elasticsearch' });
      res.end(JSON.stringify({
        error: { type: 'security_exception', reason: 'unable to authenticate with provided credentials and anonymous access is not allowed for this request' },
        status: 401,
      }));
      return;
    }
    const { connection: _hop, 'keep-alive': _alive, ...headers } = req.headers;
    const upstream = httpRequest({ host: '127.0.0.1', port: es.port, method: req.method, path: req.url, headers }, (reply) => {
      res.writeHead(reply.statusCode ?? 502, reply.headers);
      reply.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  // The client keeps its sockets alive between requests: a proxy closing idle ones after Node's default 5 s races a
  // request sent just then on a busy machine ("other side closed"). Keep them open like Elasticsearch does.
  authProxy.keepAliveTimeout = 120_000;
  authProxy.headersTimeout = 0;
  authProxy.requestTimeout = 0;
  await new Promise<void>((resolve) => authProxy.listen(0, '127.0.0.1', resolve));
  authPort = (authProxy.address() as { port: number }).port;
  tlsFront = await startTlsFront(es.port, certs);
  tlsPort = tlsFront.port;
}, 180_000);

afterEach(() => setDefaultContainer(undefined));

afterAll(async () => {
  try {
    await Promise.all(containers.map((c) => c.dispose()));
    authProxy?.closeAllConnections();
    if (authProxy) await new Promise<void>((resolve) => authProxy.close(() => resolve()));
    await tlsFront?.close();
    if (certs) removeDir(certs.dir);
  } finally {
    await es?.stop();
  }
  expect(logs.lines.length).toBeGreaterThan(0);
  for (const secret of [API_KEY, WRONG_KEY]) expect(logs.text()).not.toContain(secret);
}, 60_000);

describe('@ratecreator/db/elasticsearch-client on a real node', () => {
  it('createIndices: creates both with the documented mappings, then leaves them alone', async () => {
    const names = await freshIndices();
    const again = await createIndices();
    expect(again).toEqual([
      { role: 'accounts', index: names.accounts, state: 'exists', differences: [] },
      { role: 'categories', index: names.categories, state: 'exists', differences: [] },
    ]);
    const mapping = await getElasticsearchClient().indices.getMapping({ index: names.accounts });
    const properties = mapping[names.accounts]!.mappings.properties!;
    expect(properties.followerCount).toEqual({ type: 'long' });
    expect(properties.name).toMatchObject({ type: 'text', analyzer: 'autocomplete', fields: { keyword: { type: 'keyword' } } });
    expect(properties.imageUrl).toEqual({ type: 'keyword', index: false });
    const settings = await getElasticsearchClient().indices.getSettings({ index: names.accounts });
    expect(settings[names.accounts]!.settings!.index).toMatchObject({ number_of_shards: '2', number_of_replicas: '1' });
    // One client per process: the provider's.
    expect(getElasticsearchClient()).toBe(getElasticsearchClient());
  });

  describe('searchAccounts', () => {
    beforeAll(async () => {
      await freshIndices();
      await expect(bulkIndexAccounts(ACCOUNTS)).resolves.toEqual({ indexed: ACCOUNTS.length });
    });

    // Each search below runs in a container of its own: the describe's container is gone after the first test.
    let names: { accounts: string; categories: string };
    beforeAll(() => {
      names = { accounts: `accounts-${indexSeq}`, categories: `categories-${indexSeq}` };
    });
    const search = (params: SearchAccountsParams) => {
      useDefault({ ELASTIC_NODE: es.url, ELASTIC_ACCOUNTS_INDEX: names.accounts, ELASTIC_CATEGORIES_INDEX: names.categories });
      return searchAccounts(params);
    };

    it('no query: every account, by followerCount descending, exact total, stored fields plus objectID', async () => {
      const result = await search({});
      expect(ids(result)).toEqual(['a5', 'a2', 'a6', 'a4', 'a1', 'a3', 'a7', 'a8']);
      expect(result).toMatchObject({ nbHits: 8, page: 1, nbPages: 1, hitsPerPage: 20 });
      expect(result.hits[0]).toMatchObject({ objectID: 'a5', accountId: 'a5', name: 'Ninja', platform: 'TWITCH', followerCount: 18_000_000 });
      expect(result.processingTimeMS).toBeGreaterThanOrEqual(0);
      expect(ids(await search({ sortBy: 'rating', sortOrder: 'asc' }))).toEqual(['a7', 'a4', 'a3', 'a6', 'a2', 'a5', 'a1', 'a8']);
    });

    it('facets: counts per platform, category, country, language and madeForKids ("true"/"false")', async () => {
      const { facets } = await search({});
      expect(facets).toEqual(ALL_FACETS);
      // Facets count the filtered set.
      expect((await search({ filters: { platform: ['twitch'] } })).facets.country).toEqual({ US: 1, CA: 1, DE: 1 });
    });

    it('paging: 1-based pages, nbPages from the exact total, the limit capped at 100, bad pages refused', async () => {
      const third = await search({ page: 3, limit: 3 });
      expect(ids(third)).toEqual(['a7', 'a8']);
      expect(third).toMatchObject({ nbHits: 8, page: 3, nbPages: 3, hitsPerPage: 3 });
      expect(ids(await search({ page: 2, limit: 3, sortOrder: 'asc' }))).toEqual(['a1', 'a4', 'a6']);
      expect(await search({ page: 9, limit: 3 })).toMatchObject({ hits: [], nbHits: 8, page: 9 });
      expect((await search({ limit: 500 })).hitsPerPage).toBe(100);
      await expect(search({ page: 0 })).rejects.toThrow(RangeError);
      await expect(search({ page: 200, limit: 100 })).rejects.toThrow(/past the first 10000 hits/);
    });

    it('query text: name matches rank above description matches; with a query, relevance sorts first', async () => {
      const result = await search({ query: 'beast' });
      // "Beast Philanthropy" (name, weight 3) before Anna (the word only in her description); MrBeast is one word.
      expect(ids(result)).toEqual(['a2', 'a3']);
      expect(result.nbHits).toBe(2);
    });

    it('fuzzy and prefix matches: typos, the start of a name or handle', async () => {
      expect(ids(await search({ query: 'philantropy' }))).toEqual(['a2']);
      expect(ids(await search({ query: 'pokimnae' }))).toEqual(['a6']);
      expect(ids(await search({ query: 'cook' }))[0]).toBe('a3');
      expect(ids(await search({ query: 'mrbe' }))).toEqual(['a1']);
      expect(ids(await search({ query: 'gamerd' }))).toEqual(['a7']);
      expect((await search({ query: 'zzzzqqqq' })).nbHits).toBe(0);
      // Query text is split by the standard tokenizer (autocomplete_search): "kids_songs" stays one word, which no
      // edge n-gram of the letter-and-digit runs indexed for "kidssongs"/"Kids Songs" is within 2 edits of.
      expect((await search({ query: 'kids songs' })).hits[0]?.objectID).toBe('a4');
      expect((await search({ query: 'kids_songs_official' })).nbHits).toBe(0);
    });

    it('filters: platform upper-cased, country, language, categories, madeForKids, claimed, combined', async () => {
      for (const [params, expected] of FILTER_CASES) expect(idSet(await search(params)), JSON.stringify(params)).toEqual(new Set(expected));
    });

    it('ranges: lower bounds inclusive; upper bounds exclusive for followers, videos, reviews, inclusive for rating', async () => {
      for (const [params, expected] of RANGE_CASES) expect(idSet(await search(params)), JSON.stringify(params)).toEqual(new Set(expected));
      const videos = idSet(await search({ filters: { videoCount: { max: 100_000 } } }));
      expect(videos.has('a2') && !videos.has('a1')).toBe(true);
      expect(idSet(await search({ filters: { followers: { min: '1000000', max: '10000000' } } }))).toEqual(new Set(['a1', 'a4', 'a6']));
      // An unparseable range is ignored, not an error and not an empty result.
      expect((await search({ filters: { followers: 'lots', reviewCount: '1X' } })).nbHits).toBe(8);
    });
  });

  it('indexAccount, updateAccount, deleteAccount: visible to search as soon as each resolves', async () => {
    const names = await freshIndices();
    await indexAccount(account('acc-9', { name: 'Fresh Creator', followerCount: 10 }));
    await indexAccount({ ...account('acc-10', { name: 'Own Id' }), objectID: 'custom-id' });
    expect(ids(await searchAccounts({ query: 'fresh' }))).toEqual(['acc-9']);
    expect(ids(await searchAccounts({ query: 'own id' }))).toEqual(['custom-id']);
    await expect(indexAccount({ platform: 'YOUTUBE' } as AccountDocument)).rejects.toThrow(/objectID or an accountId/);

    const before = Date.now();
    await updateAccount('acc-9', { name: 'Renamed Creator', followerCount: 20 });
    const [hit] = (await searchAccounts({ query: 'renamed' })).hits;
    expect(hit).toMatchObject({ objectID: 'acc-9', name: 'Renamed Creator', followerCount: 20, platform: 'YOUTUBE' });
    expect(Date.parse(hit!.lastIndexedAt!)).toBeGreaterThanOrEqual(before - 1000);
    const missing = await failure(updateAccount('no-such-account', { name: 'x' }));
    expect(missing).toBeInstanceOf(ProviderError);
    expect((missing as ProviderError).provider).toBe('elasticsearch');
    expect((missing as Error).message).toMatch(/^\[elasticsearch\] updateAccount failed: .*document_missing_exception/);

    await deleteAccount('acc-9');
    expect(ids(await searchAccounts({}))).toEqual(['custom-id']);
    const gone = await failure(deleteAccount('acc-9'));
    expect(gone).toBeInstanceOf(ProviderError);
    expect((gone as Error).message).toMatch(/^\[elasticsearch\] deleteAccount failed/);
    expect(names.accounts).toMatch(/^accounts-/);
  });

  it('bulkIndexAccounts: refused documents are counted and named, the others are stored', async () => {
    await freshIndices();
    const batch = [
      account('b1', { name: 'Good One', followerCount: 1 }),
      account('b2', { name: 'Bad One', followerCount: 'lots' as unknown as number }),
      account('b3', { name: 'Good Two', followerCount: 2 }),
      account('b4', { name: 'Bad Two', rating: 'great' as unknown as number }),
      account('b5', { name: 'Good Three', followerCount: 3 }),
    ];
    const error = await failure(bulkIndexAccounts(batch));
    expect(error).toBeInstanceOf(BulkIndexError);
    expect(error).toBeInstanceOf(ProviderError);
    const bulk = error as BulkIndexError;
    expect([bulk.name, bulk.provider, bulk.failed, bulk.total]).toEqual(['BulkIndexError', 'elasticsearch', 2, 5]);
    expect(bulk.items.map((item) => [item.id, item.status])).toEqual([['b2', 400], ['b4', 400]]);
    expect(bulk.items[0]!.type).toMatch(/parsing_exception/);
    expect(bulk.message).toMatch(/^\[elasticsearch\] bulk indexing failed for 2 of 5 accounts \(first: b2: /);
    expect(ids(await searchAccounts({ sortOrder: 'asc' }))).toEqual(['b1', 'b3', 'b5']);
    await expect(bulkIndexAccounts([])).resolves.toEqual({ indexed: 0 });
    // An account without an id is not sent (it would get a random one) and counts as failed; objectID '' falls back.
    const noId = await failure(bulkIndexAccounts([{ platform: 'YOUTUBE' } as AccountDocument, { ...account('b6', { name: 'Six' }), objectID: '' }]));
    expect(noId).toBeInstanceOf(BulkIndexError);
    expect([(noId as BulkIndexError).failed, (noId as BulkIndexError).total, (noId as BulkIndexError).items[0]!.type]).toEqual([1, 2, 'missing_id']);
    expect(ids(await searchAccounts({ sortOrder: 'asc' }))).toEqual(['b1', 'b3', 'b5', 'b6']);
  });

  it('searchCategories: fuzzy over name and slug, at most 20 hits with objectID', async () => {
    const names = await freshIndices();
    const client = getElasticsearchClient();
    const categories = Array.from({ length: 24 }, (_, i) => ({ name: `Topic ${i}`, slug: `topic-${i}`, keywords: ['misc'] }));
    categories.push({ name: 'Gaming', slug: 'gaming', keywords: ['games', 'esports'] }, { name: 'Cooking', slug: 'cooking', keywords: ['food'] });
    await client.bulk({ refresh: true, operations: categories.flatMap((c) => [{ index: { _index: names.categories, _id: c.slug } }, c]) });
    const all = await searchCategories('');
    expect(all).toHaveLength(20);
    expect(all.every((hit) => hit.objectID === hit.slug)).toBe(true);
    const gaming = await searchCategories('gamng');
    expect(gaming[0]).toMatchObject({ objectID: 'gaming', name: 'Gaming' });
    expect((await searchCategories('esports')).map((hit) => hit.objectID)).toEqual(['gaming']);
  });

  it('checkHealth: the cluster colour and available, through the provider; never throws', async () => {
    const c = useDefault({ ELASTIC_NODE: es.url });
    const health = await checkHealth();
    // A single node with one replica configured per index is yellow at worst: available.
    expect(['green', 'yellow']).toContain(health.status);
    expect(health.available).toBe(true);
    expect(c.resolve(ElasticsearchProvider).isBuilt).toBe(true);
    // Its request is marked as the provider's own probe: the provider still counts as unused.
    expect((await c.resolve(ElasticsearchProvider).health()).status).toBe('not_initialized');

    useDefault({ ELASTIC_NODE: `http://127.0.0.1:${await freePort()}`, ELASTIC_REQUEST_TIMEOUT_MS: '1000' });
    expect(await checkHealth()).toEqual({ status: 'unavailable', available: false });
    const unconfigured = createDbContainer({ env: {}, logger: logs.logger });
    containers.push(unconfigured);
    setDefaultContainer(unconfigured);
    expect(await checkHealth()).toEqual({ status: 'unavailable', available: false });
    expect(unconfigured.resolve(ElasticsearchProvider).isBuilt).toBe(false);
  });
});

describe('failures: a ProviderError naming Elasticsearch, no secret anywhere', () => {
  it('a wrong API key: the 401 of a secured cluster', async () => {
    useDefault({ ELASTIC_NODE: `http://127.0.0.1:${authPort}` });
    await expect(createIndices()).resolves.toHaveLength(2);
    useDefault({ ELASTIC_NODE: `http://127.0.0.1:${authPort}`, ELASTIC_API_KEY: WRONG_KEY });
    const error = await failure(searchAccounts({ query: 'beast' }));
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).provider).toBe('elasticsearch');
    expect((error as Error).message).toMatch(/^\[elasticsearch\] searchAccounts failed: .*security_exception/);
    for (const secret of [API_KEY, WRONG_KEY]) expect(everything(error)).not.toContain(secret);
    expect(await checkHealth()).toEqual({ status: 'unavailable', available: false });
  });

  it('a wrong CA: a certificate error, with the right CA the same calls work', async () => {
    const node = `https://127.0.0.1:${tlsPort}`;
    useDefault({ ELASTIC_NODE: node, ELASTIC_TLS_CA_FILE: certs.caFile });
    expect((await createIndices()).map((state) => state.role)).toEqual(['accounts', 'categories']);
    expect(await searchAccounts({ query: 'nothing indexed here' })).toMatchObject({ nbHits: 0, hits: [] });
    useDefault({ ELASTIC_NODE: node, ELASTIC_TLS_CA_FILE: certs.wrongCaFile });
    const error = await failure(searchAccounts({}));
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as Error).message).toMatch(/^\[elasticsearch\] searchAccounts failed: .*(certificate|self[- ]signed)/i);
    expect(everything(error)).not.toContain(API_KEY);
  });

  it('an unreachable node: every function fails with a ProviderError (checkHealth says unavailable)', async () => {
    useDefault({ ELASTIC_NODE: `http://127.0.0.1:${await freePort()}`, ELASTIC_REQUEST_TIMEOUT_MS: '1000' });
    const calls: [string, Promise<unknown>][] = [
      ['searchAccounts', searchAccounts({})],
      ['indexAccount', indexAccount(account('x', {}))],
      ['bulkIndexAccounts', bulkIndexAccounts([account('x', {})])],
      ['updateAccount', updateAccount('x', {})],
      ['deleteAccount', deleteAccount('x')],
      ['searchCategories', searchCategories('x')],
      ['createIndices', createIndices()],
    ];
    for (const [name, call] of calls) {
      const error = await failure(call);
      expect(error, name).toBeInstanceOf(ProviderError);
      expect((error as Error).message, name).toMatch(new RegExp(`^\\[elasticsearch\\] ${name} failed: .*ECONNREFUSED`));
      expect(everything(error)).not.toContain(API_KEY);
    }
  });
});
