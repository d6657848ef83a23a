import 'reflect-metadata';
import { container as rootContainer, Lifecycle, type DependencyContainer, type InjectionToken } from 'tsyringe';
import { loadConfig, type DbConfig } from './config/index.js';
import type { Env } from './config/env.js';
import { ContainerLifecycle } from './lifecycle/container-lifecycle.js';
import { adaptOverride } from './lifecycle/overrides.js';
import type { DisposalReport } from './lifecycle/types.js';
import { DisposedError } from './errors.js';
import { AlgoliaProvider } from './providers/algolia.js';
import { CacheProvider } from './providers/cache.js';
import { ElasticsearchProvider } from './providers/elasticsearch.js';
import { KafkaProvider } from './providers/kafka.js';
import { censoredChild, createLogger, type Logger } from './providers/logger.js';
import { MongoProvider } from './providers/mongo.js';
import { PrismaProvider } from './providers/prisma.js';
import { RedisProvider } from './providers/redis.js';
import { registerConfigSecrets } from './secrets.js';
import { DB_CONFIG, DB_LIFECYCLE, LOGGER, PROVIDER_ALIASES } from './tokens.js';

/** The provider classes every container registers (each class is its own token). */
export const PROVIDER_CLASSES = [
  RedisProvider, KafkaProvider, PrismaProvider, MongoProvider, AlgoliaProvider, ElasticsearchProvider, CacheProvider,
] as const;

/** Each provider class with its realm-wide alias (see {@link PROVIDER_ALIASES}). */
export const ALIASED = [
  [PROVIDER_ALIASES.redis, RedisProvider],
  [PROVIDER_ALIASES.kafka, KafkaProvider],
  [PROVIDER_ALIASES.prisma, PrismaProvider],
  [PROVIDER_ALIASES.mongo, MongoProvider],
  [PROVIDER_ALIASES.algolia, AlgoliaProvider],
  [PROVIDER_ALIASES.elasticsearch, ElasticsearchProvider],
  [PROVIDER_ALIASES.cache, CacheProvider],
] as const;

/**
 * A container made by {@link createDbContainer}: tsyringe's container, also disposable with
 * `await using container = createDbContainer()` (the same phased, bounded, memoized disposal as `dispose()`).
 */
export type DbContainer = DependencyContainer & AsyncDisposable;

/** Options of {@link createDbContainer}. */
export interface DbContainerOptions {
  /** Variables to read when `config` is not given. @default process.env */
  readonly env?: Env;
  /** A ready configuration instead of `env`. */
  readonly config?: DbConfig;
  /** A logger to use instead of building one from `LOG_LEVEL`. */
  readonly logger?: Logger;
  /** Token -> value registered instead of the default (fakes in tests). Providers given here are disposed with the container once resolved. */
  readonly overrides?: ReadonlyMap<InjectionToken<unknown>, unknown> | ReadonlyArray<readonly [InjectionToken<unknown>, unknown]>;
}

/**
 * Where a container keeps its lifecycle: a realm-wide symbol on the container itself, not a map of this module's, so
 * that a second evaluation of the package (a dev server reloading modules) still finds the lifecycle of a container
 * the first one made (the default container outlives reloads).
 */
const LIFECYCLE = Symbol.for('@ratecreator/db:lifecycle');
type WithLifecycle = DependencyContainer & { [LIFECYCLE]?: ContainerLifecycle };

/**
 * Builds a child of tsyringe's global container with the config, logger and every provider registered.
 * Nothing connects and no client library is loaded until a provider's client is used.
 * `container.dispose()` closes what was built, in phases, within `DB_SHUTDOWN_TIMEOUT_MS`.
 * @throws {ConfigError} when the environment is invalid.
 */
export function createDbContainer(options: DbContainerOptions = {}): DbContainer {
  const config = options.config ?? loadConfig(options.env);
  registerConfigSecrets(config);
  const logger = options.logger ? censoredChild(options.logger) : createLogger({ level: config.logLevel });
  for (const warning of config.warnings) logger.warn(warning);
  const lifecycle = new ContainerLifecycle(config.shutdownTimeoutMs, logger);
  const child = rootContainer.createChildContainer();
  child.register(DB_CONFIG, { useValue: config });
  child.register(LOGGER, { useValue: logger });
  child.register(DB_LIFECYCLE, { useValue: lifecycle });
  for (const Provider of PROVIDER_CLASSES) {
    child.register<unknown>(Provider, { useClass: Provider }, { lifecycle: Lifecycle.Singleton });
  }
  // The alias resolves whatever the class token resolves to (the provider, or an override of it).
  for (const [alias, Provider] of ALIASED) child.register<unknown>(alias, { useToken: Provider });
  for (const [token, value] of options.overrides ?? []) {
    child.register(token, { useValue: value });
    const member = adaptOverride(token, value);
    if (member) child.afterResolution(token, () => lifecycle.track(member), { frequency: 'Once' });
  }

  // tsyringe's own dispose() re-runs disposers on every call, stops at the first synchronous throw and skips
  // value and factory registrations; ours runs once, in phases, isolated, bounded. tsyringe's runs last only
  // to mark the container disposed (our providers' dispose() is memoized, so it closes nothing twice).
  const tsyringeDispose = child.dispose.bind(child);
  let disposing: Promise<void> | undefined;
  child.dispose = () => {
    disposing ??= lifecycle.dispose().then(async () => {
      try {
        await tsyringeDispose();
      } catch (error) {
        logger.error({ err: error }, 'tsyringe dispose failed');
      }
    });
    return disposing;
  };
  // Calls whatever `dispose` is at the time (createTestContainer wraps it), so both ways run the same disposal.
  Object.defineProperty(child, Symbol.asyncDispose, { configurable: true, value: () => child.dispose() });
  refuseAfterDisposal(child, lifecycle);
  Object.defineProperty(child, LIFECYCLE, { value: lifecycle });
  return child as DbContainer;
}

/** Provider name of each token a container registers for a provider (the class and its realm-wide alias). */
const PROVIDER_NAMES = new Map<unknown, string>([
  [RedisProvider, 'redis'],
  [KafkaProvider, 'kafka'],
  [PrismaProvider, 'prisma'],
  [MongoProvider, 'mongodb'],
  [AlgoliaProvider, 'algolia'],
  [ElasticsearchProvider, 'elasticsearch'],
  [CacheProvider, 'cache'],
]);
for (const [alias, Provider] of ALIASED) PROVIDER_NAMES.set(alias, PROVIDER_NAMES.get(Provider)!);

/** The provider a token stands for, for the error: a reloaded evaluation's class is known by its class name. */
function tokenName(token: unknown): string {
  const known = PROVIDER_NAMES.get(token);
  if (known) return known;
  const name = typeof token === 'function' ? token.name : typeof token === 'symbol' ? token.description : String(token);
  const match = /^(?:@ratecreator\/db:)?(Redis|Kafka|Prisma|Mongo|Algolia|Elasticsearch|Cache)Provider$/.exec(name ?? '');
  if (match) return match[1] === 'Mongo' ? 'mongodb' : match[1]!.toLowerCase();
  return `container (${name ?? 'unknown token'})`;
}

/**
 * Once disposal began, `resolve()` fails with a {@link DisposedError} naming the provider asked for: handing out a
 * provider whose client is closed (or closing) only moves the failure somewhere less clear.
 */
function refuseAfterDisposal(child: DependencyContainer, lifecycle: ContainerLifecycle): void {
  const resolve = child.resolve.bind(child) as (token: InjectionToken<unknown>, context?: unknown, isOptional?: boolean) => unknown;
  Object.defineProperty(child, 'resolve', {
    configurable: true,
    writable: true,
    // tsyringe passes a resolution context and `isOptional` on: both go through (optional injections, ResolutionScoped).
    value: (token: InjectionToken<unknown>, context?: unknown, isOptional?: boolean) => {
      if (lifecycle.disposing) throw new DisposedError(tokenName(token));
      return resolve(token, context, isOptional);
    },
  });
}

/** The lifecycle of a container made by {@link createDbContainer}. */
export function lifecycleOf(container: DependencyContainer): ContainerLifecycle {
  const lifecycle = (container as WithLifecycle)[LIFECYCLE];
  if (!lifecycle) throw new TypeError('container was not created by createDbContainer()');
  return lifecycle;
}

/**
 * Disposes the container (as `container.dispose()` does) and resolves to the report of what closed.
 * Never rejects for a client's failure: failures are rows of the report.
 */
export async function disposeWithReport(container: DependencyContainer): Promise<DisposalReport> {
  const lifecycle = lifecycleOf(container);
  await container.dispose();
  return lifecycle.dispose();
}

/** The report of the container's last disposal, or `undefined` before it has finished. */
export function lastDisposalReport(container: DependencyContainer): DisposalReport | undefined {
  return lifecycleOf(container).lastReport;
}
