import type { DependencyContainer, InjectionToken } from 'tsyringe';
import { ALIASED, createDbContainer } from '../container.js';

/**
 * Where the default container lives: on `globalThis`, under a realm-wide symbol, not in this module. A dev server that
 * evaluates this package's code again (`next dev` does on every edit) then keeps using the container, and so the
 * connections, that the first evaluation made, as the original package's `globalThis` guard did.
 */
const SLOT = Symbol.for('@ratecreator/db:default-container');
type Slot = { container: DependencyContainer | undefined };
const slot = (): Slot => ((globalThis as { [SLOT]?: Slot })[SLOT] ??= { container: undefined });

/** Containers this evaluation has checked for its own provider classes (see {@link adopt}). */
const adopted = new WeakSet<DependencyContainer>();

/**
 * A container made by an earlier evaluation of the package has that evaluation's classes registered, not this one's:
 * `resolve(RedisProvider)` with this evaluation's class would build a second, unregistered provider (and connection).
 * Registering this evaluation's classes as aliases of the same providers makes both resolve to one. Once per container.
 */
function adopt(container: DependencyContainer): DependencyContainer {
  if (adopted.has(container)) return container;
  adopted.add(container);
  try {
    for (const [alias, Provider] of ALIASED) {
      const token = Provider as InjectionToken<unknown>;
      if (!container.isRegistered(token, true)) container.register(token, { useToken: alias });
    }
  } catch {
    // A disposed container refuses registrations; using it fails with its own disposed error anyway.
  }
  return container;
}

/**
 * The one container behind the original import paths (`@ratecreator/db/redis-do`, ...), created from
 * `process.env` on first use. Pass it to `installShutdownHooks` or dispose it to close every client it built.
 * @throws {ConfigError} on first use when the environment is invalid.
 */
export function getDefaultContainer(): DependencyContainer {
  const current = slot();
  current.container ??= createDbContainer();
  return adopt(current.container);
}

/**
 * Points the original import paths at `container`: an app that builds its own container can serve both from one
 * set of clients, and `createTestContainer({ asDefault: true })` uses it so they hand out fakes. `undefined` goes
 * back to a default container created from `process.env` on next use. The replaced container is not disposed.
 */
export function setDefaultContainer(container: DependencyContainer | undefined): void {
  slot().container = container;
}
