import type { Logger } from 'pino';
import { DbError, DisposedError, errorMessage, ProviderError, TimeoutError } from '../errors.js';
import type { ContainerLifecycle } from './container-lifecycle.js';
import { timerDelay, withTimeout } from './timeout.js';
import type {
  DbProvider,
  DisposePhase,
  HealthOptions,
  HealthStatus,
  ProviderDisposal,
  Shutdownable,
} from './types.js';

/** Health probe timeout when the caller gives none. */
export const DEFAULT_HEALTH_TIMEOUT_MS = 2000;

/** Options of `connect()`. */
export interface ConnectOptions {
  /** Give up after this long: the attempt (and its retries) is stopped, not left running, and the call rejects. */
  readonly timeoutMs?: number;
  /** Stops the attempt (and its retries) when aborted; the call rejects with a `ProviderError`. */
  readonly signal?: AbortSignal;
}

/**
 * The shape every provider shares: the client is built on first use (its library loaded only then),
 * `connect()` wraps failures in a {@link ProviderError}, `health()` never builds, and disposal is memoized,
 * bounded by a budget, and falls back to a hard close. Subclasses supply the five client-specific steps.
 */
export abstract class LazyProvider<TClient> implements DbProvider<TClient>, Shutdownable {
  #client: TClient | undefined;
  #shutdown: Promise<ProviderDisposal> | undefined;
  /** Stops each `connect()` still pending (disposal cuts them short). */
  readonly #pendingConnects = new Set<(reason: DbError) => void>();
  /** The health probe in flight: a slow or frozen server gets one probe at a time, not a queue of them. */
  #probe: Promise<void> | undefined;
  /** The provider's child logger. */
  protected readonly log: Logger;

  protected constructor(
    readonly name: string,
    readonly disposePhase: DisposePhase,
    logger: Logger,
    protected readonly lifecycle: ContainerLifecycle,
  ) {
    this.log = logger.child({ provider: name });
    lifecycle.track(this);
    lifecycle.disposalSignal.addEventListener('abort', () => this.#stopConnects(), { once: true });
  }

  /** The real client, built on first access. @throws {ConfigError} when unconfigured. @throws {DisposedError} once disposal began. */
  get client(): TClient {
    if (this.#shutdown !== undefined || this.lifecycle.disposing) throw new DisposedError(this.name);
    return this.#client ?? this.#build();
  }

  /** True once the client exists. */
  get isBuilt(): boolean {
    return this.#client !== undefined;
  }

  /** True when the provider's configuration section is present. */
  abstract get isConfigured(): boolean;

  /** Loads the client library and constructs the client without connecting. */
  protected abstract createClient(): TClient;
  /**
   * Connects (retrying per the policy). When `signal` aborts (disposal, the caller's timeout or signal), the attempt
   * and its retries must stop and leave nothing running; the rejection that follows is ignored.
   */
  protected abstract openClient(client: TClient, signal: AbortSignal): Promise<void>;
  /** One cheap round trip. */
  protected abstract pingClient(client: TClient): Promise<void>;
  /**
   * Graceful close; may wait for pending work. `client` is undefined only when {@link hasResources} said so. May
   * resolve to a note for the report (for example that there was no connection to flush).
   */
  protected abstract closeClient(client: TClient): Promise<string | undefined | void>;
  /** Immediate close after a graceful close failed or ran out of time (same `client` rule). */
  protected abstract destroyClient(client: TClient): void;
  /** Something to close even though `client` was never built (e.g. a second client). @default false */
  protected hasResources(): boolean {
    return false;
  }
  /** Built but never connected: health says `not_initialized` and nothing is dialled. @default false */
  protected isIdle(_client: TClient): boolean {
    return false;
  }

  /** True once this provider's disposal, or its container's, began. */
  protected get disposed(): boolean {
    return this.#shutdown !== undefined || this.lifecycle.disposing;
  }

  /** @throws {DisposedError} once disposal began. */
  protected assertOpen(): void {
    if (this.disposed) throw new DisposedError(this.name);
  }

  #build(): TClient {
    this.assertOpen();
    const client = this.createClient();
    this.#client = client;
    this.log.debug('client built');
    return client;
  }

  /** Wraps a client failure in a {@link ProviderError} unless it is already one of ours. */
  protected wrap(action: string, error: unknown): DbError {
    if (error instanceof DbError) return error;
    return new ProviderError(this.name, `${action}: ${errorMessage(error)}`, { cause: error });
  }

  /**
   * Builds the client if needed and connects, retrying per the policy. Every failure is a {@link ProviderError} (a
   * {@link DisposedError} when disposal cut it short); a configuration problem is a `ConfigError`. A timeout, an
   * aborted `signal` or disposal stops the attempt and its retries at once.
   */
  async connect(options: ConnectOptions = {}): Promise<void> {
    let client: TClient;
    try {
      client = this.client;
    } catch (error) {
      // Building can fail in the client library (a connection string it rejects): still a ProviderError.
      throw this.wrap('connect failed', error);
    }
    const attempt = new AbortController();
    let rejectStopped!: (reason: unknown) => void;
    const stopped = new Promise<never>((_, reject) => (rejectStopped = reject));
    const stop = (reason: DbError) => {
      if (attempt.signal.aborted) return;
      attempt.abort(reason);
      rejectStopped(reason);
    };
    const { timeoutMs, signal } = options;
    const timer = timeoutMs === undefined ? undefined : setTimeout(
      () => stop(new ProviderError(this.name, `connect timed out after ${timeoutMs} ms`, { cause: new TimeoutError(`${this.name} connect`, timeoutMs) })),
      timerDelay(timeoutMs),
    );
    const onAbort = () => stop(new ProviderError(this.name, 'connect aborted by the caller', { cause: signal?.reason }));
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
    this.#pendingConnects.add(stop);
    try {
      await Promise.race([this.openClient(client, attempt.signal), stopped]);
    } catch (error) {
      throw attempt.signal.aborted ? (attempt.signal.reason as DbError) : this.wrap('connect failed', error);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      this.#pendingConnects.delete(stop);
    }
  }

  #stopConnects(): void {
    for (const stop of [...this.#pendingConnects]) stop(new DisposedError(this.name, 'connect aborted: the provider was disposed while it was connecting'));
  }

  async health(options: HealthOptions = {}): Promise<HealthStatus> {
    const provider = this.name;
    if (this.#shutdown || this.lifecycle.shuttingDown) return { provider, status: 'shutting_down', latencyMs: 0 };
    if (!this.isConfigured) return { provider, status: 'not_configured', latencyMs: 0 };
    const client = this.#client;
    if (client === undefined || this.isIdle(client)) return { provider, status: 'not_initialized', latencyMs: 0 };
    const started = performance.now();
    const timeoutMs = options.timeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS;
    // One probe in flight at a time: a caller that times out leaves its probe running (a sent command cannot be
    // taken back), and the next caller waits on that one instead of queueing another behind a frozen server.
    const probe = (this.#probe ??= this.pingClient(client).finally(() => {
      if (this.#probe === probe) this.#probe = undefined;
    }));
    try {
      await withTimeout(() => probe, timeoutMs, `${provider} health check`);
      return { provider, status: 'up', latencyMs: Math.round(performance.now() - started) };
    } catch (error) {
      return { provider, status: 'down', latencyMs: Math.round(performance.now() - started), error: errorMessage(error) };
    }
  }

  dispose(): Promise<void> {
    return this.shutdown(this.lifecycle.shutdownTimeoutMs).then(() => undefined);
  }

  /**
   * `await using redis = container.resolve(RedisProvider)` closes the client at the end of the block: the same
   * memoized, bounded disposal as {@link dispose} (a second call, or a later `dispose()`, awaits the first).
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }

  shutdown(budgetMs: number): Promise<ProviderDisposal> {
    if (this.#shutdown === undefined) {
      this.#stopConnects();
      this.#shutdown = this.#close(budgetMs);
    }
    return this.#shutdown;
  }

  async #close(budgetMs: number): Promise<ProviderDisposal> {
    const base = { provider: this.name, phase: this.disposePhase };
    const client = this.#client;
    if (client === undefined && !this.hasResources()) return { ...base, status: 'not_initialized', ms: 0 };
    const started = Date.now();
    let row: ProviderDisposal;
    try {
      const detail = await withTimeout(() => this.closeClient(client as TClient), budgetMs, `${this.name} close`);
      row = { ...base, status: 'closed', ms: Date.now() - started, ...(detail ? { detail } : {}) };
    } catch (error) {
      try {
        this.destroyClient(client as TClient);
      } catch (destroyError) {
        this.log.error({ err: destroyError }, 'hard close failed');
      }
      const status = error instanceof TimeoutError ? 'timed_out' : 'failed';
      row = { ...base, status, ms: Date.now() - started, error: errorMessage(error) };
    }
    if (row.status === 'closed') this.log.info({ ms: row.ms, ...(row.detail ? { detail: row.detail } : {}) }, 'client closed');
    else this.log.warn({ ms: row.ms, status: row.status, error: row.error }, 'client close did not finish cleanly');
    return row;
  }
}
