import { safeText, sanitizeError } from './sanitize.js';

/** One problem found while reading the environment. */
export interface ConfigIssue {
  /** The environment variable at fault, e.g. `REDIS_PORT`. */
  readonly variable: string;
  /** What was expected, never the value that was given. */
  readonly expected: string;
}

/**
 * Base class of every error this package throws. Each class names itself with a literal, not `new.target.name`: apps
 * are minified (Next.js renames classes), and `error.name` must still say `ProviderError`.
 */
export class DbError extends Error {
  override name = 'DbError';

  /** The message and the cause are scrubbed of secrets here, once for every error class (see `src/secrets.ts`). */
  constructor(message: string, options?: { cause?: unknown }) {
    super(safeText(message), options && 'cause' in options ? { cause: sanitizeError(options.cause) } : undefined);
  }
}

/**
 * The environment (or a config object) is invalid, or a provider is used without its configuration.
 * `issues` lists every variable at fault; the message names each one and never echoes a value.
 */
export class ConfigError extends DbError {
  override name = 'ConfigError';
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[], heading = 'Invalid database configuration') {
    const lines = issues.map((issue) => `  - ${issue.variable}: ${issue.expected}`);
    super(`${heading}:\n${lines.join('\n')}`);
    this.issues = Object.freeze([...issues]);
  }
}

/** A client failed to connect, answer or close. Names the provider; the original error is kept as `cause`. */
export class ProviderError extends DbError {
  override name = 'ProviderError';
  readonly provider: string;

  constructor(provider: string, message: string, options?: { cause?: unknown }) {
    super(`[${provider}] ${message}`, options);
    this.provider = provider;
  }
}

/**
 * A provider (or its container) was used after its disposal began, or a pending `connect()` was cut short by it.
 * A {@link ProviderError}, so that every failure of `connect()` is one.
 */
export class DisposedError extends ProviderError {
  override name = 'DisposedError';

  constructor(provider: string, detail = 'provider has been disposed; create a new container to get a new client') {
    super(provider, detail);
  }
}

/** An operation did not finish within its time limit. */
export class TimeoutError extends DbError {
  override name = 'TimeoutError';
  readonly timeoutMs: number;

  constructor(what: string, timeoutMs: number) {
    super(`${what} timed out after ${timeoutMs} ms`);
    this.timeoutMs = timeoutMs;
  }
}

/** The message of any thrown value, for reports and logs: registered secrets and URL credentials removed. */
export function errorMessage(error: unknown): string {
  return safeText(error instanceof Error ? error.message : String(error));
}
