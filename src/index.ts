import 'reflect-metadata';

export { createDbContainer, disposeWithReport, lastDisposalReport, type DbContainer, type DbContainerOptions } from './container.js';
export { getDefaultContainer, setDefaultContainer } from './compat/default-container.js';
export {
  CONFIG_VARIABLES,
  loadConfig,
  type AlgoliaConfig,
  type AlgoliaHost,
  type CacheConfig,
  type DbConfig,
  type ElasticsearchConfig,
  type HostPort,
  type KafkaConfig,
  type KafkaPartitioner,
  type KafkaSasl,
  type KafkaSaslMechanism,
  type LogLevel,
  type MongoConfig,
  type MongoReadPreference,
  type PrismaConfig,
  type RedisConfig,
  type RedisMode,
  type RetryPolicy,
  type TlsConfig,
} from './config/index.js';
export { backoffDelay } from './config/retry.js';
export {
  ConfigError,
  DbError,
  DisposedError,
  ProviderError,
  TimeoutError,
  type ConfigIssue,
} from './errors.js';
export { checkHealth, type CheckHealthOptions, type ContainerHealth } from './lifecycle/health.js';
export { LazyProvider } from './lifecycle/lazy-provider.js';
export { installShutdownHooks, type ShutdownHookOptions } from './lifecycle/shutdown-hooks.js';
export type {
  DbProvider,
  DisposalReport,
  DisposalStatus,
  DisposePhase,
  HealthOptions,
  HealthState,
  HealthStatus,
  ProviderDisposal,
} from './lifecycle/types.js';
export { AlgoliaProvider } from './providers/algolia.js';
export { CacheProvider } from './providers/cache.js';
export { ElasticsearchProvider, type ElasticsearchIndexNames } from './providers/elasticsearch.js';
export type {
  CacheClient,
  CacheDuration,
  CacheEntryOptions,
  CacheFactory,
  CacheFactoryContext,
  CacheGetOrSetOptions,
  CacheOperations,
} from './providers/cache-types.js';
export { KafkaProvider, type KafkaConsumerOptions } from './providers/kafka.js';
export { createLogger, stripUrlCredentials, type Logger, type LoggerOptions } from './providers/logger.js';
export { MongoProvider } from './providers/mongo.js';
export { RedisProvider, type RedisClient } from './providers/redis.js';
export { PrismaProvider, type RateCreatorPrismaClient } from './providers/prisma.js';
export { isEngineUnavailable } from './prisma/engine-errors.js';
export {
  softDeleteExtension,
  softDeleteModels,
  type FlagSoftDeleteModel,
  type SoftDeleteModel,
  type SoftDeleteModels,
  type StatusSoftDeleteModel,
} from './prisma/soft-delete.js';
export { DB_CONFIG, LOGGER } from './tokens.js';
