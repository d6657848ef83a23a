import { inject, injectable } from 'tsyringe';
import { ElasticsearchProvider } from '../../src/index.js';
import type { Review } from './review.js';
import type { ReviewSearchIndex, ReviewSearchResult } from './review-search-result.js';

/** The Elasticsearch index that holds the demo's reviews (its own: the package's indices hold accounts and categories). */
export const ELASTIC_REVIEW_INDEX = 'reviews';

/** A review as stored in Elasticsearch (`_id` = review id). */
export interface ElasticReviewDocument {
  title: string;
  content: string;
  stars: number;
  platform: string;
  accountId: string;
  /** ISO 8601. */
  createdAt: string;
}

/** The index's mappings: text for what is searched, keywords for what is filtered. */
const MAPPINGS = {
  properties: {
    title: { type: 'text' },
    content: { type: 'text' },
    stars: { type: 'integer' },
    platform: { type: 'keyword' },
    accountId: { type: 'keyword' },
    createdAt: { type: 'date' },
  },
} as const;

/** True for Elasticsearch's answer to creating an index that exists. */
function alreadyExists(error: unknown): boolean {
  const body = (error as { meta?: { body?: { error?: { type?: unknown } } } } | null)?.meta?.body;
  return body?.error?.type === 'resource_already_exists_exception';
}

/**
 * The `reviews` index in Elasticsearch, through the provider's shared client. Once {@link ensureIndex} has run,
 * register it under `REVIEW_SEARCH_INDEXES` for `ReviewIndexer` to index every review here too.
 */
@injectable()
export class ElasticReviewIndex implements ReviewSearchIndex {
  readonly backend = 'elasticsearch';

  constructor(@inject(ElasticsearchProvider) private readonly elastic: ElasticsearchProvider) {}

  /** Creates the index unless it exists (also when another process creates it meanwhile). Safe to call on every start. */
  async ensureIndex(): Promise<'created' | 'exists'> {
    const { indices } = this.elastic.client;
    if (await indices.exists({ index: ELASTIC_REVIEW_INDEX })) return 'exists';
    try {
      await indices.create({ index: ELASTIC_REVIEW_INDEX, mappings: MAPPINGS, settings: { number_of_shards: 1, number_of_replicas: 0 } });
      return 'created';
    } catch (error) {
      if (alreadyExists(error)) return 'exists';
      throw error;
    }
  }

  /** Stores the review (replacing any with its id), searchable as soon as this resolves (`refresh: true`). */
  async index(review: Review): Promise<void> {
    await this.elastic.client.index<ElasticReviewDocument>({
      index: ELASTIC_REVIEW_INDEX,
      id: review.id,
      document: {
        title: review.title,
        content: review.content ?? '',
        stars: review.stars,
        platform: review.platform,
        accountId: review.accountId,
        createdAt: review.createdAt.toISOString(),
      },
      refresh: true,
    });
  }

  /** Reviews whose title or content match `query` (the title weighs more), with the exact count. */
  async search(query: string): Promise<ReviewSearchResult> {
    const response = await this.elastic.client.search<ElasticReviewDocument>({
      index: ELASTIC_REVIEW_INDEX,
      query: { multi_match: { query, fields: ['title^2', 'content'] } },
      track_total_hits: true,
      size: 20,
    });
    const { total } = response.hits;
    const hits = response.hits.hits.filter((hit): hit is typeof hit & { _id: string } => typeof hit._id === 'string');
    const first = hits[0];
    return {
      backend: 'elasticsearch',
      total: typeof total === 'number' ? total : total?.value ?? hits.length,
      ids: hits.map((hit) => hit._id),
      ...(first ? { top: { id: first._id, title: first._source?.title ?? '' } } : {}),
    };
  }
}
