import { inject, injectAll, injectable } from 'tsyringe';
import { AlgoliaProvider } from '../../src/index.js';
import type { Review } from './review.js';
import { REVIEW_SEARCH_INDEXES, type ReviewSearchIndex, type ReviewSearchResult, type SearchBackend } from './review-search-result.js';

/** The Algolia index (before the environment prefix) that holds reviews. */
export const REVIEW_INDEX = 'reviews';

/**
 * Makes reviews searchable: in Algolia, and in every backend the app registered under {@link REVIEW_SEARCH_INDEXES}
 * (the demo registers Elasticsearch when its node runs).
 */
@injectable()
export class ReviewIndexer {
  constructor(
    @inject(AlgoliaProvider) private readonly algolia: AlgoliaProvider,
    // injectAll: an empty list when none is registered.
    @injectAll(REVIEW_SEARCH_INDEXES, { isOptional: true }) private readonly others: ReviewSearchIndex[],
  ) {}

  /** The backends each review is indexed into, Algolia first. */
  get backends(): SearchBackend[] {
    return ['algolia', ...this.others.map((other) => other.backend)];
  }

  /** Indexes the review in every backend at once; resolves once each has made it searchable. */
  async index(review: Review): Promise<void> {
    await Promise.all([this.#indexInAlgolia(review), ...this.others.map((other) => other.index(review))]);
  }

  /** Saves the review as an Algolia record (objectID = review id) and waits until the task is published. */
  async #indexInAlgolia(review: Review): Promise<void> {
    const indexName = this.algolia.indexName(REVIEW_INDEX);
    const { taskID } = await this.algolia.client.saveObject({
      indexName,
      body: {
        objectID: review.id,
        title: review.title,
        content: review.content ?? '',
        stars: review.stars,
        platform: review.platform,
        accountId: review.accountId,
        createdAt: review.createdAt.getTime(),
      },
    });
    await this.algolia.client.waitForTask({ indexName, taskID });
  }

  /** Ids of the reviews matching `query` in Algolia, searched with the search-only key. */
  async search(query: string): Promise<string[]> {
    return [...(await this.#searchAlgolia(query)).ids];
  }

  /** `query` searched in every backend at once, the results in {@link backends} order and in the same shape. */
  async searchAll(query: string): Promise<ReviewSearchResult[]> {
    return Promise.all([this.#searchAlgolia(query), ...this.others.map((other) => other.search(query))]);
  }

  async #searchAlgolia(query: string): Promise<ReviewSearchResult> {
    const result = await this.algolia.searchClient.searchSingleIndex<{ title?: string }>({
      indexName: this.algolia.indexName(REVIEW_INDEX),
      searchParams: { query },
    });
    const first = result.hits[0];
    return {
      backend: 'algolia',
      total: result.nbHits ?? result.hits.length,
      ids: result.hits.map((hit) => hit.objectID),
      ...(first ? { top: { id: first.objectID, title: first.title ?? '' } } : {}),
    };
  }
}
