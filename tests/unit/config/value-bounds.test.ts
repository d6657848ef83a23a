// Issue 20, part 5: values that become credentials, header values, index names or timer delays are bounded when the
// configuration is read. Control characters and oversized values are refused, one issue per variable, never echoed;
// numbers have an upper bound (the timer cap for milliseconds, 10 for a retry factor).
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, loadConfig, MAX_VALUE_BYTES } from '../../../src/config/index.js';
import { MAX_INT_SETTING } from '../../../src/config/env.js';
import { backoffDelay, DEFAULT_RETRY, MAX_RETRY_FACTOR } from '../../../src/config/retry.js';
import { configError } from '../../helpers/config-error.js';

const REDIS = { REDIS_HOST: 'cache.example.com' };
const KAFKA = { KAFKA_SERVICE_URI: 'kafka.example.com:9093', KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'app', KAFKA_SASL_PASSWORD: 'Zq9-kafka-pw' };
const ALGOLIA = { ALGOLIA_APP_ID: 'APP1', ALGOLIA_WRITE_API_KEY: 'Zq9-write-key', ALGOLIA_SEARCH_API_KEY: 'Zq9-search-key' };
const ELASTIC = { ELASTIC_NODE: 'https://es.example.com:9200', ELASTIC_USERNAME: 'elastic', ELASTIC_PASSWORD: 'Zq9-es-pw' };

/** A value with `char` in the middle (trimming cannot remove it) and distinctive text on both sides. */
const LEFT = 'Zq9left';
const RIGHT = 'right7Xw';
const around = (char: string) => `${LEFT}${char}${RIGHT}`;

/** Each variable that carries a credential, a header value or a name, with the rest of a valid environment. */
const CASES: ReadonlyArray<readonly [string, Record<string, string>, (value: string) => string]> = [
  ['REDIS_USERNAME', { ...REDIS, REDIS_PASSWORD: 'Zq9-redis-pw' }, (v) => v],
  ['REDIS_PASSWORD', REDIS, (v) => v],
  ['REDIS_SENTINEL_PASSWORD', { REDIS_SENTINELS: 's1.example.com:26379', REDIS_SENTINEL_NAME: 'main' }, (v) => v],
  ['REDIS_KEY_PREFIX', REDIS, (v) => v],
  ['REDIS_URL', {}, (v) => `redis://app:${v}@cache.example.com:6379/0`],
  ['KAFKA_SASL_USERNAME', KAFKA, (v) => v],
  ['KAFKA_SASL_PASSWORD', KAFKA, (v) => v],
  ['KAFKA_USERNAME', { KAFKA_SERVICE_URI: 'kafka.example.com:9093', KAFKA_PASSWORD: 'Zq9-legacy-pw' }, (v) => v],
  ['KAFKA_PASSWORD', { KAFKA_SERVICE_URI: 'kafka.example.com:9093', KAFKA_USERNAME: 'app' }, (v) => v],
  ['KAFKA_CLIENT_ID', { KAFKA_SERVICE_URI: 'kafka.example.com:9093' }, (v) => v],
  ['ALGOLIA_WRITE_API_KEY', ALGOLIA, (v) => v],
  ['ALGOLIA_SEARCH_API_KEY', ALGOLIA, (v) => v],
  ['NEXT_PUBLIC_ALGOLIA_SEARCH_API_KEY', { ALGOLIA_APP_ID: 'APP1' }, (v) => v],
  ['ALGOLIA_INDEX_PREFIX', ALGOLIA, (v) => v],
  ['ELASTIC_USERNAME', ELASTIC, (v) => v],
  ['ELASTIC_PASSWORD', ELASTIC, (v) => v],
  ['ELASTIC_API_KEY', { ELASTIC_NODE: 'https://es.example.com:9200' }, (v) => v],
  ['ELASTIC_ACCOUNTS_INDEX', ELASTIC, (v) => v.toLowerCase()],
  ['ELASTIC_CATEGORIES_INDEX', ELASTIC, (v) => v.toLowerCase()],
  ['MONGODB_URL', {}, (v) => `mongodb://app:${v}@db.example.com:27017/rc`],
  ['DATABASE_URL_ONLINE', {}, (v) => `mongodb://app:${v}@db.example.com:27017/rc`],
  ['MONGODB_APP_NAME', { MONGODB_URL: 'mongodb://db.example.com/rc' }, (v) => v],
];

const CONTROLS = [['NUL', '\0'], ['CR', '\r'], ['LF', '\n'], ['tab', '\t'], ['ESC', '\x1b'], ['DEL', '\x7f']] as const;

describe('control characters', () => {
  it('every case names a variable the config reads', () => {
    for (const [variable] of CASES) expect(CONFIG_VARIABLES).toContain(variable);
  });

  it.each(CASES)('%s: the environment of the case is valid without the control character', (variable, base, shape) => {
    expect(() => loadConfig({ ...base, [variable]: shape(`${LEFT}${RIGHT}`) })).not.toThrow();
  });

  describe.each(CONTROLS)('%s', (_name, char) => {
    it.each(CASES)('in %s: one issue naming the variable, the value not echoed', (variable, base, shape) => {
      const error = configError({ ...base, [variable]: shape(around(char)) });
      expect(error.issues).toEqual([
        { variable, expected: expect.stringMatching(/^text of at most 16 KiB without control characters such as NUL, tab, CR or LF \(the value holds a control character\)$/) },
      ]);
      for (const piece of [LEFT, RIGHT]) expect(error.message).not.toContain(piece);
    });
  });

  it('surrounding whitespace is still trimmed, not refused (a trailing newline from a secrets file)', () => {
    expect(loadConfig({ ...REDIS, REDIS_PASSWORD: '  Zq9-redis-pw\r\n' }).redis?.password).toBe('Zq9-redis-pw');
  });

  it('%-escaped control characters in URL credentials are refused too, naming the variable only', () => {
    for (const [variable, url] of [
      ['REDIS_URL', `redis://app%0D%0A:${LEFT}@cache.example.com:6379/0`],
      ['MONGODB_URL', `mongodb://app:${LEFT}%00@db.example.com:27017/rc`],
      ['DATABASE_URL_ONLINE', `mongodb://app:${LEFT}%09@db.example.com:27017/rc`],
    ] as const) {
      const error = configError({ [variable]: url });
      expect(error.issues).toEqual([{ variable, expected: expect.stringMatching(/user and password must be valid %-escaped text without control characters$/) }]);
      expect(error.message).not.toContain(LEFT);
    }
  });

  it('inline PEM variables keep their line breaks, but no other control character', () => {
    const pem = '-----BEGIN CERTIFICATE-----\r\nMIIB\tAA\n-----END CERTIFICATE-----';
    expect(loadConfig({ ...REDIS, REDIS_TLS_CA: pem }).redis?.tls?.ca).toBe(pem);
    expect(loadConfig({ KAFKA_SERVICE_URI: 'kafka.example.com:9093', KAFKA_CA_CERT: pem }).kafka?.tls?.ca).toBe(pem);
    const error = configError({ ...REDIS, REDIS_TLS_CA: pem.replace('MIIB', `MI\0IB`) });
    expect(error.issues).toEqual([
      { variable: 'REDIS_TLS_CA', expected: 'PEM text of at most 1 MiB, without control characters other than tab, CR and LF (the value holds a control character)' },
    ]);
    expect(error.message).not.toContain('MI');
  });

  it('PEM text pasted into a *_FILE variable: one issue, pointing at the inline variable', () => {
    const error = configError({ ...REDIS, REDIS_TLS_KEY_FILE: '-----BEGIN PRIVATE KEY-----\nZq9keybody\n-----END PRIVATE KEY-----' });
    expect(error.issues).toEqual([
      {
        variable: 'REDIS_TLS_KEY_FILE',
        expected: 'a path of at most 16 KiB without control characters such as NUL, tab, CR or LF (the value holds a control character); PEM text belongs in REDIS_TLS_KEY',
      },
    ]);
    expect(error.message).not.toContain('Zq9keybody');
  });
});

describe('value length', () => {
  it('is capped at 16 KiB', () => {
    expect(MAX_VALUE_BYTES).toBe(16 * 1024);
  });

  it('a 200 kB ELASTIC_API_KEY is a ConfigError naming it, quoting none of it', () => {
    const key = `Zq9${'A'.repeat(200_000)}`;
    const error = configError({ ELASTIC_NODE: 'https://es.example.com:9200', ELASTIC_API_KEY: key });
    expect(error.issues).toEqual([
      { variable: 'ELASTIC_API_KEY', expected: 'text of at most 16 KiB without control characters such as NUL, tab, CR or LF (the value is longer)' },
    ]);
    expect(error.message).not.toContain('Zq9');
    expect(error.message.length).toBeLessThan(500);
  });

  it('counts UTF-8 bytes: 16 KiB is accepted, one byte more is refused', () => {
    expect(loadConfig({ ...REDIS, REDIS_PASSWORD: 'p'.repeat(MAX_VALUE_BYTES) }).redis?.password).toHaveLength(MAX_VALUE_BYTES);
    expect(configError({ ...REDIS, REDIS_PASSWORD: 'p'.repeat(MAX_VALUE_BYTES + 1) }).issues.map((issue) => issue.variable)).toEqual(['REDIS_PASSWORD']);
    // 8,193 characters, 16,386 bytes.
    expect(configError({ ...REDIS, REDIS_PASSWORD: 'é'.repeat(MAX_VALUE_BYTES / 2 + 1) }).issues.map((issue) => issue.variable)).toEqual(['REDIS_PASSWORD']);
  });

  it('an inline PEM may hold up to 1 MiB', () => {
    const pem = `-----BEGIN CERTIFICATE-----\n${'A'.repeat(100_000)}\n-----END CERTIFICATE-----`;
    expect(loadConfig({ ...REDIS, REDIS_TLS_CA: pem }).redis?.tls?.ca).toBe(pem);
    const huge = `-----BEGIN CERTIFICATE-----\n${'A'.repeat(2 * 1024 * 1024)}\n-----END CERTIFICATE-----`;
    expect(configError({ ...REDIS, REDIS_TLS_CA: huge }).issues).toEqual([
      { variable: 'REDIS_TLS_CA', expected: 'PEM text of at most 1 MiB, without control characters other than tab, CR and LF (the value is longer)' },
    ]);
  });
});

/** Every section configured: retry variables are read only for a configured client. */
const ALL = { ...REDIS, KAFKA_SERVICE_URI: 'kafka.example.com:9093', MONGODB_URL: 'mongodb://db.example.com/rc', ...ALGOLIA, ...ELASTIC, DATABASE_URL_ONLINE: 'mongodb://db.example.com/rc' };

describe('numbers', () => {
  it('DB_SHUTDOWN_TIMEOUT_MS: the timer cap (2^31-1) is accepted, one more is a ConfigError naming the cap', () => {
    expect(MAX_INT_SETTING).toBe(2 ** 31 - 1);
    expect(loadConfig({ DB_SHUTDOWN_TIMEOUT_MS: '2147483647' }).shutdownTimeoutMs).toBe(2_147_483_647);
    expect(configError({ DB_SHUTDOWN_TIMEOUT_MS: '2147483648' }).issues).toEqual([
      { variable: 'DB_SHUTDOWN_TIMEOUT_MS', expected: 'milliseconds, an integer >= 1, at most 2147483647' },
    ]);
  });

  it('every *_MS variable is capped at the timer limit', () => {
    const ms = CONFIG_VARIABLES.filter((name) => name.endsWith('_MS'));
    expect(ms.length).toBeGreaterThan(20);
    // The soft timeout must stay below the hard one.
    expect(() => loadConfig({ ...ALL, ...Object.fromEntries(ms.map((name) => [name, '2147483647'])), CACHE_SOFT_TIMEOUT_MS: '0' })).not.toThrow();
    const error = configError({ ...ALL, ...Object.fromEntries(ms.map((name) => [name, '2147483648'])) });
    expect(error.issues.map((issue) => issue.variable).sort()).toEqual([...new Set(ms)].sort());
    for (const issue of error.issues) expect(issue.expected).toMatch(/at most 2147483647/);
  });

  it.each(['REDIS', 'KAFKA', 'MONGODB', 'ELASTIC', 'PRISMA'])('%s_RETRY_FACTOR: 1 to 10; 1e20 is a ConfigError', (prefix) => {
    const variable = `${prefix}_RETRY_FACTOR`;
    expect(MAX_RETRY_FACTOR).toBe(10);
    for (const value of ['1e20', '10.5', 'Infinity']) {
      expect(configError({ ...ALL, [variable]: value }).issues).toEqual([{ variable, expected: 'a number >= 1, at most 10' }]);
    }
    expect(loadConfig({ ...ALL, [variable]: '10' })).toBeDefined();
  });

  it('backoffDelay stays a number when the growth overflows with no initial delay', () => {
    const policy = { ...DEFAULT_RETRY, initialDelayMs: 0, factor: 2, jitter: false };
    expect(backoffDelay(policy, 1100)).toBe(0);
    expect(backoffDelay({ ...policy, initialDelayMs: 100 }, 1100)).toBe(policy.maxDelayMs);
  });

  it.each(['MONGODB_URL', 'DATABASE_URL_ONLINE'])('%s: millisecond and count parameters are capped like the settings', (variable) => {
    const url = (query: string) => `mongodb://db.example.com:27017/rc?${query}`;
    expect(() => loadConfig({ [variable]: url('heartbeatFrequencyMS=2147483647&maxPoolSize=50') })).not.toThrow();
    const error = configError({ [variable]: url('heartbeatfrequencyms=3000000000&socketTimeoutMS=99999999999999999999') });
    expect(error.issues).toEqual([
      { variable, expected: 'URL parameter heartbeatFrequencyMS to be an integer >= 0, at most 2147483647' },
      { variable, expected: 'URL parameter socketTimeoutMS to be an integer >= 0, at most 2147483647' },
    ]);
    expect(error.message).not.toContain('3000000000');
  });
});
