import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  getSearchAccounts,
  type SearchAccount,
  type SearchAccountsParams,
  type SearchResults,
} from '../../../src/compat/algolia-client.js';
import { accountSearchRequest } from '../../../src/compat/algolia-queries.js';

// Type-level checks run when `tsc --noEmit -p tsconfig.json` (part of `npm test`) compiles this file. The apps declare
// these types in their own types package; below is a structural copy of them (reference/original-package-api.md,
// "getSearchAccounts"). Values must pass between theirs and ours both ways: the web app's route hands its params to
// getSearchAccounts and its result on as its own SearchResults.

namespace Apps {
  export interface SearchAccountsParams {
    query?: string;
    page?: number;
    limit?: number;
    filters?: {
      platform?: string[];
      followers?: string | { min: number; max: number };
      rating?: string | { min: number; max: number };
      videoCount?: string | { min: number; max: number };
      reviewCount?: string | { min: number; max: number };
      country?: string[];
      language?: string[];
      claimed?: boolean;
      madeForKids?: boolean;
      categories?: string[];
    };
    sortBy?: string;
    sortOrder?: 'asc' | 'desc';
  }

  export interface SearchAccount {
    accountId: string;
    platform: string;
    handle: string;
    name: string;
    description?: string;
    keywords?: string;
    followerCount: number;
    imageUrl: string;
    country?: string;
    language_code?: string;
    rating: number;
    reviewCount: number;
    madeForKids: boolean;
    viewCount?: number;
    videoCount?: number;
    bannerURL?: string;
    categories: string[];
    createdDate: string;
    objectID: string;
  }

  export interface SearchResults {
    hits: SearchAccount[];
    nbHits: number;
    page: number;
    nbPages: number;
    hitsPerPage: number;
    facets: {
      platform?: { [key: string]: number };
      categories?: { [key: string]: number };
      country?: { [key: string]: number };
      language_code?: { [key: string]: number };
      madeForKids?: { [key: string]: number };
    };
    exhaustiveFacetsCount: boolean;
    exhaustiveNbHits: boolean;
    exhaustiveTypo: boolean;
    exhaustive: { facetsCount: boolean; nbHits: boolean; typo: boolean };
    query: string;
    params: string;
    index: string;
    renderingContent: Record<string, unknown>;
    processingTimeMS: number;
    processingTimingsMS: Record<string, number>;
    serverTimeMS: number;
  }
}

expectTypeOf<SearchAccountsParams>().not.toBeAny();
expectTypeOf<SearchResults>().not.toBeAny();
expectTypeOf<SearchAccountsParams>().toExtend<Apps.SearchAccountsParams>();
expectTypeOf<Apps.SearchAccountsParams>().toExtend<SearchAccountsParams>();
expectTypeOf<SearchResults>().toExtend<Apps.SearchResults>();
expectTypeOf<Apps.SearchResults>().toExtend<SearchResults>();
expectTypeOf<SearchAccount>().toExtend<Apps.SearchAccount>();
expectTypeOf<Apps.SearchAccount>().toExtend<SearchAccount>();
expectTypeOf(getSearchAccounts).parameter(0).toEqualTypeOf<SearchAccountsParams>();
expectTypeOf(getSearchAccounts).returns.resolves.toEqualTypeOf<SearchResults>();

/** How the web app's search route uses it, with its own types on both sides. Never called. */
async function appRoute(params: Apps.SearchAccountsParams): Promise<Apps.SearchResults> {
  const results: Apps.SearchResults = await getSearchAccounts(params);
  const hit: Apps.SearchAccount | undefined = results.hits[0];
  void hit;
  // @ts-expect-error a sort order is asc or desc
  void getSearchAccounts({ sortOrder: 'up' });
  // @ts-expect-error a range is a string or both bounds
  void getSearchAccounts({ filters: { followers: 1000 } });
  return results;
}
void appRoute;

describe('getSearchAccounts types', () => {
  it('an app-typed parameter object is taken as it is', () => {
    const params: Apps.SearchAccountsParams = { query: 'tech', page: 1, sortBy: 'rating', sortOrder: 'asc', filters: { videoCount: { min: 1, max: 9 } } };
    expect(accountSearchRequest(params)).toMatchObject({ indexName: 'accounts_rating_asc', filters: 'videoCount >= 1 AND videoCount < 9' });
  });
});
