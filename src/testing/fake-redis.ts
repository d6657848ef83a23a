import { inject, injectable } from 'tsyringe';
import type { Redis } from 'ioredis';
import { LazyProvider, LOGGER, ProviderError } from '../index.js';
import type { ContainerLifecycle } from '../lifecycle/container-lifecycle.js';
import type { Logger } from '../providers/logger.js';
import type { RedisClient } from '../providers/redis.js';
import { DB_LIFECYCLE } from '../tokens.js';

type RedisMockClass = new (options?: { host?: string; port?: number; keyPrefix?: string }) => Redis;

// ioredis-mock shares data between instances with the same host:port; each fake gets its own.
let nextPort = 1;

/**
 * In-memory Redis with the `RedisProvider` surface, backed by ioredis-mock (an optional peer dependency,
 * loaded on first use). Opens no socket. Each instance has its own data.
 */
@injectable()
export class FakeRedisProvider extends LazyProvider<RedisClient> {
  readonly #port = nextPort++;

  constructor(@inject(LOGGER) logger: Logger, @inject(DB_LIFECYCLE) lifecycle: ContainerLifecycle) {
    super('redis', 'stores', logger, lifecycle);
  }

  get isConfigured(): boolean {
    return true;
  }

  /** Same as `client`: the fake has no replicas. */
  get readClient(): RedisClient {
    return this.client;
  }

  protected createClient(): RedisClient {
    let RedisMock: RedisMockClass;
    try {
      RedisMock = require('ioredis-mock') as RedisMockClass;
    } catch (error) {
      throw new ProviderError('redis', 'the test container needs the optional peer dependency ioredis-mock: npm install -D ioredis-mock@^8', { cause: error });
    }
    return new RedisMock({ host: 'fake-redis', port: this.#port });
  }

  protected async openClient(client: RedisClient): Promise<void> {
    await client.ping();
  }

  protected async pingClient(client: RedisClient): Promise<void> {
    await client.ping();
  }

  protected async closeClient(client: RedisClient): Promise<void> {
    client.disconnect();
  }

  protected destroyClient(client: RedisClient): void {
    client.disconnect();
  }
}
