import { inject, injectable } from 'tsyringe';
import { RedisProvider } from '../../src/index.js';

/** An account's rating summary as cached in Redis. */
export interface RatingSummary {
  readonly count: number;
  readonly sum: number;
  /** `sum / count`, 0 when there is no review. */
  readonly average: number;
}

/** Keeps each account's rating summary in a Redis hash (`rating:<accountId>` with `sum` and `count`). */
@injectable()
export class RatingCache {
  constructor(@inject(RedisProvider) private readonly redis: RedisProvider) {}

  /** The cache key of an account's summary. */
  static key(accountId: string): string {
    return `rating:${accountId}`;
  }

  /** Adds one review's stars atomically (one MULTI) and returns the new summary. */
  async add(accountId: string, stars: number): Promise<RatingSummary> {
    const results = await this.redis.client
      .multi()
      .hincrby(RatingCache.key(accountId), 'sum', stars)
      .hincrby(RatingCache.key(accountId), 'count', 1)
      .exec();
    const [sum, count] = (results ?? []).map(([error, value]) => {
      if (error) throw error;
      return Number(value);
    });
    return summary(sum ?? 0, count ?? 0);
  }

  /** The cached summary of an account. */
  async get(accountId: string): Promise<RatingSummary> {
    const hash = await this.redis.client.hgetall(RatingCache.key(accountId));
    return summary(Number(hash.sum ?? 0), Number(hash.count ?? 0));
  }
}

function summary(sum: number, count: number): RatingSummary {
  return { sum, count, average: count === 0 ? 0 : sum / count };
}
