/** What a provider reports about its client. */
export type HealthState = 'up' | 'down' | 'not_initialized' | 'not_configured' | 'shutting_down';

/** One provider's health, as a value: an outage is reported, never thrown. */
export interface HealthStatus {
  readonly provider: string;
  readonly status: HealthState;
  /** Time the probe took, 0 when nothing was probed. */
  readonly latencyMs: number;
  /** Why the provider is down, without secrets. */
  readonly error?: string;
  /** The parts of a provider probed separately (the cache: its Redis tier and its bus), when it has several. */
  readonly components?: readonly HealthStatus[];
}

/** Options of `health()`. */
export interface HealthOptions {
  /** Give up and report `down` after this long. @default 2000 */
  readonly timeoutMs?: number;
}

/** The surface every provider offers. */
export interface DbProvider<TClient> {
  /** Short provider name used in errors, logs and reports, e.g. `redis`. */
  readonly name: string;
  /** The real client, built (and its library loaded) on first access. @throws {ConfigError} when unconfigured. */
  readonly client: TClient;
  /**
   * Builds and connects now, retrying per the policy; `timeoutMs` or `signal` stop the attempt and its retries.
   * @throws {ProviderError} naming the provider ({@link DisposedError} when disposal cut it short).
   */
  connect(options?: { readonly timeoutMs?: number; readonly signal?: AbortSignal }): Promise<void>;
  /** Probes the client under a timeout; never builds one. */
  health(options?: HealthOptions): Promise<HealthStatus>;
  /** Closes the client if it was built. Idempotent, bounded, never rejects. */
  dispose(): Promise<void>;
  /** The same as `dispose()`, for `await using provider = ...`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Disposal order: Kafka consumers, Kafka producers and admin, the cache (it writes through the Redis connection, so
 * it drains before Redis closes), data stores, search (Elasticsearch's connection pools), HTTP agents (Algolia). The
 * logger is flushed last.
 */
export const DISPOSE_PHASES = ['consumers', 'producers', 'cache', 'stores', 'search', 'agents'] as const;
/** One step of the disposal order. */
export type DisposePhase = (typeof DISPOSE_PHASES)[number];

/** How one provider's disposal ended. */
export type DisposalStatus = 'closed' | 'failed' | 'timed_out' | 'not_initialized';

/** One row of a {@link DisposalReport}. */
export interface ProviderDisposal {
  readonly provider: string;
  readonly phase: DisposePhase;
  readonly status: DisposalStatus;
  readonly ms: number;
  /** Why it did not close cleanly (no secrets). */
  readonly error?: string;
  /** What a clean close had to do, when worth knowing: e.g. there was no connection, so queued commands were rejected. */
  readonly detail?: string;
}

/** What the last disposal of a container did. */
export interface DisposalReport {
  /** True when every provider closed or was never built. */
  readonly ok: boolean;
  readonly startedAt: string;
  readonly ms: number;
  readonly deadlineMs: number;
  readonly providers: readonly ProviderDisposal[];
}

/** Something the container closes during disposal. Providers implement it; overrides are adapted to it. */
export interface Shutdownable {
  readonly name: string;
  readonly disposePhase: DisposePhase;
  /** Closes within `budgetMs` (forcing when needed) and says how it went. Memoized. Never rejects. */
  shutdown(budgetMs: number): Promise<ProviderDisposal>;
}
