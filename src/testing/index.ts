import 'reflect-metadata';
import { Lifecycle, type DependencyContainer, type InjectionToken } from 'tsyringe';
import { AlgoliaProvider, CacheProvider, createDbContainer, createLogger, type DbContainer, ElasticsearchProvider, KafkaProvider, loadConfig, type Logger, MongoProvider, PrismaProvider, RedisProvider, setDefaultContainer } from '../index.js';
import type { Env } from '../config/env.js';
import { FakeAlgoliaProvider } from './fake-algolia.js';
import { FakeCacheProvider } from './fake-cache.js';
import { FakeElasticsearchProvider } from './fake-elasticsearch.js';
import { FakeKafkaProvider } from './fake-kafka.js';
import { FakeMongoProvider } from './fake-mongo.js';
import { FAKE_PRISMA_CLIENT, FakePrismaProvider } from './fake-prisma.js';
import { FakeRedisProvider } from './fake-redis.js';

/** A real provider class a test may ask to keep (`allowReal`). */
export type RealProviderClass =
  | typeof RedisProvider | typeof KafkaProvider | typeof MongoProvider | typeof AlgoliaProvider | typeof PrismaProvider | typeof CacheProvider
  | typeof ElasticsearchProvider;

/** Options of {@link createTestContainer}. */
export interface TestContainerOptions {
  /** Extra token -> value registrations, applied after the fakes. */
  readonly overrides?: ReadonlyArray<readonly [InjectionToken<unknown>, unknown]>;
  /** @default a silent logger */
  readonly logger?: Logger;
  /** The Prisma client to hand out, typically `mockDeep<RateCreatorPrismaClient>()`. Without it every call throws. */
  readonly prisma?: unknown;
  /** Real providers this test explicitly allows, configured from `env`. @default none: every provider is a fake */
  readonly allowReal?: readonly RealProviderClass[];
  /** The variables for `allowReal` providers. @default {} (never process.env) */
  readonly env?: Env;
  /** Also serve the original import paths (`getRedisClient()`, ...) from this container until it is disposed. @default false */
  readonly asDefault?: boolean;
}

const FAKES = [
  [RedisProvider, FakeRedisProvider],
  [KafkaProvider, FakeKafkaProvider],
  [MongoProvider, FakeMongoProvider],
  [AlgoliaProvider, FakeAlgoliaProvider],
  [ElasticsearchProvider, FakeElasticsearchProvider],
  [PrismaProvider, FakePrismaProvider],
  [CacheProvider, FakeCacheProvider],
] as const;

/** The default container's slot (src/compat/default-container.ts), read without creating a container. */
const defaultSlot = () => (globalThis as Record<symbol, { container?: DependencyContainer } | undefined>)[Symbol.for('@ratecreator/db:default-container')];

/**
 * A container whose seven providers are in-memory fakes (the cache: bentocache's memory tier alone; Elasticsearch: an
 * in-memory node answering the calls `@ratecreator/db/elasticsearch-client` makes, every other call refused) with the real providers' surface, resolved by the real classes as tokens. Fail-closed: it reads no environment and opens no network connection; a real provider is
 * used only when the test lists it in `allowReal`. Dispose it like any other container.
 */
export function createTestContainer(options: TestContainerOptions = {}): DbContainer {
  const container = createDbContainer({
    config: loadConfig(options.env ?? {}),
    logger: options.logger ?? createLogger({ level: 'silent' }),
    ...(options.overrides ? { overrides: options.overrides } : {}),
  });
  container.register(FAKE_PRISMA_CLIENT, { useValue: { client: options.prisma } });
  for (const [Real, Fake] of FAKES) {
    if (options.allowReal?.includes(Real) || options.overrides?.some(([token]) => token === Real)) continue;
    // A fake has its provider's public surface (pinned by a type test), not its private fields.
    container.register<unknown>(Real, { useClass: Fake as unknown as new () => unknown }, { lifecycle: Lifecycle.Singleton });
  }
  if (options.asDefault) {
    setDefaultContainer(container);
    const dispose = container.dispose.bind(container);
    container.dispose = () => {
      // Only while it is still the default: a later asDefault container stays the default.
      if (defaultSlot()?.container === container) setDefaultContainer(undefined);
      return dispose();
    };
  }
  return container;
}

export { FakeAlgoliaProvider } from './fake-algolia.js';
export { FakeCacheProvider } from './fake-cache.js';
export { FakeElasticsearchProvider } from './fake-elasticsearch.js';
export { FakeKafkaProvider } from './fake-kafka.js';
export { MemoryBroker } from './memory-kafka.js';
export { FakeMongoProvider } from './fake-mongo.js';
export { FakePrismaProvider } from './fake-prisma.js';
export { FakeRedisProvider } from './fake-redis.js';
export { startAlgoliaServer, type AlgoliaServer, type AlgoliaServerOptions } from './algolia-server.js';
export { createAlgoliaService, type AlgoliaService } from './algolia-service.js';
