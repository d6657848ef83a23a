// The account search of `@ratecreator/db/algolia-client` (`getSearchAccounts`) as plain data: parameters in, the one
// search request out. No client and no I/O here, so the index choice and the filter syntax are tested on their own.
// The types are the apps' own (`SearchAccountsParams`, `SearchResults`, `SearchAccount` of their types package),
// restated so that values pass between the two both ways: keep them structurally equal to those.

/** A numeric range: `{ min, max }` (min inclusive, max exclusive), or a ready Algolia filter string, sent as is. */
export type AccountRange = string | { min: number; max: number };

/** The filters of an account search; each one given narrows the search (they are joined with `AND`). */
export interface SearchAccountsFilters {
  /** Any of these platforms, matched upper-cased (`youtube` finds `YOUTUBE`). */
  platform?: string[];
  /** `followerCount`. */
  followers?: AccountRange;
  rating?: AccountRange;
  videoCount?: AccountRange;
  reviewCount?: AccountRange;
  /** Any of these countries. */
  country?: string[];
  /** Any of these `language_code`s. */
  language?: string[];
  claimed?: boolean;
  madeForKids?: boolean;
  /** Any of these categories. */
  categories?: string[];
}

/** The parameters of `getSearchAccounts`: what the web app's search route receives. */
export interface SearchAccountsParams {
  /** @default '' (every account) */
  query?: string;
  /** 0-based. @default 0 */
  page?: number;
  /** Accepted and not used, as before: the index's `hitsPerPage` decides. */
  limit?: number;
  filters?: SearchAccountsFilters;
  /** Picks the sorted replica `accounts_<sortBy>_<sortOrder>` (`followed` + `desc` is `accounts` itself). */
  sortBy?: string;
  /** @default 'desc' when `sortBy` is set */
  sortOrder?: 'asc' | 'desc';
}

/** One account as the accounts index holds it: a hit of `getSearchAccounts`. */
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

/** Counts per value of one facet (booleans as `"true"` and `"false"`). */
export type FacetCounts = { [value: string]: number };

/** Algolia's response for the one index searched, as it comes. */
export interface SearchResults {
  hits: SearchAccount[];
  nbHits: number;
  /** 0-based. */
  page: number;
  nbPages: number;
  hitsPerPage: number;
  /** Counts over every match (not only this page); a facet without values is absent. */
  facets: {
    platform?: FacetCounts;
    categories?: FacetCounts;
    country?: FacetCounts;
    language_code?: FacetCounts;
    madeForKids?: FacetCounts;
  };
  exhaustiveFacetsCount: boolean;
  exhaustiveNbHits: boolean;
  exhaustiveTypo: boolean;
  exhaustive: { facetsCount: boolean; nbHits: boolean; typo: boolean };
  query: string;
  /** The search parameters as Algolia read them, URL-encoded. */
  params: string;
  /** The index searched (with `ALGOLIA_INDEX_PREFIX`). */
  index: string;
  renderingContent: Record<string, unknown>;
  processingTimeMS: number;
  processingTimingsMS: Record<string, number>;
  serverTimeMS: number;
}

/** The primary accounts index, sorted by followers, most first. */
export const ACCOUNTS_INDEX = 'accounts';

/** The facets every account search counts. */
export const ACCOUNT_FACETS: readonly string[] = Object.freeze(['platform', 'categories', 'country', 'language_code', 'madeForKids']);

/** The account field each range filters on. */
const RANGE_FIELDS = { followers: 'followerCount', rating: 'rating', videoCount: 'videoCount', reviewCount: 'reviewCount' } as const;

/**
 * The index to search: `accounts`; with `sortBy`, its replica `accounts_<sortBy>_<sortOrder>` (order `desc` when not
 * given), except `followed` + `desc`, which is `accounts` itself. Without the environment prefix.
 */
export function accountsIndexName(sortBy: string | undefined, sortOrder: string | undefined): string {
  if (!sortBy) return ACCOUNTS_INDEX;
  const order = sortOrder || 'desc';
  return sortBy === 'followed' && order === 'desc' ? ACCOUNTS_INDEX : `${ACCOUNTS_INDEX}_${sortBy}_${order}`;
}

/** Words the filter syntax reserves: as a bare value they would be read as syntax. */
const RESERVED = new Set(['AND', 'OR', 'NOT', 'TO']);

/** A facet value as a filter: bare when it is a plain word (`YOUTUBE`), else quoted with `"` and `\` escaped. */
function facetValue(value: string): string {
  return /^[\p{L}\p{N}_]+$/u.test(value) && !RESERVED.has(value) ? value : quoted(value);
}

const quoted = (value: string): string => `"${value.replace(/[\\"]/g, '\\$&')}"`;

/** `(field:a OR field:b)`, or nothing for an empty or absent list. */
function anyOf(field: string, values: readonly unknown[] | undefined, format: (value: string) => string): string[] {
  if (!Array.isArray(values) || values.length === 0) return [];
  return [`(${values.map((value) => `${field}:${format(String(value))}`).join(' OR ')})`];
}

/** A bound of `{ min, max }`: a finite number, or a numeric string as a query string gives it; anything else is none. */
function bound(value: unknown): number | undefined {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof number === 'number' && Number.isFinite(number) ? number : undefined;
}

/** A range as filters on its own field: a string as is; `{ min, max }` as `field >= min` and `field < max`. */
function range(field: string, value: AccountRange | undefined): string[] {
  if (!value) return [];
  if (typeof value === 'string') return [value];
  if (typeof value !== 'object') return [];
  const min = bound(value.min);
  const max = bound(value.max);
  return [...(min === undefined ? [] : [`${field} >= ${min}`]), ...(max === undefined ? [] : [`${field} < ${max}`])];
}

/** `field:true` or `field:false` for a boolean (or its text); nothing otherwise. */
function flag(field: string, value: unknown): string[] {
  return value === true || value === false || value === 'true' || value === 'false' ? [`${field}:${String(value)}`] : [];
}

/**
 * The `filters` string of an account search, the parts joined with ` AND ` in this order: categories (quoted),
 * platforms (upper-cased), the followers, rating, video count and review count ranges, countries, languages,
 * `claimed`, `madeForKids`. `''` without filters.
 */
export function accountFilters(filters: SearchAccountsFilters | undefined): string {
  if (!filters) return '';
  return [
    ...anyOf('categories', filters.categories, quoted),
    ...anyOf('platform', filters.platform, (value) => facetValue(value.toUpperCase())),
    ...range(RANGE_FIELDS.followers, filters.followers),
    ...range(RANGE_FIELDS.rating, filters.rating),
    ...range(RANGE_FIELDS.videoCount, filters.videoCount),
    ...range(RANGE_FIELDS.reviewCount, filters.reviewCount),
    ...anyOf('country', filters.country, facetValue),
    ...anyOf('language_code', filters.language, facetValue),
    ...flag('claimed', filters.claimed),
    ...flag('madeForKids', filters.madeForKids),
  ].join(' AND ');
}

/** The one request of a multi-index search (`client.search({ requests: [...] })`) for `getSearchAccounts`. */
export interface AccountSearchRequest {
  indexName: string;
  query: string;
  page: number;
  filters?: string;
  facets: string[];
}

/** The search request for `params`; `indexName` adds the environment prefix to the chosen index. */
export function accountSearchRequest(params: SearchAccountsParams, indexName: (name: string) => string = (name) => name): AccountSearchRequest {
  const filters = accountFilters(params.filters);
  return {
    indexName: indexName(accountsIndexName(params.sortBy, params.sortOrder)),
    query: params.query || '',
    page: params.page || 0,
    ...(filters === '' ? {} : { filters }),
    facets: [...ACCOUNT_FACETS],
  };
}
