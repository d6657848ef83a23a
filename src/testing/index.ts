import 'reflect-metadata';
import { Lifecycle, type DependencyContainer, type InjectionToken } from 'tsyringe';
import { loadConfig } from '../config/index.js';
import { createDbContainer } from '../container.js';
import { createLogger, type Logger } from '../providers/logger.js';
import { RedisProvider } from '../providers/redis.js';
import { FakeRedisProvider } from './fake-redis.js';

/** Options of {@link createTestContainer}. */
export interface TestContainerOptions {
  /** Extra token -> value registrations, applied after the fakes. */
  readonly overrides?: ReadonlyArray<readonly [InjectionToken<unknown>, unknown]>;
  /** @default a silent logger */
  readonly logger?: Logger;
}

/**
 * A container whose providers are in-memory fakes with the real providers' surface, resolved by the real
 * classes as tokens. It reads no environment and opens no network connection. Dispose it like any other.
 */
export function createTestContainer(options: TestContainerOptions = {}): DependencyContainer {
  const container = createDbContainer({
    config: loadConfig({}),
    logger: options.logger ?? createLogger({ level: 'silent' }),
    ...(options.overrides ? { overrides: options.overrides } : {}),
  });
  if (!options.overrides?.some(([token]) => token === RedisProvider)) {
    // The fake has the provider's public surface (pinned by a type test), not its private fields.
    const Fake = FakeRedisProvider as unknown as typeof RedisProvider;
    container.register(RedisProvider, { useClass: Fake }, { lifecycle: Lifecycle.Singleton });
  }
  return container;
}

export { FakeRedisProvider } from './fake-redis.js';
