import type { DependencyContainer } from 'tsyringe';
import { lifecycleOf } from '../container.js';
import { LOGGER } from '../tokens.js';
import { flushLogger, type Logger } from '../providers/logger.js';
import type { ContainerLifecycle } from './container-lifecycle.js';
import { timerDelay, withTimeout } from './timeout.js';

/** Options of {@link installShutdownHooks}. */
export interface ShutdownHookOptions {
  /** Signals that start a graceful shutdown. @default ['SIGTERM', 'SIGINT'] */
  readonly signals?: readonly NodeJS.Signals[];
  /** Disposal deadline. @default the container's `DB_SHUTDOWN_TIMEOUT_MS` */
  readonly timeoutMs?: number;
  /** Time between health flipping to `shutting_down` and the first client closing, for load balancers to notice. @default 0 */
  readonly drainMs?: number;
  /** Called once with the combined exit code of the shutdown (0 when every container closed cleanly, 1 otherwise). @default process.exit */
  readonly exit?: (code: number) => void;
}

/** One container's hooks: what `installShutdownHooks` was given for it. */
interface HookEntry {
  readonly container: DependencyContainer;
  readonly lifecycle: ContainerLifecycle;
  /** Resolved at install time: a disposed container resolves nothing. */
  readonly logger: Logger;
  readonly signals: readonly NodeJS.Signals[];
  readonly timeoutMs: number;
  readonly drainMs: number;
  /** The `exit` option; `undefined` stands for `process.exit`. */
  readonly exit: ((code: number) => void) | undefined;
  readonly remove: () => void;
}

/** One shutdown: the containers a signal started disposing, and whether the process was told to exit. */
interface Shutdown {
  readonly entries: readonly HookEntry[];
  exited: boolean;
}

/** Every container with hooks in this process, and the one process listener per signal that serves them all. */
interface ShutdownRegistry {
  /** In installation order. */
  readonly entries: HookEntry[];
  readonly listeners: Map<NodeJS.Signals, () => void>;
  /** The shutdown under way (or finished), if a signal came. */
  shutdown: Shutdown | undefined;
}

/**
 * The registry lives on `globalThis` under a realm-wide symbol, not in this module: a dev server that evaluates the
 * package twice would otherwise have two registries, two listeners per signal, and two `process.exit` calls racing.
 */
const REGISTRY = Symbol.for('@ratecreator/db:shutdown-registry');

function registry(): ShutdownRegistry {
  const global = globalThis as { [REGISTRY]?: ShutdownRegistry };
  global[REGISTRY] ??= { entries: [], listeners: new Map(), shutdown: undefined };
  return global[REGISTRY];
}

/** Extra time past the deadline before the hooks give up waiting for disposal and exit 1. */
const EXIT_GUARD_MS = 1000;
/** Time the flush of the final log line may take before exiting. */
const LOG_FLUSH_MS = 500;

/**
 * Installs graceful-shutdown hooks for `container`. Every container with hooks shares one process-wide registry and
 * at most one process listener per signal, so several containers in one process (an app and a worker) shut down
 * together. On the first signal, every container whose hooks list that signal: health answers `shutting_down`,
 * then (after its `drainMs`) it is disposed within its deadline and its report is logged; the containers are
 * disposed concurrently. Once all have finished (or once the largest of their guards, `drainMs + timeoutMs + 1000`
 * ms capped at Node's timer limit of 2^31-1 ms, has passed), a line gives the number of containers and the combined
 * outcome, and each distinct `exit` function among them is called once: with 0 when every report is ok, 1 otherwise.
 * A second signal during shutdown exits with 1 at once.
 *
 * Returns a function that removes this container's hooks (the process listener goes with the last container
 * listening for that signal). Installing again for the same container (a reloaded module) keeps the first hooks
 * and returns their remover.
 */
export function installShutdownHooks(container: DependencyContainer, options: ShutdownHookOptions = {}): () => void {
  const lifecycle = lifecycleOf(container);
  const logger = container.resolve<Logger>(LOGGER);
  const hooks = registry();
  const installed = hooks.entries.find((entry) => entry.container === container);
  if (installed) {
    logger.debug('shutdown hooks already installed for this container: keeping them');
    return installed.remove;
  }
  const signals = [...new Set(options.signals ?? (['SIGTERM', 'SIGINT'] as const))];
  const entry: HookEntry = {
    container,
    lifecycle,
    logger,
    signals,
    timeoutMs: options.timeoutMs ?? lifecycle.shutdownTimeoutMs,
    drainMs: options.drainMs ?? 0,
    exit: options.exit,
    remove: () => removeEntry(hooks, entry),
  };
  hooks.entries.push(entry);
  // A container disposed by the application (not by a signal) leaves the registry once its disposal ends, so a
  // process that creates containers repeatedly does not keep every disposed one (and its clients) reachable. The
  // abort fires inside dispose() before its promise is stored: the microtask reads that same promise, not a new run.
  lifecycle.disposalSignal.addEventListener(
    'abort',
    () => queueMicrotask(() => void lifecycle.dispose().finally(() => {
      if (!hooks.shutdown?.entries.includes(entry)) removeEntry(hooks, entry);
    })),
    { once: true },
  );
  for (const signal of signals) {
    if (hooks.listeners.has(signal)) continue;
    const listener = () => onSignal(hooks, signal);
    hooks.listeners.set(signal, listener);
    process.on(signal, listener);
  }
  return entry.remove;
}

function removeEntry(hooks: ShutdownRegistry, entry: HookEntry): void {
  const index = hooks.entries.indexOf(entry);
  if (index === -1) return;
  hooks.entries.splice(index, 1);
  for (const signal of entry.signals) {
    if (hooks.entries.some((other) => other.signals.includes(signal))) continue;
    const listener = hooks.listeners.get(signal);
    if (listener) process.off(signal, listener);
    hooks.listeners.delete(signal);
  }
  if (hooks.entries.length === 0) hooks.shutdown = undefined;
}

function onSignal(hooks: ShutdownRegistry, signal: NodeJS.Signals): void {
  const current = hooks.shutdown;
  // A shutdown whose containers were all unhooked since is over: the next signal starts a new one.
  if (current && current.entries.some((entry) => hooks.entries.includes(entry))) {
    current.entries[0]!.logger.warn({ signal }, 'second signal during shutdown: exiting now');
    finish(current, 1);
    return;
  }
  const entries = hooks.entries.filter((entry) => entry.signals.includes(signal));
  if (entries.length === 0) return;
  const shutdown: Shutdown = { entries, exited: false };
  hooks.shutdown = shutdown;
  const logger = entries[0]!.logger;

  for (const entry of entries) {
    entry.lifecycle.beginShutdown();
    entry.logger.info({ signal, timeoutMs: entry.timeoutMs }, 'shutdown started');
  }
  // Each part is within the timer cap, their sum need not be: an overflowing guard would fire at once and exit 1.
  const guardMs = timerDelay(Math.max(...entries.map((entry) => entry.drainMs + entry.timeoutMs + EXIT_GUARD_MS)));
  const guard = setTimeout(() => {
    if (shutdown.exited) return;
    logger.error({ signal, containers: entries.length, guardMs, code: 1 }, `disposal of ${entries.length} container(s) overran its deadline: exiting`);
    finish(shutdown, 1);
  }, guardMs);
  guard.unref();

  void Promise.all(entries.map(disposeEntry)).then(async (outcomes) => {
    clearTimeout(guard);
    if (shutdown.exited) return;
    const failed = outcomes.filter((ok) => !ok).length;
    const code = failed === 0 ? 0 : 1;
    const fields = { signal, containers: entries.length, failed, code };
    if (code === 0) logger.info(fields, `shutdown finished: ${entries.length} container(s) disposed cleanly`);
    else logger.warn(fields, `shutdown finished: ${failed} of ${entries.length} container(s) disposed with failures`);
    await withTimeout(() => flushLogger(logger), LOG_FLUSH_MS, 'log flush').catch(() => undefined);
    finish(shutdown, code);
  });
}

/** Drains, disposes within the deadline; true when every client closed cleanly. Never rejects. */
async function disposeEntry(entry: HookEntry): Promise<boolean> {
  if (entry.drainMs) await new Promise((resolve) => setTimeout(resolve, timerDelay(entry.drainMs)));
  const report = await entry.lifecycle.dispose(entry.timeoutMs);
  try {
    await entry.container.dispose();
  } catch (error) {
    entry.logger.error({ err: error }, 'container dispose failed');
    return false;
  }
  return report.ok;
}

/** Calls each distinct exit function of the shutdown once (`process.exit` last: it does not return). */
function finish(shutdown: Shutdown, code: number): void {
  if (shutdown.exited) return;
  shutdown.exited = true;
  const exits = new Set<(code: number) => void>();
  let processExit = false;
  for (const entry of shutdown.entries) {
    if (entry.exit) exits.add(entry.exit);
    else processExit = true;
  }
  for (const exit of exits) {
    try {
      exit(code);
    } catch (error) {
      shutdown.entries[0]!.logger.error({ err: error }, 'exit function threw');
    }
  }
  if (processExit) process.exit(code);
}
