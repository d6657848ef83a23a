import type { Logger } from 'pino';
import { DbError, DisposedError, errorMessage, ProviderError, TimeoutError } from '../errors.js';
import { stripUrlCredentials } from '../providers/logger.js';
import type { ContainerLifecycle } from './container-lifecycle.js';
import { withTimeout } from './timeout.js';
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

/**
 * The shape every provider shares: the client is built on first use (its library loaded only then),
 * `connect()` wraps failures in a {@link ProviderError}, `health()` never builds, and disposal is memoized,
 * bounded by a budget, and falls back to a hard close. Subclasses supply the five client-specific steps.
 */
export abstract class LazyProvider<TClient> implements DbProvider<TClient>, Shutdownable {
  #client: TClient | undefined;
  #shutdown: Promise<ProviderDisposal> | undefined;
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
  }

  /** The real client, built on first access. @throws {ConfigError} when unconfigured. @throws {DisposedError} after disposal began. */
  get client(): TClient {
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
  /** Connects (retrying per the policy). */
  protected abstract openClient(client: TClient): Promise<void>;
  /** One cheap round trip. */
  protected abstract pingClient(client: TClient): Promise<void>;
  /** Graceful close; may wait for pending work. `client` is undefined only when {@link hasResources} said so. */
  protected abstract closeClient(client: TClient): Promise<void>;
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

  /** @throws {DisposedError} once disposal began. */
  protected assertOpen(): void {
    if (this.#shutdown || this.lifecycle.shuttingDown) throw new DisposedError(this.name);
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
    return new ProviderError(this.name, `${action}: ${stripUrlCredentials(errorMessage(error))}`, { cause: error });
  }

  async connect(): Promise<void> {
    this.assertOpen();
    const client = this.client;
    try {
      await this.openClient(client);
    } catch (error) {
      throw this.wrap('connect failed', error);
    }
  }

  async health(options: HealthOptions = {}): Promise<HealthStatus> {
    const provider = this.name;
    if (this.#shutdown || this.lifecycle.shuttingDown) return { provider, status: 'shutting_down', latencyMs: 0 };
    if (!this.isConfigured) return { provider, status: 'not_configured', latencyMs: 0 };
    const client = this.#client;
    if (client === undefined || this.isIdle(client)) return { provider, status: 'not_initialized', latencyMs: 0 };
    const started = performance.now();
    const timeoutMs = options.timeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS;
    try {
      await withTimeout(() => this.pingClient(client), timeoutMs, `${provider} health check`);
      return { provider, status: 'up', latencyMs: Math.round(performance.now() - started) };
    } catch (error) {
      const message = stripUrlCredentials(errorMessage(error));
      return { provider, status: 'down', latencyMs: Math.round(performance.now() - started), error: message };
    }
  }

  dispose(): Promise<void> {
    return this.shutdown(this.lifecycle.shutdownTimeoutMs).then(() => undefined);
  }

  shutdown(budgetMs: number): Promise<ProviderDisposal> {
    this.#shutdown ??= this.#close(budgetMs);
    return this.#shutdown;
  }

  async #close(budgetMs: number): Promise<ProviderDisposal> {
    const base = { provider: this.name, phase: this.disposePhase };
    const client = this.#client;
    if (client === undefined && !this.hasResources()) return { ...base, status: 'not_initialized', ms: 0 };
    const started = Date.now();
    let row: ProviderDisposal;
    try {
      await withTimeout(() => this.closeClient(client as TClient), budgetMs, `${this.name} close`);
      row = { ...base, status: 'closed', ms: Date.now() - started };
    } catch (error) {
      try {
        this.destroyClient(client as TClient);
      } catch (destroyError) {
        this.log.error({ err: destroyError }, 'hard close failed');
      }
      const status = error instanceof TimeoutError ? 'timed_out' : 'failed';
      row = { ...base, status, ms: Date.now() - started, error: errorMessage(error) };
    }
    if (row.status === 'closed') this.log.info({ ms: row.ms }, 'client closed');
    else this.log.warn({ ms: row.ms, status: row.status, error: row.error }, 'client close did not finish cleanly');
    return row;
  }
}
