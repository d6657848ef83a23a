import { randomUUID } from 'node:crypto';
import { countFacets, maxValuesPerFacet, requestedFacets, type FacetCounts } from './algolia-facets.js';
import {
  compileFacetFilters,
  compileFilters,
  compileNumericFilters,
  valueAt,
  type AlgoliaRecord,
} from './algolia-filters.js';
import { HttpError } from './algolia-http.js';
import { sortCriteria, sortRecords } from './algolia-ranking.js';

/** Search parameters the local server understands (others are accepted and ignored). */
export interface LocalSearchParams {
  readonly query?: string;
  readonly filters?: string;
  readonly facetFilters?: unknown;
  readonly numericFilters?: unknown;
  readonly hitsPerPage?: number;
  readonly page?: number;
  readonly attributesToRetrieve?: readonly string[] | string;
  /** Attributes to count values of (`*`: all); only those in the `attributesForFaceting` setting are counted. */
  readonly facets?: readonly string[] | string;
  readonly maxValuesPerFacet?: number;
}

/** What {@link MemoryIndex.search} finds: a page of hits, the counts, and the facets when some were asked for. */
export interface LocalSearchResult {
  hits: AlgoliaRecord[];
  nbHits: number;
  page: number;
  nbPages: number;
  hitsPerPage: number;
  facets?: FacetCounts;
}

const WORD = /[\p{L}\p{N}]+/gu;

function words(text: string): string[] {
  return text.toLowerCase().match(WORD) ?? [];
}

function collectText(value: unknown, out: string[]): void {
  if (typeof value === 'string') out.push(value);
  else if (typeof value === 'number') out.push(String(value));
  else if (Array.isArray(value)) for (const item of value) collectText(item, out);
  else if (value !== null && typeof value === 'object') for (const item of Object.values(value)) collectText(item, out);
}

/** `unordered(title)` -> `title`; `title,alt` -> both. */
function searchablePaths(setting: unknown): string[] | undefined {
  if (!Array.isArray(setting) || setting.length === 0) return undefined;
  return setting.flatMap((entry) => String(entry).replace(/^unordered\((.*)\)$/, '$1').split(',').map((s) => s.trim()));
}

/** Copies `record` keeping only `attributes` (and `objectID`); `*` or nothing keeps all. */
export function retrieve(record: AlgoliaRecord, attributes: readonly string[] | string | undefined): AlgoliaRecord {
  const list = typeof attributes === 'string' ? attributes.split(',') : attributes;
  if (!list || list.includes('*')) return structuredClone(record);
  const out: AlgoliaRecord = { objectID: record.objectID };
  for (const attribute of list) {
    const value = valueAt(record, attribute);
    if (value !== undefined) out[attribute] = structuredClone(value);
  }
  return out;
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let current = target;
  for (const part of parts.slice(0, -1)) {
    if (current[part] === null || typeof current[part] !== 'object') current[part] = {};
    current = current[part] as Record<string, unknown>;
  }
  current[parts[parts.length - 1]!] = value;
}

/** Applies one partial-update attribute, including Algolia's built-in `_operation`s. */
function applyUpdate(record: AlgoliaRecord, path: string, update: unknown): void {
  const op = update !== null && typeof update === 'object' && '_operation' in update ? (update as { _operation: string; value?: unknown }) : undefined;
  if (!op) return setPath(record, path, structuredClone(update));
  const current = valueAt(record, path);
  const list = Array.isArray(current) ? [...current] : current === undefined ? [] : [current];
  const number = typeof current === 'number' ? current : 0;
  switch (op._operation) {
    case 'Increment':
      return setPath(record, path, number + Number(op.value ?? 0));
    case 'Decrement':
      return setPath(record, path, number - Number(op.value ?? 0));
    case 'IncrementSet':
    case 'IncrementFrom':
      if (typeof current !== 'number' || Number(op.value) > current) setPath(record, path, Number(op.value));
      return;
    case 'Add':
      return setPath(record, path, [...list, op.value]);
    case 'AddUnique':
      return setPath(record, path, list.some((item) => item === op.value) ? list : [...list, op.value]);
    case 'Remove':
      return setPath(record, path, list.filter((item) => item !== op.value));
    default:
      throw new Error(`unsupported _operation ${op._operation}`);
  }
}

/**
 * One in-memory index of the local Algolia server. A replica (see `algolia-replicas.ts`) reads its primary's records
 * and sorts them by its own settings; writing records to it is refused, as Algolia does.
 */
export class MemoryIndex {
  #own = new Map<string, AlgoliaRecord>();
  #primary: MemoryIndex | undefined;
  settings: Record<string, unknown> = {};
  readonly createdAt = new Date().toISOString();
  updatedAt = this.createdAt;

  constructor(readonly name: string) {}

  /** The records by objectID: the primary's, for a replica. */
  get records(): Map<string, AlgoliaRecord> {
    return this.#primary ? this.#primary.records : this.#own;
  }

  /** The index this one is a replica of. */
  get primary(): MemoryIndex | undefined {
    return this.#primary;
  }

  /** Makes this index a replica of `primary`: its own records are dropped, the primary's are read from now on. */
  follow(primary: MemoryIndex): void {
    this.#primary = primary;
    this.#own = new Map();
    this.settings = { ...this.settings, primary: primary.name };
    this.#touch();
  }

  /** Detaches a replica from its primary; it keeps a copy of the records it had, as a regular index. */
  unfollow(): void {
    const primary = this.#primary;
    if (!primary) return;
    this.#own = new Map([...primary.records].map(([id, record]) => [id, structuredClone(record)]));
    this.#primary = undefined;
    const { primary: _primary, ...settings } = this.settings;
    this.settings = settings;
    this.#touch();
  }

  #touch(): void {
    this.updatedAt = new Date().toISOString();
  }

  /** @throws {HttpError} 400 for a replica: records are written to its primary. */
  #writable(): Map<string, AlgoliaRecord> {
    if (this.#primary) throw new HttpError(400, `${this.name} is a replica of ${this.#primary.name}: write records to the primary index`);
    return this.#own;
  }

  /** Replaces (or creates) a record; an object without `objectID` gets a generated one. */
  save(body: Record<string, unknown>, objectID?: string): string {
    const records = this.#writable();
    const id = objectID ?? (typeof body.objectID === 'string' && body.objectID ? body.objectID : randomUUID());
    records.set(id, { ...structuredClone(body), objectID: id });
    this.#touch();
    return id;
  }

  /** Updates some attributes; creates the record unless `createIfNotExists` is false. */
  partialUpdate(objectID: string, body: Record<string, unknown>, createIfNotExists = true): void {
    const records = this.#writable();
    const existing = records.get(objectID);
    if (!existing && !createIfNotExists) return;
    const record: AlgoliaRecord = existing ?? { objectID };
    for (const [path, update] of Object.entries(body)) if (path !== 'objectID') applyUpdate(record, path, update);
    records.set(objectID, record);
    this.#touch();
  }

  delete(objectID: string): void {
    this.#writable().delete(objectID);
    this.#touch();
  }

  clear(): void {
    this.#writable().clear();
    this.#touch();
  }

  setSettings(settings: Record<string, unknown>): void {
    this.settings = { ...this.settings, ...structuredClone(settings) };
    this.#touch();
  }

  /**
   * Plain text matching (every query word, the last one as a prefix) plus filters, sorted by the `asc()`/`desc()`
   * criteria of `ranking` and `customRanking`, paginated (`hitsPerPage` from the search, else the settings, else 20),
   * with the counts of the facets asked for over every match.
   */
  search(params: LocalSearchParams): LocalSearchResult {
    const queryWords = words(params.query ?? '');
    const paths = searchablePaths(this.settings.searchableAttributes);
    const filters = [
      params.filters ? compileFilters(params.filters) : undefined,
      params.facetFilters !== undefined ? compileFacetFilters(params.facetFilters) : undefined,
      params.numericFilters !== undefined ? compileNumericFilters(params.numericFilters) : undefined,
    ].filter((filter) => filter !== undefined);
    const matches: AlgoliaRecord[] = [];
    for (const record of this.records.values()) {
      if (!filters.every((filter) => filter(record))) continue;
      if (queryWords.length > 0) {
        const text: string[] = [];
        if (paths) for (const path of paths) collectText(valueAt(record, path), text);
        else for (const [key, value] of Object.entries(record)) if (key !== 'objectID') collectText(value, text);
        const tokens = new Set(words(text.join(' ')));
        const last = queryWords.length - 1;
        const found = queryWords.every((word, i) =>
          i === last ? [...tokens].some((token) => token.startsWith(word)) : tokens.has(word),
        );
        if (!found) continue;
      }
      matches.push(record);
    }
    sortRecords(matches, sortCriteria(this.settings));
    const hitsPerPage = Math.min(1000, Math.max(0, params.hitsPerPage ?? (this.settings.hitsPerPage as number | undefined) ?? 20));
    const page = Math.max(0, params.page ?? 0);
    const nbPages = hitsPerPage === 0 ? 0 : Math.ceil(matches.length / hitsPerPage);
    const slice = matches.slice(page * hitsPerPage, (page + 1) * hitsPerPage);
    const facets = requestedFacets(params.facets, this.settings.attributesForFaceting);
    return {
      hits: slice.map((record) => retrieve(record, params.attributesToRetrieve ?? (this.settings.attributesToRetrieve as string[] | undefined))),
      nbHits: matches.length,
      page,
      nbPages,
      hitsPerPage,
      ...(facets ? { facets: countFacets(matches, facets, maxValuesPerFacet(params.maxValuesPerFacet, this.settings.maxValuesPerFacet)) } : {}),
    };
  }
}
