// The accounts and categories indices: settings and mappings as documented upstream, creation that leaves an
// existing index alone, and a check of an existing index against the mappings (for `ratecreator-db search-indices`).
import type { Client } from '@elastic/elasticsearch';
import type { ElasticsearchIndexNames } from '../providers/elasticsearch.js';

type Mapping = Record<string, Record<string, unknown>>;

const keyword = { type: 'keyword' };
const text = { type: 'text' };
const withKeyword = (mapping: Record<string, unknown>) => ({ ...mapping, fields: { keyword: { type: 'keyword', ignore_above: 256 } } });
const autocomplete = { type: 'text', analyzer: 'autocomplete', search_analyzer: 'autocomplete_search' };

/** Accounts: 2 shards, 1 replica; names and handle analysed into edge n-grams (1..20) at index time. */
export const ACCOUNTS_INDEX = {
  settings: {
    number_of_shards: 2,
    number_of_replicas: 1,
    analysis: {
      tokenizer: {
        autocomplete: { type: 'edge_ngram', min_gram: 1, max_gram: 20, token_chars: ['letter', 'digit'] },
      },
      analyzer: {
        autocomplete: { type: 'custom', tokenizer: 'autocomplete', filter: ['lowercase'] },
        autocomplete_search: { type: 'custom', tokenizer: 'standard', filter: ['lowercase'] },
      },
    },
  },
  mappings: {
    properties: {
      objectID: keyword,
      platform: keyword,
      accountId: keyword,
      handle: withKeyword(autocomplete),
      name: withKeyword(autocomplete),
      name_en: autocomplete,
      description: text,
      description_en: text,
      keywords: text,
      keywords_en: text,
      categories: keyword,
      categoryNames: text,
      country: keyword,
      language_code: keyword,
      imageUrl: { type: 'keyword', index: false },
      bannerUrl: { type: 'keyword', index: false },
      followerCount: { type: 'long' },
      viewCount: { type: 'long' },
      reviewCount: { type: 'integer' },
      videoCount: { type: 'integer' },
      rating: { type: 'float' },
      madeForKids: { type: 'boolean' },
      claimed: { type: 'boolean' },
      isSeeded: { type: 'boolean' },
      createdDate: { type: 'date' },
      lastIndexedAt: { type: 'date' },
    } satisfies Mapping,
  },
} as const;

/** Categories: 1 shard, 1 replica. */
export const CATEGORIES_INDEX = {
  settings: { number_of_shards: 1, number_of_replicas: 1 },
  mappings: {
    properties: {
      objectID: keyword,
      name: withKeyword(text),
      slug: keyword,
      shortDescription: text,
      longDescription: text,
      keywords: text,
      parentId: keyword,
      parentCategory: text,
      popular: { type: 'boolean' },
      depth: { type: 'integer' },
      createdAt: { type: 'date' },
      updatedAt: { type: 'date' },
    } satisfies Mapping,
  },
} as const;

/** What happened to each index. */
export interface IndexState {
  readonly role: 'accounts' | 'categories';
  readonly index: string;
  /** `created` by this call, already `exists`, or `missing` (only when checking). */
  readonly state: 'created' | 'exists' | 'missing';
  /** Fields whose mapping differs from the documented one (missing, or another type or analyzer). */
  readonly differences: readonly string[];
}

const DEFINITIONS = { accounts: ACCOUNTS_INDEX, categories: CATEGORIES_INDEX } as const;

/** The mapped properties of one index as the server reports them (`GET /{index}/_mapping`). */
async function mappedProperties(client: Client, index: string): Promise<Mapping> {
  const response = await client.indices.getMapping({ index });
  // The response is keyed by the concrete index name (an alias resolves to it): take the one index there is.
  const [entry] = Object.values(response);
  return (entry?.mappings?.properties ?? {}) as Mapping;
}

/** Fields of `expected` that are missing from `actual` or mapped with another type or analyzer. */
export function mappingDifferences(expected: Mapping, actual: Mapping): string[] {
  const differences: string[] = [];
  for (const [field, want] of Object.entries(expected)) {
    const have = actual[field];
    if (have === undefined) {
      differences.push(`${field}: missing`);
      continue;
    }
    for (const key of ['type', 'analyzer', 'search_analyzer', 'index'] as const) {
      const wanted = want[key] ?? (key === 'type' ? 'object' : undefined);
      // A field without its own search analyzer searches with its analyzer.
      const fallback = key === 'type' ? 'object' : key === 'search_analyzer' ? have.analyzer : undefined;
      const actualValue = have[key] ?? fallback;
      if (wanted !== undefined && String(wanted) !== String(actualValue)) {
        differences.push(`${field}: ${key} ${String(actualValue)}, expected ${String(wanted)}`);
      }
    }
    // Sub-fields (`name.keyword`), compared the same way.
    const subFields = want.fields as Mapping | undefined;
    if (subFields) {
      const prefix = (line: string) => `${field}.${line}`;
      differences.push(...mappingDifferences(subFields, (have.fields ?? {}) as Mapping).map(prefix));
    }
  }
  return differences;
}

/**
 * Creates each index that is missing with the documented settings and mappings; an existing index is left as it is
 * and checked against them. With `create: false`, only checks. Safe to run concurrently: an index another process
 * created in the meantime counts as existing.
 */
export async function ensureIndices(
  client: Client,
  names: ElasticsearchIndexNames,
  options: { create: boolean } = { create: true },
): Promise<IndexState[]> {
  const states: IndexState[] = [];
  for (const role of ['accounts', 'categories'] as const) {
    const index = names[role];
    const definition = DEFINITIONS[role];
    const properties = definition.mappings.properties as Mapping;
    if (await client.indices.exists({ index })) {
      states.push({ role, index, state: 'exists', differences: mappingDifferences(properties, await mappedProperties(client, index)) });
      continue;
    }
    if (!options.create) {
      states.push({ role, index, state: 'missing', differences: [] });
      continue;
    }
    try {
      await client.indices.create({ index, settings: definition.settings, mappings: definition.mappings } as never);
      states.push({ role, index, state: 'created', differences: [] });
    } catch (error) {
      const type = (error as { body?: { error?: { type?: string } } }).body?.error?.type;
      if (type !== 'resource_already_exists_exception') throw error;
      states.push({ role, index, state: 'exists', differences: mappingDifferences(properties, await mappedProperties(client, index)) });
    }
  }
  return states;
}
