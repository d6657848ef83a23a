import { describe, expect, it } from 'vitest';
import {
  ACCOUNT_FACETS,
  accountFilters,
  accountSearchRequest,
  accountsIndexName,
  type SearchAccountsFilters,
} from '../../../src/compat/algolia-queries.js';

describe('getSearchAccounts: the index', () => {
  it.each([
    [undefined, undefined, 'accounts'],
    ['', 'asc', 'accounts'],
    ['followed', 'desc', 'accounts'],
    ['followed', 'asc', 'accounts_followed_asc'],
    ['rating', 'desc', 'accounts_rating_desc'],
    ['rating', 'asc', 'accounts_rating_asc'],
    ['reviewCount', 'desc', 'accounts_reviewCount_desc'],
    // Upstream named `accounts_<sortBy>_undefined`, an index that cannot exist: the order defaults to desc.
    ['rating', undefined, 'accounts_rating_desc'],
    ['followed', undefined, 'accounts'],
  ])('sortBy %j, sortOrder %j: %s', (sortBy, sortOrder, expected) => {
    expect(accountsIndexName(sortBy, sortOrder)).toBe(expected);
  });

  it('the environment prefix goes in front of the replica name', () => {
    const request = accountSearchRequest({ sortBy: 'rating', sortOrder: 'asc' }, (name) => `staging_${name}`);
    expect(request.indexName).toBe('staging_accounts_rating_asc');
  });
});

describe('getSearchAccounts: the filters', () => {
  it.each<[string, SearchAccountsFilters, string]>([
    ['categories, quoted', { categories: ['gaming', 'tech news'] }, '(categories:"gaming" OR categories:"tech news")'],
    ['platforms, upper-cased', { platform: ['youtube', 'Twitch'] }, '(platform:YOUTUBE OR platform:TWITCH)'],
    ['countries', { country: ['US', 'DE'] }, '(country:US OR country:DE)'],
    ['languages', { language: ['en', 'de'] }, '(language_code:en OR language_code:de)'],
    ['claimed', { claimed: true }, 'claimed:true'],
    ['not claimed', { claimed: false }, 'claimed:false'],
    ['made for kids', { madeForKids: true }, 'madeForKids:true'],
    ['not made for kids', { madeForKids: false }, 'madeForKids:false'],
    ['followers', { followers: { min: 1000, max: 100_000 } }, 'followerCount >= 1000 AND followerCount < 100000'],
    ['rating', { rating: { min: 3.5, max: 5 } }, 'rating >= 3.5 AND rating < 5'],
    // Upstream filtered these two on `rating`.
    ['video count', { videoCount: { min: 10, max: 500 } }, 'videoCount >= 10 AND videoCount < 500'],
    ['review count', { reviewCount: { min: 1, max: 50 } }, 'reviewCount >= 1 AND reviewCount < 50'],
    ['a string range, as is', { videoCount: 'videoCount:100 TO 1000' }, 'videoCount:100 TO 1000'],
  ])('%s', (_, filters, expected) => {
    expect(accountFilters(filters)).toBe(expected);
  });

  it('joins every filter with AND in upstream order', () => {
    expect(accountFilters({
      madeForKids: false, claimed: true, language: ['en'], country: ['US'], reviewCount: 'reviewCount > 3',
      videoCount: { min: 5, max: 50 }, rating: { min: 4, max: 5 }, followers: { min: 10, max: 20 }, platform: ['youtube'],
      categories: ['gaming'],
    })).toBe(
      '(categories:"gaming") AND (platform:YOUTUBE) AND followerCount >= 10 AND followerCount < 20 AND rating >= 4 AND ' +
      'rating < 5 AND videoCount >= 5 AND videoCount < 50 AND reviewCount > 3 AND (country:US) AND (language_code:en) AND ' +
      'claimed:true AND madeForKids:false',
    );
  });

  it('leaves out what is empty or absent', () => {
    expect(accountFilters(undefined)).toBe('');
    expect(accountFilters({})).toBe('');
    expect(accountFilters({ categories: [], platform: [], country: [], language: [], followers: '' })).toBe('');
  });

  it('a range bound that is no number is left out (an untyped caller, a query string); numeric strings are numbers', () => {
    const loose = (range: unknown) => accountFilters({ followers: range as SearchAccountsFilters['followers'] });
    expect(loose({ min: 1000 })).toBe('followerCount >= 1000');
    expect(loose({ max: 5 })).toBe('followerCount < 5');
    expect(loose({ min: '1000', max: ' 2e3 ' })).toBe('followerCount >= 1000 AND followerCount < 2000');
    expect(loose({ min: 'lots', max: Number.NaN })).toBe('');
    expect(loose({ min: '0 OR platform:X' })).toBe('');
    expect(loose(42)).toBe('');
  });

  it('quotes values that are not plain words, so they cannot change the filter', () => {
    expect(accountFilters({ categories: ['say "hi"', 'back\\slash'] })).toBe('(categories:"say \\"hi\\"" OR categories:"back\\\\slash")');
    expect(accountFilters({ country: ['US) OR (claimed:true'] })).toBe('(country:"US) OR (claimed:true")');
    expect(accountFilters({ language: ['pt-BR', 'NOT'] })).toBe('(language_code:"pt-BR" OR language_code:"NOT")');
    expect(accountFilters({ platform: ['you tube'] })).toBe('(platform:"YOU TUBE")');
  });

  it('booleans may come as text; anything else is no filter', () => {
    const loose = (value: unknown) => accountFilters({ claimed: value as boolean });
    expect(loose('true')).toBe('claimed:true');
    expect(loose('false')).toBe('claimed:false');
    expect(loose(null)).toBe('');
    expect(loose('yes OR x:y')).toBe('');
  });
});

describe('getSearchAccounts: the request', () => {
  it('defaults to query "" and page 0, asks for the five facets, and sends no filters when there are none', () => {
    expect(accountSearchRequest({})).toEqual({
      indexName: 'accounts', query: '', page: 0, facets: ['platform', 'categories', 'country', 'language_code', 'madeForKids'],
    });
    expect(ACCOUNT_FACETS).toEqual(['platform', 'categories', 'country', 'language_code', 'madeForKids']);
  });

  it('passes query, page and filters; limit is accepted and not sent, as before', () => {
    expect(accountSearchRequest({ query: 'tech', page: 2, limit: 50, filters: { claimed: true } })).toEqual({
      indexName: 'accounts', query: 'tech', page: 2, filters: 'claimed:true', facets: [...ACCOUNT_FACETS],
    });
  });
});
