// The quick start, runnable: a local Redis server, a service that resolves RedisProvider, health, and shutdown.
import 'reflect-metadata';
import { inject, injectable } from 'tsyringe';
import { startRedis } from '../scripts/servers/redis.js';
import { createDbContainer, disposeWithReport, RedisProvider } from '../src/index.js';

@injectable()
class RatingCache {
  constructor(@inject(RedisProvider) private readonly redis: RedisProvider) {}

  /** Records one star rating for a creator account and returns the running average. */
  async addRating(accountId: string, stars: number): Promise<number> {
    const key = `rating:${accountId}`;
    const [[, sum], [, count]] = (await this.redis.client
      .multi()
      .hincrby(key, 'sum', stars)
      .hincrby(key, 'count', 1)
      .exec()) as [[null, number], [null, number]];
    return sum / count;
  }
}

const server = await startRedis();
console.log(`local redis-server on 127.0.0.1:${server.port}`);
try {
  const container = createDbContainer({ env: { REDIS_HOST: '127.0.0.1', REDIS_PORT: String(server.port), LOG_LEVEL: 'warn' } });
  const cache = container.resolve(RatingCache);
  for (const stars of [5, 4, 3]) console.log(`rated ${stars}: average now ${(await cache.addRating('yt:UC123', stars)).toFixed(2)}`);
  console.log('health:', await container.resolve(RedisProvider).health());
  const report = await disposeWithReport(container);
  console.log('disposal:', JSON.stringify(report.providers));
  process.exitCode = report.ok ? 0 : 1;
} finally {
  await server.stop();
}
