import { describe, expect, it } from 'vitest';
import {
  accountSearchBody,
  accountSearchResult,
  categorySearchBody,
  paging,
  parseRange,
  rangeBounds,
} from '../../../src/compat/elasticsearch-queries.js';

type Bool = { must: object[]; filter: object[] };
const boolOf = (body: Record<string, unknown>) => (body.query as { bool: Bool }).bool;

describe('range strings', () => {
  it.each([
    ['0-1000', { min: 0, max: 1000 }],
    ['1M-10M', { min: 1_000_000, max: 10_000_000 }],
    ['1m-10m', { min: 1_000_000, max: 10_000_000 }],
    ['100K+', { min: 100_000 }],
    ['2.5k-1B', { min: 2500, max: 1_000_000_000 }],
    ['5K-', { min: 5000 }],
    [' 10 - 20 ', { min: 10, max: 20 }],
    ['250', { min: 250 }],
  ])('%s', (text, expected) => {
    expect(parseRange(text)).toEqual(expected);
  });

  it.each(['', 'lots', '1X-2X', '-5', '1M-10M-100M', '++', 'NaN'])('%j is not a range', (text) => {
    expect(parseRange(text)).toBeUndefined();
  });

  it('upper bounds are exclusive or inclusive as asked; min and max may each be absent', () => {
    expect(rangeBounds('1M-10M', false)).toEqual({ gte: 1_000_000, lt: 10_000_000 });
    expect(rangeBounds('3-5', true)).toEqual({ gte: 3, lte: 5 });
    expect(rangeBounds({ max: 4.5 }, true)).toEqual({ lte: 4.5 });
    expect(rangeBounds({ min: 10 }, false)).toEqual({ gte: 10 });
    expect(rangeBounds({}, false)).toBeUndefined();
    expect(rangeBounds('garbage', false)).toBeUndefined();
    // Numeric strings (a query string's values) are numbers, as Elasticsearch would read them; other strings no bound.
    expect(rangeBounds({ min: '1000', max: ' 2.5e3 ' }, false)).toEqual({ gte: 1000, lt: 2500 });
    expect(rangeBounds({ min: 'many', max: '' }, false)).toBeUndefined();
  });
});

describe('searchAccounts request body', () => {
  it('defaults: page 1, 20 hits, every account, by followerCount descending, exact totals, the five facets', () => {
    const { body, page, limit } = accountSearchBody({});
    expect([page, limit]).toEqual([1, 20]);
    expect(body).toMatchObject({ from: 0, size: 20, track_total_hits: true });
    expect(boolOf(body)).toEqual({ must: [{ match_all: {} }], filter: [] });
    expect(body.sort).toEqual([{ followerCount: { order: 'desc', missing: '_last' } }]);
    expect(body.aggs).toEqual({
      platform: { terms: { field: 'platform', size: 10 } },
      categories: { terms: { field: 'categories', size: 50 } },
      country: { terms: { field: 'country', size: 50 } },
      language_code: { terms: { field: 'language_code', size: 30 } },
      madeForKids: { terms: { field: 'madeForKids', size: 2 } },
    });
  });

  it('query text: fuzzy best fields with the documented weights, relevance first in the sort', () => {
    const { body } = accountSearchBody({ query: '  mr beast ', sortBy: 'rating', sortOrder: 'asc' });
    expect(boolOf(body).must).toEqual([{
      multi_match: {
        query: 'mr beast',
        fields: ['name^3', 'name_en^3', 'handle^2', 'description', 'description_en', 'keywords', 'keywords_en', 'categories'],
        type: 'best_fields',
        fuzziness: 'AUTO',
      },
    }]);
    expect(body.sort).toEqual(['_score', { rating: { order: 'asc', missing: '_last' } }]);
  });

  it('filters: platform upper-cased, language as language_code, booleans, the four ranges with their bounds', () => {
    const { body } = accountSearchBody({
      filters: {
        platform: ['youtube', 'Twitch'],
        country: ['US'],
        language: ['en'],
        categories: ['gaming'],
        madeForKids: false,
        claimed: true,
        followers: '1M-10M',
        rating: { min: 4, max: 5 },
        videoCount: '100K+',
        reviewCount: 'not a range',
      },
    });
    expect(boolOf(body).filter).toEqual([
      { terms: { platform: ['YOUTUBE', 'TWITCH'] } },
      { terms: { country: ['US'] } },
      { terms: { language_code: ['en'] } },
      { terms: { categories: ['gaming'] } },
      { term: { madeForKids: false } },
      { term: { claimed: true } },
      { range: { followerCount: { gte: 1_000_000, lt: 10_000_000 } } },
      { range: { rating: { gte: 4, lte: 5 } } },
      { range: { videoCount: { gte: 100_000 } } },
    ]);
  });

  it('empty filter lists add no clause', () => {
    expect(boolOf(accountSearchBody({ filters: { platform: [], country: [] } }).body).filter).toEqual([]);
  });

  it('paging: limit capped at 100, offsets from the 1-based page, bad values refused with a RangeError', () => {
    expect(paging({ page: 3, limit: 500 })).toEqual({ page: 3, limit: 100, from: 200 });
    expect(paging({ page: 2, limit: 7 })).toEqual({ page: 2, limit: 7, from: 7 });
    expect(() => paging({ page: 0 })).toThrow(/page must be a whole number from 1, got 0/);
    expect(() => paging({ page: 1.5 })).toThrow(RangeError);
    expect(() => paging({ limit: 0 })).toThrow(/limit must be a whole number from 1/);
    expect(() => paging({ page: 101, limit: 100 })).toThrow(/past the first 10000 hits/);
    expect(paging({ page: 100, limit: 100 }).from).toBe(9900);
  });

  it('an unknown sort field or order is a RangeError naming the choices', () => {
    expect(() => accountSearchBody({ sortBy: 'name' as never })).toThrow(/sortBy must be one of followerCount, .*rating/);
    expect(() => accountSearchBody({ sortOrder: 'up' as never })).toThrow(/sortOrder must be asc or desc/);
  });
});

describe('searchCategories request body', () => {
  it('20 hits, fuzzy over name (3), slug (2), short description and keywords; every category for empty text', () => {
    expect(categorySearchBody('gam')).toEqual({
      size: 20,
      query: { multi_match: { query: 'gam', fields: ['name^3', 'slug^2', 'shortDescription', 'keywords'], type: 'best_fields', fuzziness: 'AUTO' } },
    });
    expect(categorySearchBody('  ')).toEqual({ size: 20, query: { match_all: {} } });
  });
});

describe('search result', () => {
  it('is Algolia-shaped: hits with objectID, exact totals, pages, facets with boolean keys as "true"/"false"', () => {
    const result = accountSearchResult({
      took: 4,
      hits: {
        total: { value: 41 },
        hits: [{ _id: 'a1', _source: { accountId: 'a1', platform: 'YOUTUBE', name: 'One' } }],
      },
      aggregations: {
        platform: { buckets: [{ key: 'YOUTUBE', doc_count: 30 }, { key: 'TWITCH', doc_count: 11 }] },
        madeForKids: { buckets: [{ key: 0, key_as_string: 'false', doc_count: 40 }, { key: 1, key_as_string: 'true', doc_count: 1 }] },
      },
    }, 2, 20, 9.7);
    expect(result).toEqual({
      hits: [{ accountId: 'a1', platform: 'YOUTUBE', name: 'One', objectID: 'a1' }],
      nbHits: 41,
      page: 2,
      nbPages: 3,
      hitsPerPage: 20,
      facets: { platform: { YOUTUBE: 30, TWITCH: 11 }, categories: {}, country: {}, language_code: {}, madeForKids: { false: 40, true: 1 } },
      processingTimeMS: 4,
    });
  });
});

describe('mapping check', () => {
  it('names missing fields, other types, analyzers, search analyzers and sub-fields; an exact copy has none', async () => {
    const { ACCOUNTS_INDEX, mappingDifferences } = await import('../../../src/compat/elasticsearch-indices.js');
    const expected = ACCOUNTS_INDEX.mappings.properties as unknown as Record<string, Record<string, unknown>>;
    expect(mappingDifferences(expected, structuredClone(expected))).toEqual([]);
    const actual = structuredClone(expected);
    delete actual.rating;
    actual.followerCount = { type: 'keyword' };
    actual.handle = { ...actual.handle, search_analyzer: undefined };
    actual.name = { type: 'text', analyzer: 'autocomplete', search_analyzer: 'autocomplete_search' };
    expect(mappingDifferences(expected, actual)).toEqual([
      'handle: search_analyzer autocomplete, expected autocomplete_search',
      'name.keyword: missing',
      'followerCount: type keyword, expected long',
      'rating: missing',
    ]);
  });
});
