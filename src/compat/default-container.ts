import type { DependencyContainer } from 'tsyringe';
import { createDbContainer } from '../container.js';

let defaultContainer: DependencyContainer | undefined;

/**
 * The one container behind the original import paths (`@ratecreator/db/redis-do`, ...), created from
 * `process.env` on first use. Pass it to `installShutdownHooks` or dispose it to close every client it built.
 * @throws {ConfigError} on first use when the environment is invalid.
 */
export function getDefaultContainer(): DependencyContainer {
  defaultContainer ??= createDbContainer();
  return defaultContainer;
}

/** Replaces the default container (tests: a test container, so the original import paths hand out fakes). */
export function setDefaultContainer(container: DependencyContainer | undefined): void {
  defaultContainer = container;
}
