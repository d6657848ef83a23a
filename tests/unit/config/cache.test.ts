import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, loadConfig } from '../../../src/config/index.js';
import { configError } from '../../helpers/config-error.js';

describe('loadConfig: cache section', () => {
  it('has defaults for every setting, also without Redis', () => {
    expect(loadConfig({}).cache).toEqual({
      ttlMs: 300_000,
      graceMs: 3_600_000,
      graceBackoffMs: 10_000,
      memoryMaxItems: 10_000,
      memoryMaxBytes: 64 * 1024 * 1024,
      keyPrefix: 'cache',
      softTimeoutMs: 0,
      bus: true,
      l2CircuitBreakerMs: 5_000,
      redisTimeoutMs: 1_000,
    });
    expect(Object.isFrozen(loadConfig({}).cache)).toBe(true);
  });

  it('reads every CACHE_* variable', () => {
    const cache = loadConfig({
      CACHE_TTL_MS: '60000', CACHE_GRACE_MS: '0', CACHE_GRACE_BACKOFF_MS: '500', CACHE_MEMORY_MAX_ITEMS: '50',
      CACHE_MEMORY_MAX_BYTES: '2048', CACHE_KEY_PREFIX: 'rc:web', CACHE_SOFT_TIMEOUT_MS: '100', CACHE_HARD_TIMEOUT_MS: '2000',
      CACHE_BUS: 'false', CACHE_L2_CIRCUIT_BREAKER_MS: '0', CACHE_REDIS_TIMEOUT_MS: '250',
    }).cache;
    expect(cache).toEqual({
      ttlMs: 60_000, graceMs: 0, graceBackoffMs: 500, memoryMaxItems: 50, memoryMaxBytes: 2048, keyPrefix: 'rc:web',
      softTimeoutMs: 100, hardTimeoutMs: 2000, bus: false, l2CircuitBreakerMs: 0, redisTimeoutMs: 250,
    });
  });

  it.each([
    ['CACHE_TTL_MS', '0', /CACHE_TTL_MS: milliseconds, an integer >= 1/],
    ['CACHE_TTL_MS', '5m', /CACHE_TTL_MS: milliseconds/],
    ['CACHE_GRACE_MS', '-1', /CACHE_GRACE_MS: milliseconds, an integer >= 0/],
    ['CACHE_GRACE_BACKOFF_MS', '1.5', /CACHE_GRACE_BACKOFF_MS: milliseconds/],
    ['CACHE_MEMORY_MAX_ITEMS', '0', /CACHE_MEMORY_MAX_ITEMS: a number of entries/],
    ['CACHE_MEMORY_MAX_BYTES', '100', /CACHE_MEMORY_MAX_BYTES: bytes, an integer >= 1024/],
    ['CACHE_KEY_PREFIX', 'has space', /CACHE_KEY_PREFIX: 1-64 letters/],
    ['CACHE_KEY_PREFIX', 'x'.repeat(65), /CACHE_KEY_PREFIX: 1-64 letters/],
    ['CACHE_SOFT_TIMEOUT_MS', 'soon', /CACHE_SOFT_TIMEOUT_MS: milliseconds/],
    ['CACHE_HARD_TIMEOUT_MS', '0', /CACHE_HARD_TIMEOUT_MS: milliseconds, an integer >= 1/],
    ['CACHE_BUS', 'sometimes', /CACHE_BUS: true or false/],
    ['CACHE_L2_CIRCUIT_BREAKER_MS', '-5', /CACHE_L2_CIRCUIT_BREAKER_MS: milliseconds/],
    ['CACHE_REDIS_TIMEOUT_MS', '0', /CACHE_REDIS_TIMEOUT_MS: milliseconds/],
    ['CACHE_REDIS_TIMEOUT_MS', '2147483648', /CACHE_REDIS_TIMEOUT_MS: milliseconds/],
  ])('%s=%s is a ConfigError naming it, without echoing the value', (variable, value, expected) => {
    const error = configError({ [variable]: value });
    expect(error.message).toMatch(expected);
    expect(error.issues.map((issue) => issue.variable)).toEqual([variable]);
    if (value.length > 3) expect(error.message).not.toContain(value);
  });

  it('a hard timeout not above the soft one is an error naming CACHE_HARD_TIMEOUT_MS', () => {
    const error = configError({ CACHE_SOFT_TIMEOUT_MS: '500', CACHE_HARD_TIMEOUT_MS: '500' });
    expect(error.issues).toEqual([{ variable: 'CACHE_HARD_TIMEOUT_MS', expected: 'greater than CACHE_SOFT_TIMEOUT_MS' }]);
  });

  it('reports every bad cache variable at once, together with other sections', () => {
    const error = configError({ CACHE_TTL_MS: 'x', CACHE_BUS: 'x', REDIS_PORT: 'x' });
    expect(error.issues.map((issue) => issue.variable).sort()).toEqual(['CACHE_BUS', 'CACHE_TTL_MS', 'REDIS_PORT'].sort());
  });

  it('CONFIG_VARIABLES lists every cache variable once', () => {
    const cache = CONFIG_VARIABLES.filter((name) => name.startsWith('CACHE_'));
    expect(cache).toHaveLength(11);
    expect(new Set(cache).size).toBe(11);
  });
});
