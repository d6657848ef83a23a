import { valueAt, type AlgoliaRecord } from './algolia-filters.js';

/** Counts per value, by facet attribute: a search response's `facets`. */
export type FacetCounts = Record<string, Record<string, number>>;

/** Algolia's default `maxValuesPerFacet`, and its upper limit. */
const DEFAULT_MAX_VALUES = 100;
const MAX_VALUES_LIMIT = 1000;

const MODIFIED = /^(?:searchable|afterDistinct)\((.*)\)$/;

/**
 * The attributes whose values a search may count: `attributesForFaceting` without the `filterOnly(...)` ones, with the
 * `searchable(...)` and `afterDistinct(...)` modifiers taken off.
 */
export function countableFacets(attributesForFaceting: unknown): string[] {
  if (!Array.isArray(attributesForFaceting)) return [];
  return attributesForFaceting
    .map((entry) => String(entry).trim())
    .filter((entry) => entry !== '' && !entry.startsWith('filterOnly('))
    .map((entry) => entry.replace(MODIFIED, '$1'));
}

/**
 * The facets a search asked for (`facets`: an array or a comma-separated string, `*` for every countable one) that the
 * index can count, as Algolia answers them: others are left out silently. `undefined` when none was asked for.
 */
export function requestedFacets(facets: unknown, attributesForFaceting: unknown): string[] | undefined {
  const asked = (typeof facets === 'string' ? facets.split(',') : Array.isArray(facets) ? facets.map(String) : [])
    .map((name) => name.trim())
    .filter((name) => name !== '');
  if (asked.length === 0) return undefined;
  const countable = countableFacets(attributesForFaceting);
  return asked.includes('*') ? countable : [...new Set(asked)].filter((name) => countable.includes(name));
}

/** A value as a facet key (`true`, `42`, `YOUTUBE`); objects and absent values have none. */
function facetKey(value: unknown): string | undefined {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;
}

/** `maxValuesPerFacet` from the search, else the index settings, else 100; at most 1000. */
export function maxValuesPerFacet(fromSearch: unknown, fromSettings: unknown): number {
  const value = [fromSearch, fromSettings].find((candidate) => Number.isInteger(candidate) && (candidate as number) >= 0);
  return Math.min(MAX_VALUES_LIMIT, (value as number | undefined) ?? DEFAULT_MAX_VALUES);
}

/**
 * How many of `records` hold each value of each facet, as Algolia counts them: every element of an array attribute
 * once per record, booleans and numbers as their text; the most frequent `maxValues` values of each facet, ties by
 * value. A facet no record has a value for is left out.
 */
export function countFacets(records: readonly AlgoliaRecord[], facets: readonly string[], maxValues: number): FacetCounts {
  const out: FacetCounts = {};
  for (const facet of facets) {
    const counts = new Map<string, number>();
    for (const record of records) {
      const value = valueAt(record, facet);
      const keys = new Set((Array.isArray(value) ? value : [value]).map(facetKey).filter((key) => key !== undefined));
      for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    if (counts.size === 0) continue;
    const top = [...counts].sort(([a, m], [b, n]) => n - m || (a < b ? -1 : a > b ? 1 : 0)).slice(0, maxValues);
    out[facet] = Object.fromEntries(top);
  }
  return out;
}
