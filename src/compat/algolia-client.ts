import 'reflect-metadata';
import type { SearchClient } from '@algolia/client-search';
import { AlgoliaProvider, getDefaultContainer } from '../index.js';
import { lazyClient } from './lazy-client.js';

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
