import { valueAt, type AlgoliaRecord } from './algolia-filters.js';

/** One sort criterion: `desc(followerCount)` is `{ attribute: 'followerCount', descending: true }`. */
export interface SortCriterion {
  readonly attribute: string;
  readonly descending: boolean;
}

const CRITERION = /^\s*(asc|desc)\((.+)\)\s*$/;

function criteria(setting: unknown): SortCriterion[] {
  if (!Array.isArray(setting)) return [];
  return setting.flatMap((entry) => {
    const match = CRITERION.exec(String(entry));
    return match ? [{ attribute: match[2]!.trim(), descending: match[1] === 'desc' }] : [];
  });
}

/**
 * The attribute sorts of an index, in order: the `asc(...)`/`desc(...)` entries of `ranking` (how a standard replica
 * sorts), then those of `customRanking` (how a primary or a virtual replica does). The local server has no relevance
 * score, so these decide the order of hits alone; records that tie keep the order they were saved in.
 */
export function sortCriteria(settings: Record<string, unknown>): SortCriterion[] {
  return [...criteria(settings.ranking), ...criteria(settings.customRanking)];
}

/** A value a criterion can order by: numbers, strings and booleans (false before true); anything else is absent. */
function sortable(value: unknown): number | string | undefined {
  if (typeof value === 'number') return Number.isNaN(value) ? undefined : value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  return typeof value === 'string' ? value : undefined;
}

function compareValues(a: number | string, b: number | string): number {
  if (typeof a === typeof b) return a < b ? -1 : a > b ? 1 : 0;
  return typeof a === 'number' ? -1 : 1;
}

/** Sorts `records` in place by `sort`; a record without a value for a criterion comes after those with one. */
export function sortRecords(records: AlgoliaRecord[], sort: readonly SortCriterion[]): AlgoliaRecord[] {
  if (sort.length === 0) return records;
  return records.sort((left, right) => {
    for (const { attribute, descending } of sort) {
      const a = sortable(valueAt(left, attribute));
      const b = sortable(valueAt(right, attribute));
      if (a === undefined || b === undefined) {
        if (a !== b) return a === undefined ? 1 : -1;
        continue;
      }
      const order = compareValues(a, b);
      if (order !== 0) return descending ? -order : order;
    }
    return 0;
  });
}
