import type { InjectionToken } from 'tsyringe';
import type { DbConfig } from './config/index.js';
import type { ContainerLifecycle } from './lifecycle/container-lifecycle.js';
import type { AlgoliaProvider } from './providers/algolia.js';
import type { CacheProvider } from './providers/cache.js';
import type { ElasticsearchProvider } from './providers/elasticsearch.js';
import type { KafkaProvider } from './providers/kafka.js';
import type { Logger } from './providers/logger.js';
import type { MongoProvider } from './providers/mongo.js';
import type { PrismaProvider } from './providers/prisma.js';
import type { RedisProvider } from './providers/redis.js';

/** The container's frozen {@link DbConfig}. */
export const DB_CONFIG: InjectionToken<DbConfig> = Symbol.for('@ratecreator/db:DB_CONFIG');
/** The container's root pino logger; providers log through children of it. */
export const LOGGER: InjectionToken<Logger> = Symbol.for('@ratecreator/db:LOGGER');
/** The container's disposal state (internal: use `disposeWithReport` and `checkHealth`). */
export const DB_LIFECYCLE: InjectionToken<ContainerLifecycle> = Symbol.for('@ratecreator/db:DB_LIFECYCLE');

/**
 * Each provider of a container is also registered under one of these realm-wide symbols. A second evaluation of this
 * package's code (a dev server that reloads modules, as `next dev` does on every edit) has provider classes of its
 * own: `getDefaultContainer()` registers them as aliases of these, and `checkHealth` resolves through them, so the
 * providers (and connections) the first evaluation built are the ones used: no second set per reload.
 */
export const PROVIDER_ALIASES = {
  redis: Symbol.for('@ratecreator/db:RedisProvider') as InjectionToken<RedisProvider>,
  kafka: Symbol.for('@ratecreator/db:KafkaProvider') as InjectionToken<KafkaProvider>,
  prisma: Symbol.for('@ratecreator/db:PrismaProvider') as InjectionToken<PrismaProvider>,
  mongo: Symbol.for('@ratecreator/db:MongoProvider') as InjectionToken<MongoProvider>,
  algolia: Symbol.for('@ratecreator/db:AlgoliaProvider') as InjectionToken<AlgoliaProvider>,
  elasticsearch: Symbol.for('@ratecreator/db:ElasticsearchProvider') as InjectionToken<ElasticsearchProvider>,
  cache: Symbol.for('@ratecreator/db:CacheProvider') as InjectionToken<CacheProvider>,
} as const;
