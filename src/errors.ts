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

/**
 * What can be said about a failure that came without a message: the class of `cause`, its `code` and its HTTP status
 * (`meta.statusCode`, as the Elasticsearch client reports it), e.g. `(ResponseError, HTTP 431)`; `''` when there is
 * nothing to name. Only names and numbers: never a value of the error.
 */
function causeLabel(cause: unknown): string {
  const parts: string[] = [];
  if (cause instanceof Error) parts.push(/^[A-Za-z_$][\w$]{0,63}$/.test(cause.name) ? cause.name : 'Error');
  else if (cause !== undefined && cause !== null) parts.push(typeof cause);
  if (cause !== null && typeof cause === 'object') {
    const { code, meta } = cause as { code?: unknown; meta?: { statusCode?: unknown } };
    if ((typeof code === 'string' && /^[A-Za-z0-9_.-]{1,64}$/.test(code)) || Number.isInteger(code)) parts.push(String(code));
    if (Number.isInteger(meta?.statusCode)) parts.push(`HTTP ${String(meta!.statusCode)}`);
  }
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
}

/**
 * A client failed to connect, answer or close. Names the provider; the original error is kept as `cause`. The message
 * is never empty: an empty or blank `message` becomes `failed without a message (<cause class, code>)`, and a message
 * that ends in a colon with nothing after it (`connect failed: ` around a client error without a message) gets
 * `no message (<cause class, code>)` appended.
 */
export class ProviderError extends DbError {
  override name = 'ProviderError';
  readonly provider: string;

  constructor(provider: string, message: string, options?: { cause?: unknown }) {
    const text = message.trim();
    const label = causeLabel(options?.cause);
    const detail = text === '' ? `failed without a message${label}` : text.endsWith(':') ? `${text} no message${label}` : message;
    super(`[${provider}] ${detail}`, options);
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
