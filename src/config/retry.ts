import type { ConfigIssue } from '../errors.js';
import { intWithDefault, numberWithDefault, optionalBool, readEnv, type Env } from './env.js';

/** One retry policy shape, mapped onto each client's own mechanism. */
export interface RetryPolicy {
  /** Attempts after the first one when connecting. @default 5 */
  readonly retries: number;
  /** Delay before the first retry. @default 100 */
  readonly initialDelayMs: number;
  /** Cap on any single delay. @default 5000 */
  readonly maxDelayMs: number;
  /** Growth per attempt, 1 to {@link MAX_RETRY_FACTOR}. @default 2 */
  readonly factor: number;
  /** Full jitter: each delay is drawn uniformly from [delay/2, delay]. @default true */
  readonly jitter: boolean;
}

/**
 * Largest `*_RETRY_FACTOR`: a factor of 10 takes a 1 ms first delay to the largest `*_MAX_DELAY_MS` within ten
 * attempts; a larger one (1e20) is a typo, not a backoff.
 */
export const MAX_RETRY_FACTOR = 10;

/** Defaults of every client's retry policy. */
export const DEFAULT_RETRY: RetryPolicy = Object.freeze({
  retries: 5,
  initialDelayMs: 100,
  maxDelayMs: 5000,
  factor: 2,
  jitter: true,
});

/** The variable names one client's retry section reads. */
export function retryVariables(prefix: string): string[] {
  return ['RETRIES', 'INITIAL_DELAY_MS', 'MAX_DELAY_MS', 'FACTOR', 'JITTER'].map((s) => `${prefix}_RETRY_${s}`);
}

/** Reads `<prefix>_RETRY_*`. */
export function readRetry(env: Env, prefix: string, issues: ConfigIssue[]): RetryPolicy {
  const p = `${prefix}_RETRY`;
  const v = readEnv(
    env,
    {
      [`${p}_RETRIES`]: intWithDefault(0, DEFAULT_RETRY.retries, 'an integer >= 0'),
      [`${p}_INITIAL_DELAY_MS`]: intWithDefault(0, DEFAULT_RETRY.initialDelayMs, 'milliseconds, an integer >= 0'),
      [`${p}_MAX_DELAY_MS`]: intWithDefault(1, DEFAULT_RETRY.maxDelayMs, 'milliseconds, an integer >= 1'),
      [`${p}_FACTOR`]: numberWithDefault(1, MAX_RETRY_FACTOR, DEFAULT_RETRY.factor, `a number >= 1, at most ${MAX_RETRY_FACTOR}`),
      [`${p}_JITTER`]: optionalBool('true or false'),
    },
    issues,
  );
  const policy: RetryPolicy = {
    retries: v[`${p}_RETRIES`] as number,
    initialDelayMs: v[`${p}_INITIAL_DELAY_MS`] as number,
    maxDelayMs: v[`${p}_MAX_DELAY_MS`] as number,
    factor: v[`${p}_FACTOR`] as number,
    jitter: (v[`${p}_JITTER`] as boolean | undefined) ?? DEFAULT_RETRY.jitter,
  };
  if (policy.maxDelayMs < policy.initialDelayMs) {
    issues.push({ variable: `${p}_MAX_DELAY_MS`, expected: `at least ${p}_INITIAL_DELAY_MS` });
  }
  return policy;
}

/**
 * Delay before retry number `attempt` (1-based): exponential, capped at `maxDelayMs`, with jitter.
 * Clients that loop themselves (ioredis `retryStrategy`) call this for each attempt.
 */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const exponential = policy.initialDelayMs * policy.factor ** Math.max(0, attempt - 1);
  // 0 * Infinity (no initial delay, a growth that overflowed after ~1000 attempts) is NaN, which a timer reads as 1 ms.
  const capped = Number.isNaN(exponential) ? 0 : Math.min(policy.maxDelayMs, exponential);
  return Math.round(policy.jitter ? capped / 2 + (random() * capped) / 2 : capped);
}
