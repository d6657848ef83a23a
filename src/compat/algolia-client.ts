import 'reflect-metadata';
import type { SearchClient } from '@algolia/client-search';
import { AlgoliaProvider, DbError, getDefaultContainer, ProviderError } from '../index.js';
import { accountSearchRequest, type SearchAccount, type SearchAccountsParams, type SearchResults } from './algolia-queries.js';
import { lazyClient } from './lazy-client.js';

export type {
  AccountRange,
  FacetCounts,
  SearchAccount,
  SearchAccountsFilters,
  SearchAccountsParams,
  SearchResults,
} from './algolia-queries.js';

/**
 * The shared Algolia client with the write key (`ALGOLIA_APP_ID`, `ALGOLIA_WRITE_API_KEY`) of the default container.
 * Building it sends nothing. @throws {ConfigError} when the application id or the write key is missing.
 */
export function getWriteClient(): SearchClient {
  return getDefaultContainer().resolve(AlgoliaProvider).client;
}

/**
 * The shared search-only client (`ALGOLIA_SEARCH_API_KEY`, or the `NEXT_PUBLIC_ALGOLIA_APP_ID` /
 * `NEXT_PUBLIC_ALGOLIA_SEARCH_API_KEY` pair) of the default container.
 * @throws {ConfigError} when no search key is set.
 */
export function getSearchClient(): SearchClient {
  return getDefaultContainer().resolve(AlgoliaProvider).searchClient;
}

/** The write client as a value; it resolves the default container on first property access, so importing sends nothing. */
export const algoliaClient: SearchClient = lazyClient(getWriteClient);

/**
 * The web app's account search, with the search-only client: the index `accounts` (with `ALGOLIA_INDEX_PREFIX`), or
 * with `sortBy` its sorted replica `accounts_<sortBy>_<sortOrder>` (`followed` + `desc` is `accounts`); the filters
 * joined with `AND` (ranges on their own fields, min inclusive and max exclusive; a string range as is); the facets
 * platform, categories, country, language_code and madeForKids; query `''` and page 0 by default. Resolves to
 * Algolia's result for that index as it comes.
 * @throws {ConfigError} when no search key is set.
 * @throws {ProviderError} `[algolia] getSearchAccounts failed: <Algolia's message>` when the search fails (the
 * original error as `cause`, without the key).
 */
export async function getSearchAccounts(params: SearchAccountsParams): Promise<SearchResults> {
  const algolia = getDefaultContainer().resolve(AlgoliaProvider);
  const client = algolia.searchClient;
  try {
    const request = accountSearchRequest(params ?? {}, (name) => algolia.indexName(name));
    const { results } = await client.search<SearchAccount>({ requests: [request] });
    return results[0] as unknown as SearchResults;
  } catch (error) {
    // A DisposedError is already a ProviderError naming algolia. ProviderError scrubs registered secrets (the API keys
    // among them) from the message and the cause.
    if (error instanceof DbError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new ProviderError('algolia', `getSearchAccounts failed: ${message}`, { cause: error });
  }
}
