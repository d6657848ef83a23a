import type { Logger } from './logger.js';

/** The logger shape bentocache calls (pino's: an object first, then the message). */
export interface BentoLogger {
  child(bindings: Record<string, unknown>): BentoLogger;
  trace(obj: unknown, msg?: unknown): void;
  debug(obj: unknown, msg?: unknown): void;
  info(obj: unknown, msg?: unknown): void;
  warn(obj: unknown, msg?: unknown): void;
  error(obj: unknown, msg?: unknown): void;
  fatal(obj: unknown, msg?: unknown): void;
}

/** bentocache's messages for a failed Redis tier operation, a skipped one (circuit open) and a failed bus publish. */
const TIER_FAILURE = /failed on remote cache|circuit breaker is open|failed to publish message to bus/;

/** A stale-serving episode is reported again, with its count, after this long. */
const STALE_REPORT_INTERVAL_MS = 60_000;

/** Messages the provider writes itself (exported for tests and for log-based alerts). */
export const CACHE_LOG = {
  tierDown: 'cache: the Redis tier is unavailable; serving from the memory tier (stale values within the grace period)',
  tierBack: 'cache: the Redis tier is back',
  stale: 'cache: serving stale values within the grace period',
} as const;

function message(obj: unknown, msg: unknown): string {
  return typeof obj === 'string' ? obj : typeof msg === 'string' ? msg : '';
}

/**
 * Turns bentocache's per-operation logging into per-episode logging. During a Redis outage bentocache logs an error
 * for every read (or every read skipped by the circuit breaker), and every stale value it serves is only a trace: a
 * busy service would write thousands of identical errors and not one line saying that users get stale data. Here
 * the first failure of an outage is one warning and the rest go to debug until the Redis client is ready again (one
 * info line); the first stale read while Redis or the factory fails is one warning (again after a minute, with the
 * count); so is a factory failure, at most once a minute with the count since the last warning (the others go to debug).
 * bentocache's per-call info lines (running factory, factory success) go to debug.
 */
export class CacheLogBridge {
  #tierDown = false;
  /** The last factory run failed or timed out (stale values then stand in for fresh ones). */
  #factoryFailing = false;
  #staleReportedAt: number | undefined;
  #staleReads = 0;
  /** Factory failures since the last warning about one, and when that warning was written. */
  #factoryFailures = 0;
  #factoryReportedAt: number | undefined;

  constructor(private readonly log: Logger) {}

  /** True from the first Redis tier failure until the Redis connection is ready again. */
  get tierDown(): boolean {
    return this.#tierDown;
  }

  /** The logger to hand to bentocache. */
  bentoLogger(log: Logger = this.log): BentoLogger {
    const forward = (level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal') => (obj: unknown, msg?: unknown) => {
      const text = message(obj, msg);
      const fields = typeof obj === 'object' && obj !== null ? obj : {};
      if ((level === 'error' || level === 'warn') && TIER_FAILURE.test(text)) return this.#tierFailed(log, fields, text);
      if (text === 'factory failed' || text.startsWith('factory timed out')) {
        if (!this.#factoryFailureReported(log, fields, text)) return;
      } else if (text === 'factory success') {
        this.#factoryFailing = false;
      }
      const mapped = level === 'info' ? 'debug' : level;
      log[mapped](fields, text);
    };
    return {
      child: (bindings) => this.bentoLogger(log.child(bindings)),
      trace: forward('trace'),
      debug: forward('debug'),
      info: forward('info'),
      warn: forward('warn'),
      error: forward('error'),
      fatal: forward('fatal'),
    };
  }

  #tierFailed(log: Logger, fields: object, text: string): void {
    if (this.#tierDown) {
      log.debug(fields, text);
      return;
    }
    this.#tierDown = true;
    const err = (fields as { err?: unknown }).err;
    this.log.warn({ ...(err instanceof Error ? { error: err.message } : {}), detail: text }, CACHE_LOG.tierDown);
  }

  /**
   * A factory failed or timed out: a warning (with its error) at most once a minute, counting the failures since the
   * last one; the others are debug lines. True when the line is to be written at its own level.
   */
  #factoryFailureReported(log: Logger, fields: object, text: string): boolean {
    this.#factoryFailing = true;
    this.#factoryFailures += 1;
    const now = Date.now();
    if (this.#factoryReportedAt !== undefined && now - this.#factoryReportedAt < STALE_REPORT_INTERVAL_MS) {
      log.debug(fields, text);
      return false;
    }
    this.#factoryReportedAt = now;
    (fields as Record<string, unknown>).failures = this.#factoryFailures;
    this.#factoryFailures = 0;
    return true;
  }

  /** The Redis connection is ready (again). */
  tierReady(): void {
    if (!this.#tierDown) return;
    this.#tierDown = false;
    this.log.info({ staleReads: this.#staleReads }, CACHE_LOG.tierBack);
    this.#staleReportedAt = undefined;
    this.#staleReads = 0;
  }

  /**
   * A read was answered with a value past its TTL (within the grace period). Worth a warning only while Redis or the
   * factory is failing: otherwise it is the ordinary stale-while-revalidate answer of a soft timeout of 0.
   */
  staleRead(key: string): void {
    if (!this.#tierDown && !this.#factoryFailing) return;
    this.#staleReads += 1;
    const now = Date.now();
    if (this.#staleReportedAt !== undefined && now - this.#staleReportedAt < STALE_REPORT_INTERVAL_MS) return;
    this.log.warn({ key, staleReads: this.#staleReads, redisTier: this.#tierDown ? 'down' : 'up' }, CACHE_LOG.stale);
    this.#staleReportedAt = now;
  }
}
