import { inject, injectable } from 'tsyringe';
import { RatingCache, type RatingSummary } from './rating-cache.js';
import { validateReviewInput, type Review, type ReviewInput } from './review.js';
import { ReviewEvents } from './review-events.js';
import { ReviewIndexer } from './review-indexer.js';
import { ReviewStore } from './review-store.js';

/** What {@link ReviewService.createReview} did. */
export interface CreatedReview {
  readonly review: Review;
  /** The account's rating summary after this review. */
  readonly rating: RatingSummary;
}

/**
 * Creates reviews: MongoDB is the record, so the review is stored first; then the account's cached rating is
 * updated, `review.created` is published, and the review is indexed for search. A failure after the insert
 * rejects with that step's error; the stored review stays (a real service would retry or reconcile from the
 * store).
 */
@injectable()
export class ReviewService {
  constructor(
    @inject(ReviewStore) private readonly store: ReviewStore,
    @inject(RatingCache) private readonly ratings: RatingCache,
    @inject(ReviewEvents) private readonly events: ReviewEvents,
    @inject(ReviewIndexer) private readonly indexer: ReviewIndexer,
  ) {}

  /**
   * Stores, rates, publishes and indexes one review.
   * @throws {TypeError} naming the invalid field, before anything is written.
   */
  async createReview(input: ReviewInput): Promise<CreatedReview> {
    validateReviewInput(input);
    const review = await this.store.insert(input);
    const rating = await this.ratings.add(review.accountId, review.stars);
    await Promise.all([this.events.publishCreated(review), this.indexer.index(review)]);
    return { review, rating };
  }
}
