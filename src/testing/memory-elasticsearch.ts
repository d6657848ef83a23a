// An in-memory Elasticsearch node for the test container's fake: indices of documents, and the part of the REST API
// that `@ratecreator/db/elasticsearch-client` uses, answered with the status codes and response bodies of a real 8.x
// node. Anything outside that part is refused with a `NotImplementedError` (the provider turns it into a 501), never
// answered approximately.
import { randomUUID } from 'node:crypto';

type Json = Record<string, unknown>;
type FieldMapping = Json & { type?: string; properties?: Record<string, FieldMapping>; fields?: Record<string, FieldMapping> };

/** What a request gets: a status and a JSON body (`undefined` for HEAD). */
export interface MemoryReply {
  readonly statusCode: number;
  readonly body?: unknown;
}

/** An error a real node would answer, as its `{ error, status }` body. */
export class ElasticsearchError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly reason: string,
    readonly extra: Json = {},
    /** The root cause when it differs from the error itself (a search phase failure wraps its cause). */
    readonly rootCause?: { type: string; reason: string } & Json,
  ) {
    super(`${type}: ${reason}`);
  }

  /** The `error` object of a bulk item: no root causes. */
  get errorCause(): Json {
    return { type: this.type, reason: this.reason, ...this.extra };
  }

  get body(): Json {
    return { error: { root_cause: [this.rootCause ?? this.errorCause], ...this.errorCause }, status: this.status };
  }
}

/** A request (or a part of one) the fake does not evaluate. */
export class NotImplementedError extends Error {}

interface StoredDocument {
  source: Json;
  version: number;
  seqNo: number;
}

interface StoredIndex {
  readonly name: string;
  readonly uuid: string;
  readonly settings: Json;
  readonly mappings: { properties?: Record<string, FieldMapping> } & Json;
  /** In insertion order, which is also the order of last resort when sorting. */
  readonly documents: Map<string, StoredDocument>;
  seqNo: number;
}

/** A write's outcome: the HTTP status and the body a single-document API returns (a bulk item adds `status`). */
interface WriteResult {
  status: number;
  result: Json;
}

const TEXT_FIELDS_FIELDDATA =
  'Text fields are not optimised for operations that require per-document field data like aggregations and sorting, so these operations are disabled by default. Please use a keyword field instead.';
const MAX_RESULT_WINDOW = 10_000;
const NUMERIC_TYPES = new Set(['long', 'integer', 'short', 'byte', 'double', 'float', 'half_float', 'scaled_float', 'unsigned_long']);
const ISO_DATE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

const isObject = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value);
const asArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

function refuse(what: string): never {
  throw new NotImplementedError(what);
}

/** Refuses a request object with keys other than `allowed`. */
function onlyKeys(object: Json, allowed: readonly string[], where: string): void {
  const unknown = Object.keys(object).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) refuse(`${where} with ${unknown.map((key) => `[${key}]`).join(', ')}`);
}

// ---------------------------------------------------------------------------------------------------------------
// Text analysis and matching

/** Lower-cased letter and digit runs: what an edge n-gram tokenizer with `token_chars: [letter, digit]` splits on. */
export function tokens(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** Built on first use: importing the testing entry builds no segmenter. */
let words: Intl.Segmenter | undefined;

/**
 * Lower-cased words by Unicode's word boundaries (UAX #29), as Lucene's standard tokenizer splits them: `the_rock`,
 * `mr.beast` and `don't` stay one word each. The standard and `autocomplete_search` analyzers, i.e. query text.
 */
export function standardTokens(text: string): string[] {
  return Array.from((words ??= new Intl.Segmenter('en', { granularity: 'word' })).segment(text.toLowerCase()), (part) => (part.isWordLike ? part.segment : '')).filter(Boolean);
}

/** Edit distance with adjacent transpositions (optimal string alignment), as Lucene's fuzzy queries count edits. */
export function editDistance(a: string, b: string): number {
  const s = Array.from(a);
  const t = Array.from(b);
  const d: number[][] = Array.from({ length: s.length + 1 }, (_, i) => Array.from({ length: t.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= s.length; i++) {
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[s.length]![t.length]!;
}

/** How many edits `fuzziness` allows for a query term: AUTO is 0 for 1-2 characters, 1 for 3-5, 2 for longer. */
function maxEdits(term: string, fuzziness: unknown): number {
  if (fuzziness === undefined) return 0;
  if (fuzziness === 'AUTO' || fuzziness === 'auto') {
    const length = Array.from(term).length;
    return length <= 2 ? 0 : length <= 5 ? 1 : 2;
  }
  const edits = Number(fuzziness);
  if (![0, 1, 2].includes(edits)) refuse(`multi_match with fuzziness [${String(fuzziness)}]`);
  return edits;
}

const termMatches = (queryTerm: string, indexedTerms: readonly string[], edits: number) =>
  indexedTerms.some((term) => term === queryTerm || (edits > 0 && editDistance(queryTerm, term) <= edits));

// ---------------------------------------------------------------------------------------------------------------
// Mappings

/** How a field is indexed, which decides how queries, sorts and aggregations see it. */
type FieldKind =
  | { kind: 'keyword' | 'number' | 'boolean' | 'date' | 'text' | 'unmapped' | 'object' }
  | { kind: 'ngram'; minGram: number; maxGram: number };

/** The mapping of a field path: `a.b` is a property of object `a`, or sub-field `b` of `a` (`name.keyword`). */
function fieldMapping(index: StoredIndex, path: string): FieldMapping | undefined {
  let properties = index.mappings.properties;
  let mapping: FieldMapping | undefined;
  for (const key of path.split('.')) {
    const next: FieldMapping | undefined = properties?.[key] ?? mapping?.fields?.[key];
    if (!next) return undefined;
    mapping = next;
    properties = next.properties;
  }
  return mapping;
}

/** The index's analysis settings, whether given nested (`analysis`) or under `index`. */
function analysis(index: StoredIndex): Json {
  const settings = index.settings;
  return (isObject(settings.analysis) ? settings.analysis : isObject(settings.index) && isObject(settings.index.analysis) ? settings.index.analysis : {}) as Json;
}

function fieldKind(index: StoredIndex, path: string): FieldKind {
  const mapping = fieldMapping(index, path);
  if (!mapping) return { kind: 'unmapped' };
  const type = mapping.type ?? 'object';
  if (type === 'keyword' || type === 'boolean' || type === 'date' || type === 'object') return { kind: type };
  if (NUMERIC_TYPES.has(type)) return { kind: 'number' };
  if (type !== 'text') refuse(`fields of type [${type}] (field [${path}])`);
  // A text field whose index-time analyzer uses an edge n-gram tokenizer indexes every prefix of each word.
  const analyzer = typeof mapping.analyzer === 'string' ? (analysis(index).analyzer as Json | undefined)?.[mapping.analyzer] : undefined;
  const tokenizerName = isObject(analyzer) ? analyzer.tokenizer : undefined;
  const tokenizer = typeof tokenizerName === 'string' ? (analysis(index).tokenizer as Json | undefined)?.[tokenizerName] : undefined;
  if (isObject(tokenizer) && tokenizer.type === 'edge_ngram') {
    // The fake searches such a field with plain lower-cased words, which is what a separate search_analyzer is for.
    if (mapping.search_analyzer === undefined) refuse(`an edge n-gram field without a search_analyzer ([${path}])`);
    return { kind: 'ngram', minGram: Number(tokenizer.min_gram ?? 1), maxGram: Number(tokenizer.max_gram ?? 2) };
  }
  return { kind: 'text' };
}

/** The mapping a real node adds for a field it has not seen (dynamic mapping, default settings). */
function dynamicMapping(value: unknown): FieldMapping | undefined {
  if (Array.isArray(value)) return dynamicMapping(value.find((item) => item !== null && item !== undefined));
  if (typeof value === 'boolean') return { type: 'boolean' };
  if (typeof value === 'number') return { type: Number.isInteger(value) ? 'long' : 'float' };
  if (typeof value === 'string') {
    return ISO_DATE.test(value) && !Number.isNaN(Date.parse(value))
      ? { type: 'date' }
      : { type: 'text', fields: { keyword: { type: 'keyword', ignore_above: 256 } } };
  }
  if (isObject(value)) {
    const properties = Object.fromEntries(
      Object.entries(value).flatMap(([key, item]) => {
        const mapping = dynamicMapping(item);
        return mapping ? [[key, mapping]] : [];
      }),
    );
    return { properties };
  }
  return undefined;
}

/** Adds mappings for the fields of `source` the index does not map yet. */
function mapNewFields(properties: Record<string, FieldMapping>, source: Json): void {
  for (const [key, value] of Object.entries(source)) {
    const existing = properties[key];
    if (existing?.properties && isObject(value)) mapNewFields(existing.properties, value);
    if (existing) continue;
    const mapping = dynamicMapping(value);
    if (mapping) properties[key] = mapping;
  }
}

/** Whether a node fails to parse `value` for a field of this type (numbers and booleans coerce from strings, as by default). */
function unparseable(type: string, value: unknown): boolean {
  if (value === null) return false;
  if (NUMERIC_TYPES.has(type)) {
    if (typeof value === 'number') return !Number.isFinite(value);
    return typeof value !== 'string' || value.trim() === '' || !Number.isFinite(Number(value));
  }
  if (type === 'boolean') return !(typeof value === 'boolean' || value === 'true' || value === 'false' || value === '');
  if (type === 'date') return !(typeof value === 'number' || (typeof value === 'string' && !Number.isNaN(Date.parse(value))));
  if (type === 'keyword' || type === 'text') return isObject(value);
  return false;
}

/** Checks `source` against the mappings as a node parses a document: a value a mapped field cannot take is a 400. */
function checkDocument(index: StoredIndex, id: string, source: Json, properties = index.mappings.properties ?? {}, prefix = ''): void {
  for (const [key, value] of Object.entries(source)) {
    const mapping = properties[key];
    if (!mapping) continue;
    const path = prefix + key;
    if (mapping.properties && isObject(value)) {
      checkDocument(index, id, value, mapping.properties, `${path}.`);
      continue;
    }
    const type = mapping.type ?? 'object';
    const bad = asArray(value).find((item) => unparseable(type, item));
    if (bad !== undefined) {
      const preview = typeof bad === 'string' ? bad : JSON.stringify(bad);
      throw new ElasticsearchError(400, 'document_parsing_exception',
        `failed to parse field [${path}] of type [${type}] in document with id '${id}'. Preview of field's value: '${preview}'`);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Field values

/** The non-null values at `path` (a sub-field reads its parent's value), arrays flattened. */
function valuesAt(source: Json, path: string, index: StoredIndex): unknown[] {
  let values: unknown[] = [source];
  const keys = path.split('.');
  for (const [i, key] of keys.entries()) {
    // `name.keyword` is the sub-field of `name`: its values are `name`'s.
    if (i > 0 && fieldMapping(index, keys.slice(0, i).join('.'))?.fields?.[key]) break;
    values = values.flatMap((value) => (isObject(value) ? asArray(value[key]) : []));
  }
  return values.flat().filter((value) => value !== null && value !== undefined);
}

/** A field value as sorts, ranges and aggregation keys compare it, or `undefined` when it has no such value. */
function comparable(kind: FieldKind['kind'], value: unknown): number | string | undefined {
  if (kind === 'number') return Number(value);
  if (kind === 'boolean') return value === true || value === 'true' ? 1 : 0;
  if (kind === 'date') return typeof value === 'number' ? value : Date.parse(String(value));
  if (kind === 'keyword' || kind === 'text' || kind === 'ngram') return String(value);
  return undefined;
}

function compareValues(a: number | string, b: number | string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------------------------
// Queries

/** A compiled query: the document's score, or `undefined` when it does not match. */
type Matcher = (source: Json) => number | undefined;

/** A terms-level comparison: does a stored value equal a query value, for this field's kind. */
function sameTerm(index: StoredIndex, path: string, queryValue: unknown): (source: Json) => boolean {
  const { kind } = fieldKind(index, path);
  if (kind === 'unmapped' || kind === 'object') return () => false;
  if (kind === 'text' || kind === 'ngram') {
    // A term is not analysed: it matches an indexed token exactly.
    return (source) => valuesAt(source, path, index).some((value) => (kind === 'ngram' ? tokens : standardTokens)(String(value)).includes(String(queryValue)));
  }
  const wanted = comparable(kind, queryValue);
  return (source) => valuesAt(source, path, index).some((value) => comparable(kind, value) === wanted);
}

function termQuery(index: StoredIndex, spec: Json): Matcher {
  const entries = Object.entries(spec);
  if (entries.length !== 1) refuse('a term query on other than one field');
  const [field, value] = entries[0]!;
  if (isObject(value)) onlyKeys(value, ['value'], 'a term query');
  const matches = sameTerm(index, field, isObject(value) ? value.value : value);
  return (source) => (matches(source) ? 1 : undefined);
}

function termsQuery(index: StoredIndex, spec: Json): Matcher {
  const entries = Object.entries(spec).filter(([key]) => key !== 'boost');
  if (entries.length !== 1 || !Array.isArray(entries[0]![1])) refuse('a terms query on other than one field with a list of values');
  const [field, values] = entries[0]! as [string, unknown[]];
  const matchers = values.map((value) => sameTerm(index, field, value));
  return (source) => (matchers.some((matches) => matches(source)) ? 1 : undefined);
}

function rangeQuery(index: StoredIndex, spec: Json): Matcher {
  const entries = Object.entries(spec);
  if (entries.length !== 1 || !isObject(entries[0]![1])) refuse('a range query on other than one field');
  const [field, bounds] = entries[0]! as [string, Json];
  onlyKeys(bounds, ['gte', 'gt', 'lte', 'lt'], 'a range query');
  const { kind } = fieldKind(index, field);
  if (kind === 'unmapped' || kind === 'object') return () => undefined;
  const bound = (name: string) => (bounds[name] === undefined || bounds[name] === null ? undefined : comparable(kind, bounds[name])!);
  const [gte, gt, lte, lt] = [bound('gte'), bound('gt'), bound('lte'), bound('lt')];
  const inRange = (value: number | string) =>
    (gte === undefined || value >= gte) && (gt === undefined || value > gt) && (lte === undefined || value <= lte) && (lt === undefined || value < lt);
  return (source) =>
    valuesAt(source, field, index).some((value) => {
      const v = comparable(kind, value);
      return v !== undefined && !(typeof v === 'number' && Number.isNaN(v)) && inRange(v);
    }) ? 1 : undefined;
}

/**
 * `multi_match`, `best_fields`: each field scores boost × the fraction of query terms it matches, the document the
 * best field's score. A term matches an indexed term that is equal or within the fuzziness; an edge n-gram field
 * indexes each word's prefixes, so there a term also matches the start of a word. A keyword field matches the whole
 * query text against the whole value.
 */
function multiMatchQuery(index: StoredIndex, spec: Json): Matcher {
  onlyKeys(spec, ['query', 'fields', 'type', 'fuzziness'], 'a multi_match query');
  if ((spec.type ?? 'best_fields') !== 'best_fields') refuse(`a multi_match query of type [${String(spec.type)}]`);
  if (!Array.isArray(spec.fields) || spec.fields.length === 0) refuse('a multi_match query without a list of fields');
  const text = String(spec.query ?? '');
  const fields = (spec.fields as unknown[]).map((entry) => {
    const [path, boost] = String(entry).split('^');
    if (path!.includes('*')) refuse(`multi_match field patterns ([${String(entry)}])`);
    return { path: path!, boost: boost === undefined ? 1 : Number(boost), kind: fieldKind(index, path!) };
  });
  const fieldScore = (source: Json, { path, boost, kind }: (typeof fields)[number]): number => {
    const values = valuesAt(source, path, index);
    if (values.length === 0) return 0;
    if (kind.kind === 'keyword') {
      return termMatches(text, values.map(String), maxEdits(text, spec.fuzziness)) ? boost : 0;
    }
    if (kind.kind !== 'text' && kind.kind !== 'ngram') {
      if (kind.kind === 'unmapped') return 0;
      refuse(`multi_match over a field of kind [${kind.kind}] ([${path}])`);
    }
    const queryTerms = standardTokens(text);
    if (queryTerms.length === 0) return 0;
    let indexed = values.flatMap((value) => (kind.kind === 'ngram' ? tokens(String(value)) : standardTokens(String(value))));
    if (kind.kind === 'ngram') {
      indexed = indexed.flatMap((word) => {
        const chars = Array.from(word);
        const grams: string[] = [];
        for (let n = kind.minGram; n <= Math.min(kind.maxGram, chars.length); n++) grams.push(chars.slice(0, n).join(''));
        return grams;
      });
    }
    const matched = queryTerms.filter((term) => termMatches(term, indexed, maxEdits(term, spec.fuzziness))).length;
    return (boost * matched) / queryTerms.length;
  };
  return (source) => {
    const score = Math.max(...fields.map((field) => fieldScore(source, field)));
    return score > 0 ? score : undefined;
  };
}

function boolQuery(index: StoredIndex, spec: Json): Matcher {
  onlyKeys(spec, ['must', 'filter'], 'a bool query');
  const must = asArray(spec.must as Json | Json[] | undefined).map((clause) => compileQuery(index, clause));
  const filter = asArray(spec.filter as Json | Json[] | undefined).map((clause) => compileQuery(index, clause));
  return (source) => {
    if (!filter.every((matches) => matches(source) !== undefined)) return undefined;
    let score = 0;
    for (const matches of must) {
      const clauseScore = matches(source);
      if (clauseScore === undefined) return undefined;
      score += clauseScore;
    }
    return score;
  };
}

function compileQuery(index: StoredIndex, query: unknown): Matcher {
  if (!isObject(query) || Object.keys(query).length !== 1) refuse('a query that is not one clause');
  const [type, spec] = Object.entries(query)[0]!;
  if (!isObject(spec)) refuse(`a [${type}] query that is not an object`);
  switch (type) {
    case 'match_all':
      onlyKeys(spec, [], 'a match_all query');
      return () => 1;
    case 'multi_match':
      return multiMatchQuery(index, spec);
    case 'bool':
      return boolQuery(index, spec);
    case 'term':
      return termQuery(index, spec);
    case 'terms':
      return termsQuery(index, spec);
    case 'range':
      return rangeQuery(index, spec);
    default:
      return refuse(`[${type}] queries`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Search: sorting, aggregations, the response

/** A failure in a search phase, as a node reports it: the cause is the root cause. */
function searchFailure(type: string, reason: string): ElasticsearchError {
  return new ElasticsearchError(400, 'search_phase_execution_exception', 'all shards failed', { phase: 'query', grouped: true }, { type, reason });
}

interface Candidate {
  id: string;
  source: Json;
  score: number;
  order: number;
}

interface SortKey {
  field: string;
  descending: boolean;
  missingFirst: boolean;
  kind: FieldKind['kind'];
}

function sortKeys(index: StoredIndex, sort: unknown): SortKey[] {
  return asArray(sort as unknown[] | undefined).map((entry) => {
    let field: string;
    let options: Json;
    if (typeof entry === 'string') {
      field = entry;
      options = {};
    } else if (isObject(entry) && Object.keys(entry).length === 1) {
      const [name, value] = Object.entries(entry)[0]!;
      field = name;
      options = typeof value === 'string' ? { order: value } : isObject(value) ? value : refuse(`sort [${name}] options that are not an object`);
    } else {
      return refuse('a sort entry that is not a field name or { field: options }');
    }
    onlyKeys(options, ['order', 'missing'], `sort on [${field}]`);
    const missing = options.missing ?? '_last';
    if (missing !== '_last' && missing !== '_first') refuse(`sort [missing] value [${String(missing)}]`);
    if (field === '_score') return { field, descending: (options.order ?? 'desc') === 'desc', missingFirst: false, kind: 'number' };
    if (field === '_doc') return { field, descending: options.order === 'desc', missingFirst: false, kind: 'number' };
    const { kind } = fieldKind(index, field);
    if (kind === 'unmapped') throw searchFailure('query_shard_exception', `No mapping found for [${field}] in order to sort on`);
    if (kind === 'text' || kind === 'ngram') throw searchFailure('illegal_argument_exception', `${TEXT_FIELDS_FIELDDATA} (field [${field}])`);
    if (kind === 'object') refuse(`sorting on object field [${field}]`);
    return { field, descending: options.order === 'desc', missingFirst: missing === '_first', kind };
  });
}

/** A document's sort value for one key: the smallest value ascending, the largest descending, as a node sorts arrays. */
function sortValue(index: StoredIndex, candidate: Candidate, key: SortKey): number | string | undefined {
  if (key.field === '_score') return candidate.score;
  if (key.field === '_doc') return candidate.order;
  const values = valuesAt(candidate.source, key.field, index).map((value) => comparable(key.kind, value)!);
  if (values.length === 0) return undefined;
  return values.reduce((best, value) => (compareValues(value, best) * (key.descending ? -1 : 1) < 0 ? value : best));
}

function compareCandidates(index: StoredIndex, keys: SortKey[], a: Candidate, b: Candidate): number {
  for (const key of keys) {
    const va = sortValue(index, a, key);
    const vb = sortValue(index, b, key);
    if (va === undefined || vb === undefined) {
      if (va === vb) continue;
      return (va === undefined) === key.missingFirst ? -1 : 1;
    }
    const order = compareValues(va, vb) * (key.descending ? -1 : 1);
    if (order !== 0) return order;
  }
  return a.order - b.order;
}

/** A `terms` aggregation: buckets by doc_count descending, then key ascending; booleans keyed 1/0 with key_as_string. */
function termsAggregation(index: StoredIndex, name: string, spec: unknown, candidates: Candidate[]): Json {
  if (!isObject(spec) || Object.keys(spec).length !== 1 || !isObject(spec.terms)) refuse(`aggregation [${name}] other than a terms aggregation`);
  const terms = spec.terms as Json;
  onlyKeys(terms, ['field', 'size'], `terms aggregation [${name}]`);
  const field = String(terms.field);
  const size = terms.size === undefined ? 10 : Number(terms.size);
  const { kind } = fieldKind(index, field);
  if (kind === 'text' || kind === 'ngram') throw searchFailure('illegal_argument_exception', `${TEXT_FIELDS_FIELDDATA} (field [${field}])`);
  if (kind === 'object') refuse(`a terms aggregation on object field [${field}]`);
  const counts = new Map<number | string, number>();
  if (kind !== 'unmapped') {
    for (const candidate of candidates) {
      const keys = new Set(valuesAt(candidate.source, field, index).map((value) => comparable(kind, value)!));
      for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  const all = [...counts].sort(([ka, ca], [kb, cb]) => cb - ca || compareValues(ka, kb));
  const buckets = all.slice(0, size).map(([key, doc_count]) => {
    if (kind === 'boolean') return { key, key_as_string: key === 1 ? 'true' : 'false', doc_count };
    if (kind === 'date') return { key, key_as_string: new Date(key).toISOString(), doc_count };
    return { key, doc_count };
  });
  const sumOther = all.slice(size).reduce((sum, [, count]) => sum + count, 0);
  return { doc_count_error_upper_bound: 0, sum_other_doc_count: sumOther, buckets };
}

function search(index: StoredIndex, body: Json): Json {
  const started = performance.now();
  onlyKeys(body, ['query', 'from', 'size', 'track_total_hits', 'sort', 'aggs', 'aggregations'], 'a search');
  const from = body.from === undefined ? 0 : Number(body.from);
  const size = body.size === undefined ? 10 : Number(body.size);
  if (!Number.isInteger(from) || from < 0 || !Number.isInteger(size) || size < 0) {
    throw new ElasticsearchError(400, 'illegal_argument_exception', `[from] and [size] must be whole numbers from 0, got [${String(body.from)}] and [${String(body.size)}]`);
  }
  if (from + size > MAX_RESULT_WINDOW) {
    throw searchFailure('illegal_argument_exception',
      `Result window is too large, from + size must be less than or equal to: [${MAX_RESULT_WINDOW}] but was [${from + size}]. See the scroll api for a more efficient way to request large data sets. This limit can be set by changing the [index.max_result_window] index level setting.`);
  }
  const matches = compileQuery(index, body.query ?? { match_all: {} });
  const keys = body.sort === undefined ? [] : sortKeys(index, body.sort);
  const scored = keys.length === 0 || keys.some((key) => key.field === '_score');

  const candidates: Candidate[] = [];
  let order = 0;
  for (const [id, document] of index.documents) {
    const score = matches(document.source);
    if (score !== undefined) candidates.push({ id, source: document.source, score, order });
    order++;
  }
  const byRelevance: SortKey = { field: '_score', descending: true, missingFirst: false, kind: 'number' };
  candidates.sort((a, b) => compareCandidates(index, keys.length === 0 ? [byRelevance] : keys, a, b));

  const hits = candidates.slice(from, from + size).map((candidate) => ({
    _index: index.name,
    _id: candidate.id,
    _score: scored ? candidate.score : null,
    _source: structuredClone(candidate.source),
    // A missing value's sort value is null here (a node sends the extreme value of the type).
    ...(keys.length > 0 ? { sort: keys.map((key) => sortValue(index, candidate, key) ?? null) } : {}),
  }));

  const tracking = body.track_total_hits ?? MAX_RESULT_WINDOW;
  const limit = tracking === true ? Infinity : tracking === false ? -1 : Number(tracking);
  const total = limit < 0 ? undefined
    : candidates.length > limit ? { value: limit, relation: 'gte' }
    : { value: candidates.length, relation: 'eq' };

  const aggs = (body.aggs ?? body.aggregations) as Json | undefined;
  const aggregations = aggs === undefined ? undefined
    : Object.fromEntries(Object.entries(aggs).map(([name, spec]) => [name, termsAggregation(index, name, spec, candidates)]));

  const shards = Number(index.settings.number_of_shards ?? (index.settings.index as Json | undefined)?.number_of_shards ?? 1);
  return {
    took: Math.round(performance.now() - started),
    timed_out: false,
    _shards: { total: shards, successful: shards, skipped: 0, failed: 0 },
    hits: {
      ...(total ? { total } : {}),
      max_score: keys.length === 0 && candidates.length > 0 ? candidates.reduce((max, c) => Math.max(max, c.score), 0) : null,
      hits,
    },
    ...(aggregations ? { aggregations } : {}),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The node

/** `Invalid index name`, as a node checks names of indices it creates. */
function checkIndexName(name: string): void {
  const problem = name !== name.toLowerCase() ? 'must be lowercase'
    : /^[_\-+]/.test(name) ? 'must not start with \'_\', \'-\', or \'+\''
    : /[\\/*?"<>| ,#:]/.test(name) ? 'must not contain the following characters [ , ", *, \\, <, |, ,, >, /, ?, #, :]'
    : name === '.' || name === '..' || name === '' ? 'must not be \'.\' or \'..\''
    : undefined;
  if (problem) throw new ElasticsearchError(400, 'invalid_index_name_exception', `Invalid index name [${name}], ${problem}`, { index_uuid: '_na_', index: name });
}

const indexNotFound = (name: string) =>
  new ElasticsearchError(404, 'index_not_found_exception', `no such index [${name}]`, {
    'resource.type': 'index_or_alias', 'resource.id': name, index_uuid: '_na_', index: name,
  });

/** Query parameters a route accepts: `refresh` everywhere (every write is visible at once), `op_type` when indexing. */
function checkParams(params: URLSearchParams, allowed: readonly string[]): void {
  for (const name of params.keys()) {
    if (name !== 'refresh' && !allowed.includes(name)) refuse(`the query parameter [${name}]`);
  }
}

function parseJson(text: string | undefined, what: string): Json {
  if (text === undefined || text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ElasticsearchError(400, 'x_content_parse_exception', `failed to parse ${what}: ${(error as Error).message}`);
  }
  if (!isObject(value)) throw new ElasticsearchError(400, 'parse_exception', `${what} must be a JSON object`);
  return value;
}

/** Deep merge of a partial document into a stored one: objects merge, everything else (arrays too) is replaced. */
function merge(target: Json, changes: Json): Json {
  const merged: Json = { ...target };
  for (const [key, value] of Object.entries(changes)) {
    merged[key] = isObject(value) && isObject(merged[key]) ? merge(merged[key] as Json, value) : value;
  }
  return merged;
}

/**
 * One in-memory Elasticsearch node: its indices and documents, and `handle`, which answers a REST request. Every
 * write is visible to search at once (`refresh` is accepted and has nothing to do).
 */
export class MemoryElasticsearch {
  readonly #indices = new Map<string, StoredIndex>();

  /** Answers one request; throws NotImplementedError for anything outside what the fake answers. */
  handle(method: string, path: string, querystring: string, body: string | undefined): MemoryReply {
    try {
      return this.#route(method, path, new URLSearchParams(querystring), body);
    } catch (error) {
      if (error instanceof ElasticsearchError) return { statusCode: error.status, body: method === 'HEAD' ? undefined : error.body };
      throw error;
    }
  }

  #route(method: string, path: string, params: URLSearchParams, body: string | undefined): MemoryReply {
    const segments = path.split('/').filter((segment) => segment !== '').map(decodeURIComponent);
    const [first, api, id, ...rest] = segments;
    if (first === undefined || rest.length > 0) refuse(`${method} ${path}`);

    if (first === '_bulk' && api === undefined && (method === 'POST' || method === 'PUT')) {
      checkParams(params, []);
      return this.#bulk(undefined, body);
    }
    if (first.startsWith('_') || first.includes(',') || first.includes('*')) refuse(`${method} ${path}`);
    const name = first;

    if (api === undefined && method === 'HEAD') {
      checkParams(params, []);
      return { statusCode: this.#indices.has(name) ? 200 : 404 };
    }
    if (api === undefined && method === 'PUT') {
      checkParams(params, []);
      return this.#createIndex(name, parseJson(body, 'the index definition'));
    }
    if (api === '_mapping' && id === undefined && method === 'GET') {
      checkParams(params, []);
      const index = this.#existing(name);
      return { statusCode: 200, body: { [name]: { mappings: structuredClone(index.mappings) } } };
    }
    if (api === '_doc' && (method === 'PUT' || method === 'POST') && (id !== undefined || method === 'POST')) {
      checkParams(params, ['op_type']);
      const opType = params.get('op_type') ?? 'index';
      if (opType !== 'index' && opType !== 'create') throw new ElasticsearchError(400, 'illegal_argument_exception', `opType must be 'create' or 'index', found: [${opType}]`);
      const { status, result } = this.#indexDocument(name, id, parseJson(body, 'the document'), opType);
      return { statusCode: status, body: result };
    }
    if (api === '_doc' && id !== undefined && method === 'DELETE') {
      checkParams(params, []);
      const { status, result } = this.#deleteDocument(name, id);
      return { statusCode: status, body: result };
    }
    if (api === '_update' && id !== undefined && method === 'POST') {
      checkParams(params, []);
      const { status, result } = this.#updateDocument(name, id, parseJson(body, 'the update'));
      return { statusCode: status, body: result };
    }
    if (api === '_bulk' && id === undefined && (method === 'POST' || method === 'PUT')) {
      checkParams(params, []);
      return this.#bulk(name, body);
    }
    if (api === '_search' && id === undefined && (method === 'GET' || method === 'POST')) {
      checkParams(params, []);
      return { statusCode: 200, body: search(this.#existing(name), parseJson(body, 'the search request')) };
    }
    return refuse(`${method} ${path}`);
  }

  #existing(name: string): StoredIndex {
    const index = this.#indices.get(name);
    if (!index) throw indexNotFound(name);
    return index;
  }

  #createIndex(name: string, definition: Json): MemoryReply {
    onlyKeys(definition, ['settings', 'mappings'], 'an index definition');
    if (isObject(definition.mappings)) onlyKeys(definition.mappings, ['properties'], 'index mappings');
    checkIndexName(name);
    const existing = this.#indices.get(name);
    if (existing) {
      throw new ElasticsearchError(400, 'resource_already_exists_exception', `index [${name}/${existing.uuid}] already exists`, {
        index_uuid: existing.uuid, index: name,
      });
    }
    this.#add(name, (definition.settings as Json | undefined) ?? {}, (definition.mappings as Json | undefined) ?? {});
    return { statusCode: 200, body: { acknowledged: true, shards_acknowledged: true, index: name } };
  }

  #add(name: string, settings: Json, mappings: Json): StoredIndex {
    const index: StoredIndex = { name, uuid: randomUUID(), settings: structuredClone(settings), mappings: structuredClone(mappings), documents: new Map(), seqNo: -1 };
    this.#indices.set(name, index);
    return index;
  }

  /** The index to write to, created without mappings when it is missing, as a node auto-creates it. */
  #forWriting(name: string): StoredIndex {
    const index = this.#indices.get(name);
    if (index) return index;
    checkIndexName(name);
    return this.#add(name, {}, {});
  }

  #written(index: StoredIndex, id: string, result: string, status: number): WriteResult {
    const document = index.documents.get(id);
    // A noop writes no shard.
    const replicas = result === 'noop' ? -1 : Number(index.settings.number_of_replicas ?? (index.settings.index as Json | undefined)?.number_of_replicas ?? 1);
    return {
      status,
      result: {
        _index: index.name,
        _id: id,
        _version: document?.version ?? 1,
        result,
        // One node: the primary is written, the replicas are not assigned.
        _shards: { total: 1 + replicas, successful: result === 'noop' ? 0 : 1, failed: 0 },
        _seq_no: document?.seqNo ?? index.seqNo,
        _primary_term: 1,
      },
    };
  }

  /** Parses `source` against the mappings (a 400 if a value does not fit), maps its new fields, stores it. */
  #store(index: StoredIndex, id: string, source: Json): StoredDocument {
    checkDocument(index, id, source);
    mapNewFields((index.mappings.properties ??= {}), source);
    const previous = index.documents.get(id);
    index.seqNo += 1;
    const document = { source, version: (previous?.version ?? 0) + 1, seqNo: index.seqNo };
    index.documents.set(id, document);
    return document;
  }

  #indexDocument(name: string, id: string | undefined, source: Json, opType: string): WriteResult {
    const index = this.#forWriting(name);
    const docId = id ?? randomUUID().replaceAll('-', '').slice(0, 20);
    const previous = index.documents.get(docId);
    if (previous && opType === 'create') {
      throw new ElasticsearchError(409, 'version_conflict_engine_exception',
        `[${docId}]: version conflict, document already exists (current version [${previous.version}])`,
        { index_uuid: index.uuid, shard: '0', index: name });
    }
    this.#store(index, docId, source);
    return this.#written(index, docId, previous ? 'updated' : 'created', previous ? 200 : 201);
  }

  #updateDocument(name: string, id: string, request: Json): WriteResult {
    onlyKeys(request, ['doc', 'detect_noop'], 'an update');
    if (!isObject(request.doc)) throw new ElasticsearchError(400, 'action_request_validation_exception', 'Validation Failed: 1: script or doc is missing;');
    const index = this.#forWriting(name);
    const previous = index.documents.get(id);
    if (!previous) {
      throw new ElasticsearchError(404, 'document_missing_exception', `[${id}]: document missing`, { index_uuid: index.uuid, shard: '0', index: name });
    }
    const source = merge(previous.source, request.doc);
    if (request.detect_noop !== false && JSON.stringify(source) === JSON.stringify(previous.source)) return this.#written(index, id, 'noop', 200);
    this.#store(index, id, source);
    return this.#written(index, id, 'updated', 200);
  }

  #deleteDocument(name: string, id: string): WriteResult {
    const index = this.#existing(name);
    const previous = index.documents.get(id);
    index.seqNo += 1;
    if (!previous) {
      const { result } = this.#written(index, id, 'not_found', 404);
      return { status: 404, result: { ...result, _seq_no: index.seqNo } };
    }
    index.documents.delete(id);
    const { result } = this.#written(index, id, 'deleted', 200);
    return { status: 200, result: { ...result, _version: previous.version + 1, _seq_no: index.seqNo } };
  }

  /** `_bulk`: ndjson action lines (index, create, update, delete), each but delete followed by its source line. */
  #bulk(pathIndex: string | undefined, body: string | undefined): MemoryReply {
    const started = performance.now();
    const lines = (body ?? '').split('\n').filter((line) => line.trim() !== '');
    if (lines.length === 0) throw new ElasticsearchError(400, 'action_request_validation_exception', 'Validation Failed: 1: no requests added;');
    const items: Json[] = [];
    for (let i = 0; i < lines.length; i++) {
      const action = parseJson(lines[i], `bulk line ${i + 1}`);
      const entries = Object.entries(action);
      if (entries.length !== 1 || !isObject(entries[0]![1])) throw new ElasticsearchError(400, 'illegal_argument_exception', `Malformed action/metadata line [${i + 1}]`);
      const [operation, options] = entries[0]! as [string, Json];
      if (!['index', 'create', 'update', 'delete'].includes(operation)) {
        throw new ElasticsearchError(400, 'illegal_argument_exception', `Malformed action/metadata line [${i + 1}], expected one of [create, delete, index, update] but found [${operation}]`);
      }
      onlyKeys(options, ['_index', '_id'], `a bulk [${operation}] action`);
      const name = (options._index as string | undefined) ?? pathIndex;
      if (name === undefined) throw new ElasticsearchError(400, 'action_request_validation_exception', `Validation Failed: 1: index is missing for request at position ${items.length};`);
      const id = options._id === undefined ? undefined : String(options._id);
      const source = operation === 'delete' ? undefined : lines[++i];
      if (operation !== 'delete' && source === undefined) throw new ElasticsearchError(400, 'illegal_argument_exception', 'The bulk request must be terminated by a newline [\\n]');
      if (operation !== 'index' && operation !== 'create' && id === undefined) {
        throw new ElasticsearchError(400, 'action_request_validation_exception', `Validation Failed: 1: id is missing for request at position ${items.length};`);
      }
      items.push({ [operation]: this.#bulkItem(operation, name, id, source) });
    }
    const errors = items.some((item) => 'error' in (Object.values(item)[0] as Json));
    return { statusCode: 200, body: { errors, took: Math.round(performance.now() - started), items } };
  }

  #bulkItem(operation: string, name: string, id: string | undefined, source: string | undefined): Json {
    try {
      const { status, result } = operation === 'delete' ? this.#deleteDocument(name, id!)
        : operation === 'update' ? this.#updateDocument(name, id!, parseJson(source, 'the update'))
        : this.#indexDocument(name, id, parseJson(source, 'the document'), operation);
      return { ...result, status };
    } catch (error) {
      if (!(error instanceof ElasticsearchError)) throw error;
      return { _index: name, _id: id ?? null, status: error.status, error: error.errorCause };
    }
  }
}
