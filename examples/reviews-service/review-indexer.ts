import { inject, injectable } from 'tsyringe';
import { AlgoliaProvider } from '../../src/index.js';
import type { Review } from './review.js';

/** The Algolia index (before the environment prefix) that holds reviews. */
export const REVIEW_INDEX = 'reviews';

/** Makes reviews searchable in Algolia. */
@injectable()
export class ReviewIndexer {
  constructor(@inject(AlgoliaProvider) private readonly algolia: AlgoliaProvider) {}

  /** Saves the review as an Algolia record (objectID = review id) and waits until the task is published. */
  async index(review: Review): Promise<void> {
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

  /** Ids of the reviews matching `query`, searched with the search-only key. */
  async search(query: string): Promise<string[]> {
    const result = await this.algolia.searchClient.searchSingleIndex({
      indexName: this.algolia.indexName(REVIEW_INDEX),
      searchParams: { query },
    });
    return result.hits.map((hit) => hit.objectID);
  }
}
