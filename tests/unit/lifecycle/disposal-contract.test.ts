import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { getSearchClient, getWriteClient } from '../../../src/compat/algolia-client.js';
import { getPrismaClient } from '../../../src/compat/client.js';
import { setDefaultContainer } from '../../../src/compat/default-container.js';
import { disconnectProducer, getKafkaClient, getKafkaConsumer, getKafkaProducer } from '../../../src/compat/kafka-client.js';
import { getMongoClient } from '../../../src/compat/mongo-client.js';
import { getRedisClient } from '../../../src/compat/redis-do.js';
import { createDbContainer, disposeWithReport, lifecycleOf } from '../../../src/container.js';
import { DisposedError, ProviderError } from '../../../src/errors.js';
import { AlgoliaProvider } from '../../../src/providers/algolia.js';
import { KafkaProvider } from '../../../src/providers/kafka.js';
import { createLogger } from '../../../src/providers/logger.js';
import { MongoProvider } from '../../../src/providers/mongo.js';
import { PrismaProvider } from '../../../src/providers/prisma.js';
import { RedisProvider } from '../../../src/providers/redis.js';
import { PROVIDER_ALIASES } from '../../../src/tokens.js';

// Nothing here connects: ports are closed and every client is lazy. What is checked is what the package hands out
// once disposal began: a DisposedError naming the provider, from every way of reaching a client.

const ENV = {
  LOG_LEVEL: 'silent',
  REDIS_HOST: '127.0.0.1', REDIS_PORT: '9', REDIS_MODE: 'sentinel', REDIS_SENTINELS: '127.0.0.1:9', REDIS_SENTINEL_NAME: 'm',
  REDIS_READ_FROM_REPLICAS: 'true',
  KAFKA_SERVICE_URI: '127.0.0.1:9',
  MONGODB_URL: 'mongodb://127.0.0.1:9/app',
  DATABASE_URL_ONLINE: 'mongodb://127.0.0.1:9/app',
  ALGOLIA_APP_ID: 'APPID01', ALGOLIA_WRITE_API_KEY: 'write-key-0001', ALGOLIA_SEARCH_API_KEY: 'search-key-0001',
  ALGOLIA_HOSTS: 'http://127.0.0.1:9',
};

function make() {
  return createDbContainer({ env: ENV, logger: createLogger({ level: 'silent' }) });
}

/** Calls `use` and returns what it threw (or the rejection of what it returned). */
async function failure(use: () => unknown): Promise<unknown> {
  try {
    await use();
  } catch (error) {
    return error;
  }
  return undefined;
}

function expectDisposed(error: unknown, provider: string, what: string): void {
  expect(error, `${what} did not fail`).toBeInstanceOf(DisposedError);
  expect(error, what).toBeInstanceOf(ProviderError);
  expect((error as DisposedError).provider, what).toBe(provider);
  expect((error as Error).message, what).toMatch(new RegExp(`^\\[${provider}\\] `));
}

describe('after disposal began, every way to a client fails with DisposedError naming the provider', () => {
  it('provider surfaces, built before disposal or not', async () => {
    for (const buildFirst of [true, false]) {
      const c = make();
      const redis = c.resolve(RedisProvider);
      const kafka = c.resolve(KafkaProvider);
      const mongo = c.resolve(MongoProvider);
      const prisma = c.resolve(PrismaProvider);
      const algolia = c.resolve(AlgoliaProvider);
      if (buildFirst) {
        void redis.client;
        void redis.readClient;
        kafka.producer();
        void mongo.client;
        void algolia.client;
        void algolia.searchClient;
      }
      const disposal = c.dispose();
      const cases: Array<[string, string, () => unknown]> = [
        ['redis', 'RedisProvider.client', () => redis.client],
        ['redis', 'RedisProvider.readClient', () => redis.readClient],
        ['redis', 'RedisProvider.connect()', () => redis.connect()],
        ['kafka', 'KafkaProvider.client', () => kafka.client],
        ['kafka', 'KafkaProvider.producer()', () => kafka.producer()],
        ['kafka', 'KafkaProvider.consumer()', () => kafka.consumer('g')],
        ['kafka', 'KafkaProvider.admin()', () => kafka.admin()],
        ['mongodb', 'MongoProvider.client', () => mongo.client],
        ['mongodb', 'MongoProvider.db()', () => mongo.db()],
        ['mongodb', 'MongoProvider.readDb()', () => mongo.readDb()],
        ['mongodb', 'MongoProvider.connect()', () => mongo.connect()],
        ['prisma', 'PrismaProvider.client', () => prisma.client],
        ['algolia', 'AlgoliaProvider.client', () => algolia.client],
        ['algolia', 'AlgoliaProvider.searchClient', () => algolia.searchClient],
        ['redis', 'resolve(RedisProvider)', () => c.resolve(RedisProvider)],
        ['kafka', 'resolve(KafkaProvider)', () => c.resolve(KafkaProvider)],
        ['mongodb', 'resolve(MongoProvider)', () => c.resolve(MongoProvider)],
        ['prisma', 'resolve(PrismaProvider)', () => c.resolve(PrismaProvider)],
        ['algolia', 'resolve(AlgoliaProvider)', () => c.resolve(AlgoliaProvider)],
        ['redis', 'resolve(alias)', () => c.resolve(PROVIDER_ALIASES.redis)],
      ];
      for (const [provider, what, use] of cases) expectDisposed(await failure(use), provider, `${what} (built first: ${buildFirst})`);
      await disposal;
      // And after it finished.
      expectDisposed(await failure(() => redis.client), 'redis', 'RedisProvider.client after disposal');
      expectDisposed(await failure(() => c.resolve(KafkaProvider)), 'kafka', 'resolve(KafkaProvider) after disposal');
    }
  });

  it('a provider disposed alone refuses its client while the container goes on', async () => {
    const c = make();
    const redis = c.resolve(RedisProvider);
    void redis.client;
    await redis.dispose();
    expectDisposed(await failure(() => redis.client), 'redis', 'client after provider.dispose()');
    expect(c.resolve(MongoProvider).client).toBeDefined();
    await c.dispose();
  });

  it('the original import paths (default container)', async () => {
    const c = make();
    setDefaultContainer(c);
    try {
      void getRedisClient();
      void getKafkaClient();
      void getWriteClient();
      await c.dispose();
      const cases: Array<[string, string, () => unknown]> = [
        ['redis', 'getRedisClient()', () => getRedisClient()],
        ['kafka', 'getKafkaClient()', () => getKafkaClient()],
        ['kafka', 'getKafkaProducer()', () => getKafkaProducer()],
        ['kafka', 'getKafkaConsumer()', () => getKafkaConsumer('g')],
        ['mongodb', 'getMongoClient()', () => getMongoClient()],
        ['prisma', 'getPrismaClient()', () => getPrismaClient()],
        ['algolia', 'getWriteClient()', () => getWriteClient()],
        ['algolia', 'getSearchClient()', () => getSearchClient()],
      ];
      for (const [provider, what, use] of cases) expectDisposed(await failure(use), provider, what);
      // Documented as a no-op once the container is disposed.
      await expect(disconnectProducer()).resolves.toBeUndefined();
    } finally {
      setDefaultContainer(undefined);
    }
  });

  it('during a shutdown hook drain (health says shutting_down, disposal not begun) the clients still work', async () => {
    const c = make();
    lifecycleOf(c).beginShutdown();
    expect(lifecycleOf(c).shuttingDown).toBe(true);
    expect(c.resolve(RedisProvider).client).toBeDefined();
    expect(c.resolve(KafkaProvider).producer()).toBeDefined();
    await disposeWithReport(c);
    expectDisposed(await failure(() => c.resolve(RedisProvider).client), 'redis', 'client after the drain');
  });
});

describe('connect() fails only with our errors', () => {
  it('a connection string the driver rejects at construction is a ProviderError naming the provider', async () => {
    const c = createDbContainer({ env: { LOG_LEVEL: 'silent', MONGODB_URL: 'mongodb://127.0.0.1:9/app?readPreference=nonsense' } });
    const error = await failure(() => c.resolve(MongoProvider).connect());
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).provider).toBe('mongodb');
    expect((error as Error).message).toMatch(/^\[mongodb\] connect failed: /);
    await c.dispose();
  });

  it('a timeout stops the attempt: connect() rejects at the timeout and the provider can connect again later', async () => {
    const c = createDbContainer({ env: { LOG_LEVEL: 'silent', MONGODB_URL: 'mongodb://127.0.0.1:9/app', MONGODB_SERVER_SELECTION_TIMEOUT_MS: '5000' } });
    const mongo = c.resolve(MongoProvider);
    const started = Date.now();
    const error = await failure(() => mongo.connect({ timeoutMs: 200 }));
    expect(Date.now() - started).toBeLessThan(2000);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as Error).message).toBe('[mongodb] connect timed out after 200 ms');
    const aborted = new AbortController();
    const second = failure(() => mongo.connect({ signal: aborted.signal }));
    aborted.abort(new Error('caller gave up'));
    expect(await second).toMatchObject({ name: 'ProviderError', message: '[mongodb] connect aborted by the caller' });
    await c.dispose();
  });
});
