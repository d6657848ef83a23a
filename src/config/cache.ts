import type { ConfigIssue } from '../errors.js';
import { intWithDefault, optionalBool, optionalInt, optionalMatching, readEnv, type Env } from './env.js';

/**
 * Settings of the cache (`CacheProvider`: bentocache, a memory tier in front of Redis). Always present: every value
 * has a default. The Redis tier and the bus use the Redis section's connection settings (TLS, credentials, modes).
 */
export interface CacheConfig {
  /** How long a value is fresh when the call gives no `ttl`. @default 300000 (5 min) */
  readonly ttlMs: number;
  /**
   * How long past its TTL a value is still kept and served when the factory fails or times out (Redis or the database
   * down); 0 turns grace periods off. @default 3600000 (1 h)
   */
  readonly graceMs: number;
  /** After a factory failed within the grace period, the stale value is served this long before trying again. @default 10000 */
  readonly graceBackoffMs: number;
  /** Entries the memory tier holds per process (least recently used go first). @default 10000 */
  readonly memoryMaxItems: number;
  /** Bytes the memory tier holds per process (serialized size). @default 67108864 (64 MiB) */
  readonly memoryMaxBytes: number;
  /** Prefix of every cache key (in Redis after `REDIS_KEY_PREFIX`) and of the bus channel. @default 'cache' */
  readonly keyPrefix: string;
  /**
   * Soft timeout of a factory that has a stale value to fall back on: after it the stale value is served and the
   * factory goes on in the background. 0 serves the stale value at once (stale-while-revalidate). @default 0
   */
  readonly softTimeoutMs: number;
  /** Hard timeout of a factory: the call fails with `E_FACTORY_HARD_TIMEOUT`. Absent: no hard timeout. */
  readonly hardTimeoutMs?: number;
  /** Publish invalidations on Redis pub/sub so the memory tiers of other processes drop stale entries. @default true */
  readonly bus: boolean;
  /** After a Redis tier failure, skip Redis for this long (memory tier only); 0 turns it off. @default 5000 */
  readonly l2CircuitBreakerMs: number;
  /**
   * Bound of every Redis command the cache sends itself (a Redis tier read or write, a bus publish, the bus's QUIT on
   * disposal), whatever the Redis provider's own retry and timeout settings: a frozen or unreachable Redis then fails
   * the command after this long, and the cache answers from its memory tier (or runs the factory). A `clear()` gets 30
   * times this bound (it scans the keyspace). @default 1000
   */
  readonly redisTimeoutMs: number;
}

/** Every variable the cache section reads. */
export const CACHE_VARIABLES: readonly string[] = [
  'CACHE_TTL_MS', 'CACHE_GRACE_MS', 'CACHE_GRACE_BACKOFF_MS', 'CACHE_MEMORY_MAX_ITEMS', 'CACHE_MEMORY_MAX_BYTES',
  'CACHE_KEY_PREFIX', 'CACHE_SOFT_TIMEOUT_MS', 'CACHE_HARD_TIMEOUT_MS', 'CACHE_BUS', 'CACHE_L2_CIRCUIT_BREAKER_MS',
  'CACHE_REDIS_TIMEOUT_MS',
];

/** Default of `CACHE_REDIS_TIMEOUT_MS`. */
export const DEFAULT_CACHE_REDIS_TIMEOUT_MS = 1000;

/** Letters, digits and `. _ - :` (it becomes part of Redis keys and of a pub/sub channel name). */
const KEY_PREFIX = /^[A-Za-z0-9._:-]{1,64}$/;

/** Reads the cache section; invalid values are added to `issues`, each naming its variable. */
export function readCacheConfig(env: Env, issues: ConfigIssue[]): CacheConfig {
  const v = readEnv(
    env,
    {
      CACHE_TTL_MS: intWithDefault(1, 300_000, 'milliseconds, an integer >= 1'),
      CACHE_GRACE_MS: intWithDefault(0, 3_600_000, 'milliseconds, an integer >= 0 (0 turns grace periods off)'),
      CACHE_GRACE_BACKOFF_MS: intWithDefault(0, 10_000, 'milliseconds, an integer >= 0'),
      CACHE_MEMORY_MAX_ITEMS: intWithDefault(1, 10_000, 'a number of entries, an integer >= 1'),
      CACHE_MEMORY_MAX_BYTES: intWithDefault(1024, 64 * 1024 * 1024, 'bytes, an integer >= 1024'),
      CACHE_KEY_PREFIX: optionalMatching(KEY_PREFIX, '1-64 letters, digits, . _ - or :'),
      CACHE_SOFT_TIMEOUT_MS: intWithDefault(0, 0, 'milliseconds, an integer >= 0 (0 serves a stale value at once)'),
      CACHE_HARD_TIMEOUT_MS: optionalInt(1, 'milliseconds, an integer >= 1 (unset: no hard timeout)'),
      CACHE_BUS: optionalBool('true or false'),
      CACHE_L2_CIRCUIT_BREAKER_MS: intWithDefault(0, 5_000, 'milliseconds, an integer >= 0 (0 turns it off)'),
      CACHE_REDIS_TIMEOUT_MS: intWithDefault(1, DEFAULT_CACHE_REDIS_TIMEOUT_MS, 'milliseconds, an integer >= 1'),
    },
    issues,
  );
  const softTimeoutMs = v.CACHE_SOFT_TIMEOUT_MS as number;
  const hardTimeoutMs = v.CACHE_HARD_TIMEOUT_MS as number | undefined;
  if (hardTimeoutMs !== undefined && softTimeoutMs !== undefined && hardTimeoutMs <= softTimeoutMs) {
    issues.push({ variable: 'CACHE_HARD_TIMEOUT_MS', expected: 'greater than CACHE_SOFT_TIMEOUT_MS' });
  }
  return {
    ttlMs: v.CACHE_TTL_MS as number,
    graceMs: v.CACHE_GRACE_MS as number,
    graceBackoffMs: v.CACHE_GRACE_BACKOFF_MS as number,
    memoryMaxItems: v.CACHE_MEMORY_MAX_ITEMS as number,
    memoryMaxBytes: v.CACHE_MEMORY_MAX_BYTES as number,
    keyPrefix: (v.CACHE_KEY_PREFIX as string | undefined) ?? 'cache',
    softTimeoutMs,
    ...(hardTimeoutMs !== undefined ? { hardTimeoutMs } : {}),
    bus: (v.CACHE_BUS as boolean | undefined) ?? true,
    l2CircuitBreakerMs: v.CACHE_L2_CIRCUIT_BREAKER_MS as number,
    redisTimeoutMs: v.CACHE_REDIS_TIMEOUT_MS as number,
  };
}

/** The entry defaults both cache providers (real and fake) give bentocache: prefix, TTL, grace and factory timeouts. */
export function bentoEntryDefaults(cfg: CacheConfig) {
  return {
    prefix: cfg.keyPrefix,
    ttl: cfg.ttlMs,
    grace: cfg.graceMs > 0 ? cfg.graceMs : (false as const),
    graceBackoff: cfg.graceBackoffMs,
    timeout: cfg.softTimeoutMs,
    ...(cfg.hardTimeoutMs !== undefined ? { hardTimeout: cfg.hardTimeoutMs } : {}),
  };
}
