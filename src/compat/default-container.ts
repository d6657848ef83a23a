import type { DependencyContainer } from 'tsyringe';
import { createDbContainer } from '../container.js';

/**
 * Where the default container lives: on `globalThis`, under a realm-wide symbol, not in this module. A dev server that
 * evaluates this package's code again (`next dev` does on every edit) then keeps using the container, and so the
 * connections, that the first evaluation made, as the original package's `globalThis` guard did.
 */
const SLOT = Symbol.for('@ratecreator/db:default-container');
type Slot = { container: DependencyContainer | undefined };
const slot = ((globalThis as { [SLOT]?: Slot })[SLOT] ??= { container: undefined });

/**
 * The one container behind the original import paths (`@ratecreator/db/redis-do`, ...), created from
 * `process.env` on first use. Pass it to `installShutdownHooks` or dispose it to close every client it built.
 * @throws {ConfigError} on first use when the environment is invalid.
 */
export function getDefaultContainer(): DependencyContainer {
  slot.container ??= createDbContainer();
  return slot.container;
}

/**
 * Points the original import paths at `container`: an app that builds its own container can serve both from one
 * set of clients, and `createTestContainer({ asDefault: true })` uses it so they hand out fakes. `undefined` goes
 * back to a default container created from `process.env` on next use. The replaced container is not disposed.
 */
export function setDefaultContainer(container: DependencyContainer | undefined): void {
  slot.container = container;
}
