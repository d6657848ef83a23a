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

/**
 * Points the original import paths at `container`: an app that builds its own container can serve both from one
 * set of clients, and `createTestContainer({ asDefault: true })` uses it so they hand out fakes. `undefined` goes
 * back to a default container created from `process.env` on next use. The replaced container is not disposed.
 */
export function setDefaultContainer(container: DependencyContainer | undefined): void {
  defaultContainer = container;
}
