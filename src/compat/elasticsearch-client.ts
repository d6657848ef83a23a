import 'reflect-metadata';
import type { Client } from '@elastic/elasticsearch';
import { ElasticsearchProvider, getDefaultContainer, ProviderError } from '../index.js';
import { ensureIndices, type IndexState } from './elasticsearch-indices.js';
import {
  accountSearchBody,
  accountSearchResult,
  categorySearchBody,
  toHits,
  type AccountDocument,
  type CategoryDocument,
  type Hit,
  type SearchAccountsParams,
  type SearchAccountsResult,
} from './elasticsearch-queries.js';

export type {
  AccountDocument,
  AccountFilters,
  AccountSortField,
  CategoryDocument,
  FacetCounts,
  Hit,
  RangeFilter,
  SearchAccountsParams,
  SearchAccountsResult,
} from './elasticsearch-queries.js';
export { ACCOUNT_SORT_FIELDS, MAX_LIMIT, parseRange } from './elasticsearch-queries.js';
export { ACCOUNTS_INDEX, CATEGORIES_INDEX, type IndexState } from './elasticsearch-indices.js';

/** One item of a bulk request that Elasticsearch refused. */
export interface BulkItemFailure {
  /** The document id. */
  readonly id: string;
  readonly status: number;
  /** Elasticsearch's error type, e.g. `document_parsing_exception`. */
  readonly type: string;
  readonly reason: string;
}

/**
 * Some documents of `bulkIndexAccounts` were not stored (the others were). `failed` of `total` failed; `items` says
 * which and why.
 */
export class BulkIndexError extends ProviderError {
  override name = 'BulkIndexError';
  readonly failed: number;
  readonly total: number;
  readonly items: readonly BulkItemFailure[];

  constructor(items: readonly BulkItemFailure[], total: number) {
    const first = items[0];
    super('elasticsearch', `bulk indexing failed for ${items.length} of ${total} accounts` +
      (first ? ` (first: ${first.id}: ${first.type}: ${first.reason})` : ''));
    this.failed = items.length;
    this.total = total;
    this.items = Object.freeze([...items]);
  }
}

const provider = (): ElasticsearchProvider => getDefaultContainer().resolve(ElasticsearchProvider);

/**
 * The shared Elasticsearch client of the default container (`ELASTIC_NODE` or `ELASTIC_CLOUD_ID` with
 * credentials). Building it sends nothing; disposing the default container closes it.
 * @throws {ConfigError} when Elasticsearch is not configured.
 */
export function getElasticsearchClient(): Client {
  return provider().client;
}

/**
 * A failure in one line: for an error response, its status, Elasticsearch's error type and reason (the client's
 * message is the type alone); otherwise the message.
 */
function describe(error: unknown): string {
  const response = error as { meta?: { statusCode?: number; body?: { error?: { type?: string; reason?: string } | string } } };
  const body = response.meta?.body?.error;
  if (body && typeof body === 'object' && body.type) {
    return `${response.meta?.statusCode ?? 'error'} ${body.type}${body.reason ? `: ${body.reason}` : ''}`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** Runs one operation on the shared client; any failure becomes a ProviderError naming Elasticsearch and the operation. */
async function run<T>(operation: string, use: (client: Client, indices: ElasticsearchProvider['indexNames']) => Promise<T>): Promise<T> {
  const search = provider();
  const client = search.client;
  try {
    return await use(client, search.indexNames);
  } catch (error) {
    if (error instanceof ProviderError) throw error;
    // ProviderError scrubs registered secrets from the message and the cause.
    throw new ProviderError('elasticsearch', `${operation} failed: ${describe(error)}`, { cause: error });
  }
}

/** The id an account is stored under: `objectID`, or else `accountId`; `undefined` when it has neither. */
function idOf(account: AccountDocument): string | undefined {
  for (const id of [account.objectID, account.accountId]) if (typeof id === 'string' && id !== '') return id;
  return undefined;
}

function accountId(account: AccountDocument): string {
  const id = idOf(account);
  if (id === undefined) throw new RangeError('an account needs an objectID or an accountId to be indexed');
  return id;
}

/**
 * Searches accounts the way the Algolia index did: fuzzy text (names weigh most, then the handle), filters, ranges,
 * facets and 1-based pages. With query text, hits come by relevance, then by `sortBy`; without, by `sortBy` alone.
 * @throws {RangeError} on a page below 1, a limit below 1, a page past the first 10,000 hits or an unknown sort field.
 * @throws {ProviderError} when the search fails.
 */
export async function searchAccounts(params: SearchAccountsParams = {}): Promise<SearchAccountsResult> {
  const { body, page, limit } = accountSearchBody(params);
  return run('searchAccounts', async (client, indices) => {
    const started = performance.now();
    const response = await client.search<AccountDocument>({ index: indices.accounts, ...body });
    return accountSearchResult(response, page, limit, performance.now() - started);
  });
}

/** Stores one account (replacing any with its id), searchable as soon as this resolves. */
export async function indexAccount(account: AccountDocument): Promise<void> {
  const id = accountId(account);
  await run('indexAccount', (client, indices) =>
    client.index({ index: indices.accounts, id, document: { ...account, objectID: id }, refresh: true }));
}

/**
 * Stores many accounts in one bulk request, searchable as soon as this resolves.
 * @throws {BulkIndexError} when any account was refused (the others are stored), with the failures counted and listed.
 */
export async function bulkIndexAccounts(accounts: readonly AccountDocument[]): Promise<{ indexed: number }> {
  if (accounts.length === 0) return { indexed: 0 };
  // An account without an id is not sent (Elasticsearch would store it under a random id): it counts as failed.
  const failures: BulkItemFailure[] = [];
  const sent: { account: AccountDocument; id: string }[] = [];
  accounts.forEach((account, i) => {
    const id = idOf(account);
    if (id === undefined) failures.push({ id: `#${i}`, status: 400, type: 'missing_id', reason: 'the account has neither objectID nor accountId' });
    else sent.push({ account, id });
  });
  return run('bulkIndexAccounts', async (client, indices) => {
    if (sent.length > 0) {
      const operations = sent.flatMap(({ account, id }) => [{ index: { _index: indices.accounts, _id: id } }, { ...account, objectID: id }]);
      const response = await client.bulk({ operations, refresh: true });
      response.items.forEach((item, i) => {
        const result = Object.values(item)[0];
        if (!result?.error) return;
        failures.push({ id: String(result._id ?? sent[i]!.id), status: result.status, type: result.error.type, reason: result.error.reason ?? '' });
      });
    }
    if (failures.length > 0) throw new BulkIndexError(failures, accounts.length);
    return { indexed: accounts.length };
  });
}

/** Changes some fields of one account and sets `lastIndexedAt` to now; visible to search as soon as this resolves. */
export async function updateAccount(accountId: string, updates: Partial<AccountDocument>): Promise<void> {
  await run('updateAccount', (client, indices) =>
    client.update({ index: indices.accounts, id: accountId, doc: { ...updates, lastIndexedAt: new Date().toISOString() }, refresh: true }));
}

/** Removes one account; gone from search as soon as this resolves. @throws {ProviderError} when there is no such account. */
export async function deleteAccount(accountId: string): Promise<void> {
  await run('deleteAccount', (client, indices) => client.delete({ index: indices.accounts, id: accountId, refresh: true }));
}

/**
 * Up to 20 categories matching `query` (fuzzy over name, slug, short description, keywords). An empty query lists the
 * first 20 categories (upstream's empty fuzzy match found none).
 */
export async function searchCategories(query: string): Promise<Hit<CategoryDocument>[]> {
  return run('searchCategories', async (client, indices) =>
    toHits(await client.search<CategoryDocument>({ index: indices.categories, ...categorySearchBody(query) })));
}

/**
 * Creates the accounts and categories indices that are missing, with the documented settings and mappings; existing
 * ones are left alone (and compared with the mappings: see `differences`). Safe to call on every start.
 */
export async function createIndices(): Promise<IndexState[]> {
  return run('createIndices', (client, indices) => ensureIndices(client, indices));
}

/** The cluster's health colour; `available` unless it is red. */
export interface ElasticsearchHealth {
  readonly status: 'green' | 'yellow' | 'red' | 'unavailable';
  readonly available: boolean;
}

/**
 * Cluster health through the shared client. Never throws: `unavailable` when Elasticsearch is not configured or does
 * not answer. Builds no client of its own, and its request does not count as use of the provider's.
 */
export async function checkHealth(): Promise<ElasticsearchHealth> {
  try {
    const search = provider();
    if (!search.isConfigured) return { status: 'unavailable', available: false };
    // Marked as a probe (the provider's own header): asking for health is not use of the client.
    const health = await search.client.cluster.health({}, { maxRetries: 0, headers: { 'x-ratecreator-db-probe': '1' } });
    const status = String(health.status).toLowerCase() as ElasticsearchHealth['status'];
    return { status, available: status === 'green' || status === 'yellow' };
  } catch {
    return { status: 'unavailable', available: false };
  }
}
