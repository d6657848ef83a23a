import type { DependencyContainer } from 'tsyringe';
import { lifecycleOf } from '../container.js';
import { LOGGER } from '../tokens.js';
import type { Logger } from '../providers/logger.js';

/** Options of {@link installShutdownHooks}. */
export interface ShutdownHookOptions {
  /** Signals that start a graceful shutdown. @default ['SIGTERM', 'SIGINT'] */
  readonly signals?: readonly NodeJS.Signals[];
  /** Disposal deadline. @default the container's `DB_SHUTDOWN_TIMEOUT_MS` */
  readonly timeoutMs?: number;
  /** Time between health flipping to `shutting_down` and the first client closing, for load balancers to notice. @default 0 */
  readonly drainMs?: number;
  /** Called with the exit code (0 clean, 1 otherwise). @default process.exit */
  readonly exit?: (code: number) => void;
}

/**
 * The hooks installed for a container, kept on the container under a realm-wide symbol: a dev server that evaluates
 * the package (and the app's module calling this) again would otherwise add a second set of signal listeners.
 */
const HOOKS = Symbol.for('@ratecreator/db:shutdown-hooks');
type WithHooks = DependencyContainer & { [HOOKS]?: () => void };

/** Extra time past the deadline before the hooks give up waiting for disposal and exit 1. */
const EXIT_GUARD_MS = 1000;

/**
 * On the first signal: health answers `shutting_down`, then (after `drainMs`) the container is disposed within the
 * deadline, the report is logged, and `exit(0)` is called when every client closed cleanly, `exit(1)` otherwise.
 * A second signal exits with 1 at once. Returns a function that removes the hooks. Installing again for the same
 * container (a reloaded module) keeps the first hooks and returns their remover.
 */
export function installShutdownHooks(container: DependencyContainer, options: ShutdownHookOptions = {}): () => void {
  const lifecycle = lifecycleOf(container);
  const logger = container.resolve<Logger>(LOGGER);
  const installed = (container as WithHooks)[HOOKS];
  if (installed) {
    logger.debug('shutdown hooks already installed for this container: keeping them');
    return installed;
  }
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const timeoutMs = options.timeoutMs ?? lifecycle.shutdownTimeoutMs;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let started = false;
  let exited = false;
  const finish = (code: number) => {
    if (exited) return;
    exited = true;
    exit(code);
  };

  const onSignal = (signal: NodeJS.Signals) => {
    if (started) {
      logger.warn({ signal }, 'second signal during shutdown: exiting now');
      finish(1);
      return;
    }
    started = true;
    lifecycle.beginShutdown();
    logger.info({ signal, timeoutMs }, 'shutdown started');
    const guard = setTimeout(() => {
      logger.error({ timeoutMs }, 'disposal overran its deadline: exiting');
      finish(1);
    }, (options.drainMs ?? 0) + timeoutMs + EXIT_GUARD_MS);
    guard.unref();
    void (async () => {
      if (options.drainMs) await new Promise((resolve) => setTimeout(resolve, options.drainMs));
      const report = await lifecycle.dispose(timeoutMs);
      await container.dispose();
      clearTimeout(guard);
      finish(report.ok ? 0 : 1);
    })();
  };

  for (const signal of signals) process.on(signal, onSignal);
  const remove = () => {
    for (const signal of signals) process.off(signal, onSignal);
    if ((container as WithHooks)[HOOKS] === remove) delete (container as WithHooks)[HOOKS];
  };
  Object.defineProperty(container, HOOKS, { value: remove, configurable: true, writable: true });
  return remove;
}
