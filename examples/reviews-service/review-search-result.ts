import type { InjectionToken } from 'tsyringe';
import type { Review } from './review.js';

/** A search backend the demo indexes reviews into. */
export type SearchBackend = 'algolia' | 'elasticsearch';

/** What one backend found for a query, in the same shape for each, so they can be printed side by side. */
export interface ReviewSearchResult {
  readonly backend: SearchBackend;
  /** How many reviews matched. */
  readonly total: number;
  /** Ids of the reviews returned, best first. */
  readonly ids: readonly string[];
  /** The best hit, when there is one. */
  readonly top?: { readonly id: string; readonly title: string };
}

/** A search backend reviews are indexed into besides Algolia. */
export interface ReviewSearchIndex {
  readonly backend: SearchBackend;
  /** Makes the review searchable; resolves once a search finds it. */
  index(review: Review): Promise<void>;
  search(query: string): Promise<ReviewSearchResult>;
}

/**
 * Where an app registers more search backends, ready to use (their index created), for `ReviewIndexer` to index
 * every review into besides Algolia; none registered, reviews go to Algolia alone. Several may be registered.
 */
export const REVIEW_SEARCH_INDEXES: InjectionToken<ReviewSearchIndex> = 'reviews-demo:ReviewSearchIndex';
