// The demo's data: what a client sends to create a review, the stored review, and the review.created event.

/** Platforms a creator account can be on (the `Platform` enum of the schema). */
export const PLATFORMS = ['YOUTUBE', 'TWITTER', 'INSTAGRAM', 'REDDIT', 'TIKTOK', 'TWITCH'] as const;
/** One of {@link PLATFORMS}. */
export type Platform = (typeof PLATFORMS)[number];

/** The Kafka topic the demo publishes new reviews to. */
export const REVIEW_CREATED_TOPIC = 'review.created';

/** A new review as a client sends it. Ids are 24-hex-digit ObjectIds, as Prisma stores them. */
export interface ReviewInput {
  readonly accountId: string;
  readonly authorId: string;
  readonly platform: Platform;
  /** 1 to 5. */
  readonly stars: number;
  readonly title: string;
  readonly content?: string;
}

/** A stored review, as the rest of the flow sees it. */
export interface Review extends ReviewInput {
  /** The MongoDB `_id` as hex. */
  readonly id: string;
  readonly createdAt: Date;
}

/** The payload of a `review.created` message (JSON; the message key is the account id). */
export interface ReviewCreatedEvent {
  readonly type: 'review.created';
  readonly reviewId: string;
  readonly accountId: string;
  readonly authorId: string;
  readonly platform: Platform;
  readonly stars: number;
  readonly title: string;
  /** ISO 8601. */
  readonly createdAt: string;
}

const OBJECT_ID = /^[0-9a-f]{24}$/i;

/**
 * Checks a review before anything is written, so a bad one leaves no trace in any store.
 * @throws {TypeError} naming the first invalid field.
 */
export function validateReviewInput(input: ReviewInput): void {
  for (const field of ['accountId', 'authorId'] as const) {
    if (!OBJECT_ID.test(input[field])) throw new TypeError(`review.${field}: expected a 24-hex-digit ObjectId`);
  }
  if (!PLATFORMS.includes(input.platform)) throw new TypeError(`review.platform: expected one of ${PLATFORMS.join(', ')}`);
  if (!Number.isInteger(input.stars) || input.stars < 1 || input.stars > 5) {
    throw new TypeError('review.stars: expected an integer from 1 to 5');
  }
  if (input.title.trim() === '') throw new TypeError('review.title: expected a non-empty title');
}

/** The event announcing `review`. */
export function reviewCreatedEvent(review: Review): ReviewCreatedEvent {
  return {
    type: 'review.created',
    reviewId: review.id,
    accountId: review.accountId,
    authorId: review.authorId,
    platform: review.platform,
    stars: review.stars,
    title: review.title,
    createdAt: review.createdAt.toISOString(),
  };
}
