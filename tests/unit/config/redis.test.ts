import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import { configError } from '../../helpers/config-error.js';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

describe('loadConfig: Redis section', () => {
  it.each([
    ['REDIS_PORT', 'abc', /REDIS_PORT: a port number 1-65535/],
    ['REDIS_PORT', '70000', /REDIS_PORT: a port number 1-65535/],
    ['REDIS_DB', '-1', /REDIS_DB: a database number >= 0/],
    ['REDIS_MODE', 'ring', /REDIS_MODE: one of standalone, sentinel, cluster/],
    ['REDIS_URL', 'http://cache:6379', /REDIS_URL: redis:\/\//],
    ['REDIS_URL', 'not a url', /REDIS_URL: redis:\/\//],
    ['REDIS_URL', 'redis://cache:6379/zero', /REDIS_URL: .*database number/],
    ['REDIS_TLS', 'maybe', /REDIS_TLS: true or false/],
    ['REDIS_CONNECT_TIMEOUT_MS', '0', /REDIS_CONNECT_TIMEOUT_MS: milliseconds, an integer >= 1/],
    ['REDIS_COMMAND_TIMEOUT_MS', '1.5', /REDIS_COMMAND_TIMEOUT_MS: milliseconds/],
    ['REDIS_MAX_RETRIES_PER_REQUEST', 'lots', /REDIS_MAX_RETRIES_PER_REQUEST: an integer >= 0, or "unlimited"/],
    ['REDIS_RETRY_FACTOR', '0.5', /REDIS_RETRY_FACTOR: a number >= 1/],
    ['REDIS_RETRY_RETRIES', 'x', /REDIS_RETRY_RETRIES: an integer >= 0/],
    ['REDIS_READ_FROM_REPLICAS', 'true', /REDIS_READ_FROM_REPLICAS: only with REDIS_MODE=sentinel or cluster/],
    ['REDIS_SENTINEL_FAILOVER_DETECTOR', 'yes please', /REDIS_SENTINEL_FAILOVER_DETECTOR: true or false/],
    ['REDIS_TLS_CA', 'not pem at all', /REDIS_TLS_CA: the CA certificate as PEM text/],
    ['REDIS_TLS_CA_FILE', '/nonexistent/ca.pem', /REDIS_TLS_CA_FILE: a readable PEM file .*ENOENT/],
    ['REDIS_TLS_CERT', PEM, /REDIS_TLS_KEY: client certificate and key are set together/],
  ])('%s=%s is reported by name', (variable, value, expected) => {
    const error = configError({ REDIS_HOST: 'cache.internal', [variable]: value });
    expect(error.issues.map((issue) => issue.variable)).toContain(variable === 'REDIS_TLS_CERT' ? 'REDIS_TLS_KEY' : variable);
    expect(error.message).toMatch(expected);
  });

  it.each([
    ['REDIS_SENTINELS', 'a:b:c', { REDIS_MODE: 'sentinel', REDIS_SENTINEL_NAME: 'm' }],
    ['REDIS_SENTINEL_NAME', undefined, { REDIS_MODE: 'sentinel', REDIS_SENTINELS: 's1:26379' }],
    ['REDIS_CLUSTER_NODES', undefined, { REDIS_MODE: 'cluster' }],
    ['REDIS_HOST', undefined, { REDIS_PORT: '6379', REDIS_PASSWORD: 'p' }],
  ])('%s is required or validated by mode', (variable, value, env) => {
    const error = configError({ ...env, ...(value === undefined ? {} : { [variable]: value }) });
    expect(error.issues.map((issue) => issue.variable)).toContain(variable);
  });

  it('reports every invalid variable in one error', () => {
    const error = configError({ REDIS_HOST: 'h', REDIS_PORT: 'x', REDIS_DB: 'y', LOG_LEVEL: 'loud', DB_SHUTDOWN_TIMEOUT_MS: '-5' });
    expect(error.issues.map((issue) => issue.variable).sort()).toEqual(['DB_SHUTDOWN_TIMEOUT_MS', 'LOG_LEVEL', 'REDIS_DB', 'REDIS_PORT']);
    expect(error.message.split('\n')).toHaveLength(5);
  });

  it('sets both inline and file variants is an error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    writeFileSync(join(dir, 'ca.pem'), PEM);
    const error = configError({ REDIS_HOST: 'h', REDIS_TLS_CA: PEM, REDIS_TLS_CA_FILE: join(dir, 'ca.pem') });
    expect(error.message).toContain('REDIS_TLS_CA: either REDIS_TLS_CA or REDIS_TLS_CA_FILE, not both');
  });

  it('never echoes a secret value in the message', () => {
    const secret = 'Sup3rSecretValue';
    const error = configError({
      REDIS_URL: `redis://user:${secret}@cache:notaport`,
      REDIS_TLS_KEY: `key-material-${secret}`,
      REDIS_TLS_CERT: PEM,
      REDIS_SENTINEL_PASSWORD: secret,
      REDIS_PORT: secret,
    });
    expect(error.issues.length).toBeGreaterThanOrEqual(2);
    expect(error.message).not.toContain(secret);
    expect(JSON.stringify(error.issues)).not.toContain(secret);
  });

  it('leaves Redis unconfigured when no Redis variable is set', () => {
    expect(loadConfig({}).redis).toBeUndefined();
  });

  it('turns TLS on by default for remote hosts and off for loopback; an explicit REDIS_TLS wins', () => {
    expect(loadConfig({ REDIS_HOST: 'cache.internal' }).redis?.tls).toEqual({ rejectUnauthorized: true });
    expect(loadConfig({ REDIS_HOST: '127.0.0.1' }).redis?.tls).toBeUndefined();
    expect(loadConfig({ REDIS_HOST: 'localhost' }).redis?.tls).toBeUndefined();
    expect(loadConfig({ REDIS_HOST: 'cache.internal', REDIS_TLS: 'false' }).redis?.tls).toBeUndefined();
    expect(loadConfig({ REDIS_HOST: '127.0.0.1', REDIS_TLS: 'true' }).redis?.tls).toBeDefined();
    expect(loadConfig({ REDIS_URL: 'rediss://127.0.0.1' }).redis?.tls).toBeDefined();
    expect(loadConfig({ REDIS_URL: 'redis://cache.internal' }).redis?.tls).toBeUndefined();
  });

  it('warns (without failing) when certificate verification is switched off', () => {
    const config = loadConfig({ REDIS_HOST: 'cache.internal', REDIS_TLS_REJECT_UNAUTHORIZED: 'false' });
    expect(config.redis?.tls?.rejectUnauthorized).toBe(false);
    expect(config.warnings).toEqual(['REDIS_TLS_REJECT_UNAUTHORIZED=false: server certificates are NOT verified']);
  });

  it('lets REDIS_URL win over the parts and keeps the parts for what the URL lacks', () => {
    const redis = loadConfig({
      REDIS_URL: 'rediss://app:p%40ss@cache.example:6380/2',
      REDIS_HOST: 'ignored', REDIS_PORT: '1', REDIS_DB: '9', REDIS_USERNAME: 'other',
    }).redis;
    expect(redis).toMatchObject({ host: 'cache.example', port: 6380, db: 2, username: 'app', password: 'p@ss', mode: 'standalone' });
    expect(redis?.target).toBe('rediss://cache.example:6380/2');
    expect(loadConfig({ REDIS_URL: 'redis://127.0.0.1', REDIS_PASSWORD: 'fromparts' }).redis?.password).toBe('fromparts');
  });

  it('reads inline PEM with literal \\n sequences and PEM files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    writeFileSync(join(dir, 'ca.pem'), PEM);
    expect(loadConfig({ REDIS_HOST: 'h', REDIS_TLS_CA: PEM.replace(/\n/g, '\\n') }).redis?.tls?.ca).toBe(PEM);
    expect(loadConfig({ REDIS_HOST: 'h', REDIS_TLS_CA_FILE: join(dir, 'ca.pem') }).redis?.tls?.ca).toBe(PEM);
  });

  it('parses sentinel and cluster node lists, infers the mode, and maps unlimited retries to null', () => {
    const sentinel = loadConfig({ REDIS_SENTINELS: 's1, s2:26380,[::1]:26381', REDIS_SENTINEL_NAME: 'main' }).redis;
    expect(sentinel?.mode).toBe('sentinel');
    expect(sentinel?.sentinels).toEqual([{ host: 's1', port: 26379 }, { host: 's2', port: 26380 }, { host: '::1', port: 26381 }]);
    const cluster = loadConfig({ REDIS_CLUSTER_NODES: '127.0.0.1:7000,127.0.0.1:7001', REDIS_MAX_RETRIES_PER_REQUEST: 'unlimited' }).redis;
    expect(cluster).toMatchObject({ mode: 'cluster', maxRetriesPerRequest: null });
    expect(cluster?.tls).toBeUndefined(); // every node is loopback
    expect(sentinel?.tls).toBeDefined(); // remote Sentinels
  });

  it('subscribes to Sentinel failover announcements unless REDIS_SENTINEL_FAILOVER_DETECTOR=false', () => {
    const env = { REDIS_SENTINELS: '127.0.0.1:26379', REDIS_SENTINEL_NAME: 'main' };
    expect(loadConfig(env).redis?.sentinelFailoverDetector).toBe(true);
    expect(loadConfig({ ...env, REDIS_SENTINEL_FAILOVER_DETECTOR: 'false' }).redis?.sentinelFailoverDetector).toBe(false);
  });

  it('treats empty strings as unset and returns a deeply frozen object', () => {
    const config = loadConfig({ REDIS_HOST: '127.0.0.1', REDIS_PORT: '', REDIS_PASSWORD: '' });
    expect(config.redis?.port).toBe(6379);
    expect(config.redis?.password).toBeUndefined();
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.redis?.retry)).toBe(true);
    expect(config).toMatchObject({ shutdownTimeoutMs: 10_000, logLevel: 'info' });
  });
});

describe('loadConfig: limits and malformed URLs', () => {
  it('rejects durations Node timers cannot hold, and absurd counts', () => {
    const error = configError({ REDIS_HOST: 'h', DB_SHUTDOWN_TIMEOUT_MS: '3000000000', REDIS_MAX_RETRIES_PER_REQUEST: '100000000000000000000000' });
    expect(error.issues.map((issue) => issue.variable).sort()).toEqual(['DB_SHUTDOWN_TIMEOUT_MS', 'REDIS_MAX_RETRIES_PER_REQUEST']);
  });

  it('reports a malformed %-escape in REDIS_URL as a ConfigError naming it, without the value', () => {
    const error = configError({ REDIS_URL: 'redis://:p%zzsecret@cache:6379' });
    expect(error.issues).toEqual([{ variable: 'REDIS_URL', expected: expect.stringContaining('%-escaped') }]);
    expect(error.message).not.toContain('secret');
  });
});
