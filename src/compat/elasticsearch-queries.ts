// The account and category searches of `@ratecreator/db/elasticsearch-client` as plain data: parameters in, a
// request body out, a response in, an Algolia-shaped result out. No client and no I/O here, so that the query logic
// is tested on its own and the fake in `./testing` evaluates exactly what is sent.

/** One account as stored in the accounts index (the fields the mappings and the search know; others are kept as sent). */
export interface AccountDocument {
  /** The document id when set; otherwise `accountId` is. */
  objectID?: string;
  accountId: string;
  platform: string;
  handle?: string | null;
  name?: string | null;
  name_en?: string | null;
  description?: string | null;
  description_en?: string | null;
  keywords?: string | null;
  keywords_en?: string | null;
  imageUrl?: string | null;
  bannerUrl?: string | null;
  followerCount?: number | null;
  viewCount?: number | null;
  videoCount?: number | null;
  reviewCount?: number | null;
  rating?: number | null;
  country?: string | null;
  language_code?: string | null;
  /** Category slugs (or ids): a keyword field, filtered and faceted exactly. */
  categories?: string[];
  categoryNames?: string[];
  madeForKids?: boolean | null;
  claimed?: boolean | null;
  isSeeded?: boolean | null;
  /** ISO 8601 date-time. */
  createdDate?: string | null;
  /** ISO 8601 date-time; `updateAccount` sets it. */
  lastIndexedAt?: string | null;
}

/** One category as stored in the categories index. */
export interface CategoryDocument {
  objectID?: string;
  name: string;
  slug: string;
  shortDescription?: string | null;
  longDescription?: string | null;
  keywords?: string[] | string | null;
  parentId?: string | null;
  parentCategory?: string | null;
  popular?: boolean | null;
  depth?: number | null;
  createdAt?: string | null;
  updatedAt?: string | null;
}

/** A stored document as search returns it: the document plus `objectID`, the Elasticsearch `_id`. */
export type Hit<T> = T & { objectID: string };

/** A numeric range: `{ min, max }` (either may be left out), or `"0-1000"`, `"1M-10M"`, `"100K+"`. */
export type RangeFilter = { min?: number | string; max?: number | string } | string;

export interface AccountFilters {
  /** Matched upper-cased (`youtube` finds `YOUTUBE`). */
  platform?: readonly string[];
  country?: readonly string[];
  /** Matches `language_code`. */
  language?: readonly string[];
  categories?: readonly string[];
  madeForKids?: boolean;
  claimed?: boolean;
  /** `followerCount`: lower bound inclusive, upper bound exclusive. */
  followers?: RangeFilter;
  /** Lower and upper bound inclusive. */
  rating?: RangeFilter;
  /** Lower bound inclusive, upper bound exclusive. */
  videoCount?: RangeFilter;
  /** Lower bound inclusive, upper bound exclusive. */
  reviewCount?: RangeFilter;
}

/** The account fields `searchAccounts` can sort by (numbers and dates). */
export const ACCOUNT_SORT_FIELDS = [
  'followerCount', 'viewCount', 'videoCount', 'reviewCount', 'rating', 'createdDate', 'lastIndexedAt',
] as const;
export type AccountSortField = (typeof ACCOUNT_SORT_FIELDS)[number];

export interface SearchAccountsParams {
  /** Fuzzy text over names, handle, descriptions, keywords and categories; empty or absent matches every account. */
  query?: string;
  /** 1-based. @default 1 */
  page?: number;
  /** Hits per page, capped at {@link MAX_LIMIT}. @default 20 */
  limit?: number;
  /** @default 'followerCount' */
  sortBy?: AccountSortField;
  /** @default 'desc' */
  sortOrder?: 'asc' | 'desc';
  filters?: AccountFilters;
}

/** Counts per value of one facet. */
export type FacetCounts = Record<string, number>;

export interface SearchAccountsResult {
  hits: Hit<AccountDocument>[];
  /** The exact number of matching accounts. */
  nbHits: number;
  page: number;
  nbPages: number;
  hitsPerPage: number;
  facets: { platform: FacetCounts; categories: FacetCounts; country: FacetCounts; language_code: FacetCounts; madeForKids: FacetCounts };
  processingTimeMS: number;
}

export const DEFAULT_LIMIT = 20;
export const MAX_LIMIT = 100;
/** Elasticsearch's default `index.max_result_window`: `from + size` beyond it is refused by the server. */
export const MAX_RESULT_WINDOW = 10_000;
/** How many categories `searchCategories` returns. */
export const CATEGORY_HITS = 20;

const ACCOUNT_TEXT_FIELDS = ['name^3', 'name_en^3', 'handle^2', 'description', 'description_en', 'keywords', 'keywords_en', 'categories'];
const CATEGORY_TEXT_FIELDS = ['name^3', 'slug^2', 'shortDescription', 'keywords'];

/** Facets in the result: field and how many values. */
const FACETS = { platform: 10, categories: 50, country: 50, language_code: 30, madeForKids: 2 } as const;
type FacetName = keyof typeof FACETS;
/** The terms aggregations of every account search (the same for each; built once). */
const FACET_AGGREGATIONS = Object.fromEntries(
  Object.entries(FACETS).map(([field, size]) => [field, { terms: { field, size } }]),
);

/** Range filters: field and whether the upper bound is inclusive. */
const RANGES = {
  followers: { field: 'followerCount', upperInclusive: false },
  rating: { field: 'rating', upperInclusive: true },
  videoCount: { field: 'videoCount', upperInclusive: false },
  reviewCount: { field: 'reviewCount', upperInclusive: false },
} as const;

const SUFFIX: Record<string, number> = { '': 1, k: 1e3, m: 1e6, b: 1e9 };
const AMOUNT = String.raw`(\d+(?:\.\d+)?)\s*([kmb]?)`;
const RANGE_TEXT = new RegExp(String.raw`^\s*${AMOUNT}\s*(?:(\+)|-\s*(?:${AMOUNT})?)?\s*$`, 'i');

const amount = (digits: string, suffix: string): number => Math.round(Number(digits) * SUFFIX[suffix.toLowerCase()]!);

/**
 * `"0-1000"`, `"1M-10M"`, `"100K+"`, `"5K-"` (open-ended) or `"250"` (from 250 up) as `{ min, max? }`; suffixes K, M
 * and B in either case. `undefined` for anything else, which the search then ignores.
 */
export function parseRange(text: string): { min: number; max?: number } | undefined {
  const match = RANGE_TEXT.exec(text);
  if (!match) return undefined;
  const [, low, lowSuffix, , high, highSuffix] = match;
  const min = amount(low!, lowSuffix!);
  return high === undefined ? { min } : { min, max: amount(high, highSuffix!) };
}

/**
 * One bound of `{ min, max }`: a finite number, or a numeric string (a query string's value, as Elasticsearch itself
 * would accept it). Anything else is no bound.
 */
function bound(value: unknown): number | undefined {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof number === 'number' && Number.isFinite(number) ? number : undefined;
}

/** A range filter as Elasticsearch's `range` bounds, or `undefined` when it is unparseable or empty. */
export function rangeBounds(range: RangeFilter, upperInclusive: boolean): Record<string, number> | undefined {
  const parsed = typeof range === 'string' ? parseRange(range) : range;
  if (parsed === undefined || parsed === null || typeof parsed !== 'object') return undefined;
  const bounds: Record<string, number> = {};
  const min = bound(parsed.min);
  const max = bound(parsed.max);
  if (min !== undefined) bounds.gte = min;
  if (max !== undefined) bounds[upperInclusive ? 'lte' : 'lt'] = max;
  return Object.keys(bounds).length > 0 ? bounds : undefined;
}

/** Paging after validation: a positive whole page, a limit within 1..{@link MAX_LIMIT}. */
export function paging(params: Pick<SearchAccountsParams, 'page' | 'limit'>): { page: number; limit: number; from: number } {
  const page = params.page ?? 1;
  const requested = params.limit ?? DEFAULT_LIMIT;
  if (!Number.isInteger(page) || page < 1) throw new RangeError(`searchAccounts: page must be a whole number from 1, got ${String(page)}`);
  if (!Number.isInteger(requested) || requested < 1) {
    throw new RangeError(`searchAccounts: limit must be a whole number from 1, got ${String(requested)}`);
  }
  const limit = Math.min(requested, MAX_LIMIT);
  const from = (page - 1) * limit;
  if (from + limit > MAX_RESULT_WINDOW) {
    throw new RangeError(`searchAccounts: page ${page} with ${limit} hits per page reaches past the first ${MAX_RESULT_WINDOW} hits`);
  }
  return { page, limit, from };
}

const terms = (field: string, values: readonly string[] | undefined, map: (value: string) => string = (value) => value) =>
  values && values.length > 0 ? [{ terms: { [field]: values.map((value) => map(String(value))) } }] : [];

/** The `filter` clauses of an account search. */
function accountFilters(filters: AccountFilters): object[] {
  const clauses: object[] = [
    ...terms('platform', filters.platform, (value) => value.toUpperCase()),
    ...terms('country', filters.country),
    ...terms('language_code', filters.language),
    ...terms('categories', filters.categories),
  ];
  if (typeof filters.madeForKids === 'boolean') clauses.push({ term: { madeForKids: filters.madeForKids } });
  if (typeof filters.claimed === 'boolean') clauses.push({ term: { claimed: filters.claimed } });
  for (const [name, { field, upperInclusive }] of Object.entries(RANGES)) {
    const range = filters[name as keyof typeof RANGES];
    const bounds = range === undefined ? undefined : rangeBounds(range, upperInclusive);
    if (bounds) clauses.push({ range: { [field]: bounds } });
  }
  return clauses;
}

const textQuery = (query: string, fields: string[]) => ({
  multi_match: { query, fields, type: 'best_fields', fuzziness: 'AUTO' },
});

/** The search request body for `searchAccounts`, after validation (a bad page, limit or sort field is a RangeError). */
export function accountSearchBody(params: SearchAccountsParams): { body: Record<string, unknown>; page: number; limit: number } {
  const { page, limit, from } = paging(params);
  const sortBy = params.sortBy ?? 'followerCount';
  if (!(ACCOUNT_SORT_FIELDS as readonly string[]).includes(sortBy)) {
    throw new RangeError(`searchAccounts: sortBy must be one of ${ACCOUNT_SORT_FIELDS.join(', ')}, got ${String(sortBy)}`);
  }
  const order = params.sortOrder ?? 'desc';
  if (order !== 'asc' && order !== 'desc') throw new RangeError(`searchAccounts: sortOrder must be asc or desc, got ${String(order)}`);
  const query = params.query?.trim() ?? '';
  const sortField = { [sortBy]: { order, missing: '_last' } };
  return {
    page,
    limit,
    body: {
      from,
      size: limit,
      track_total_hits: true,
      query: {
        bool: {
          must: [query === '' ? { match_all: {} } : textQuery(query, ACCOUNT_TEXT_FIELDS)],
          filter: accountFilters(params.filters ?? {}),
        },
      },
      sort: query === '' ? [sortField] : ['_score', sortField],
      aggs: FACET_AGGREGATIONS,
    },
  };
}

/** The search request body for `searchCategories`: every category for an empty query. */
export function categorySearchBody(query: string): Record<string, unknown> {
  const text = query.trim();
  return { size: CATEGORY_HITS, query: text === '' ? { match_all: {} } : textQuery(text, CATEGORY_TEXT_FIELDS) };
}

/** The parts of a search response the mapping reads. */
export interface SearchResponseLike<T> {
  took?: number;
  hits: { total?: number | { value: number }; hits: { _id?: string | null; _source?: T }[] };
  aggregations?: Record<string, unknown>;
}

/**
 * Stored documents with their ids as `objectID`. Each `_source` is the response's own freshly parsed object, so it
 * gets the id in place rather than being copied (a copy per hit was most of the mapping's cost).
 */
export function toHits<T>(response: SearchResponseLike<T>): Hit<T>[] {
  return response.hits.hits.map((hit) => {
    const source = (hit._source ?? {}) as Hit<T>;
    source.objectID = String(hit._id);
    return source;
  });
}

/** Bucket counts of one terms aggregation; booleans under "true" and "false". */
function facetCounts(aggregation: unknown): FacetCounts {
  const buckets = (aggregation as { buckets?: { key: unknown; key_as_string?: string; doc_count: number }[] } | undefined)?.buckets ?? [];
  const counts: FacetCounts = {};
  for (const bucket of buckets) counts[bucket.key_as_string ?? String(bucket.key)] = bucket.doc_count;
  return counts;
}

/** The Algolia-shaped result of an account search. */
export function accountSearchResult(
  response: SearchResponseLike<AccountDocument>,
  page: number,
  limit: number,
  elapsedMs: number,
): SearchAccountsResult {
  const total = typeof response.hits.total === 'number' ? response.hits.total : (response.hits.total?.value ?? 0);
  const facets = Object.fromEntries(
    (Object.keys(FACETS) as FacetName[]).map((name) => [name, facetCounts(response.aggregations?.[name])]),
  ) as SearchAccountsResult['facets'];
  return {
    hits: toHits(response),
    nbHits: total,
    page,
    nbPages: Math.ceil(total / limit),
    hitsPerPage: limit,
    facets,
    processingTimeMS: response.took ?? Math.round(elapsedMs),
  };
}
