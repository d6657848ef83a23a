import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import { parseMongoUrl } from '../../../src/config/mongo.js';
import { configError } from '../../helpers/config-error.js';
import { mongoClientOptions } from '../../../src/providers/mongo.js';

const URL_OK = 'mongodb://db.internal:27017/ratecreator';

describe('loadConfig: MongoDB section', () => {
  it('is absent when neither MONGODB_URL nor DATABASE_URL_ONLINE is set, even with tuning variables', () => {
    expect(loadConfig({ MONGODB_MAX_POOL_SIZE: '50' }).mongo).toBeUndefined();
  });

  it('has documented defaults', () => {
    expect(loadConfig({ MONGODB_URL: URL_OK }).mongo).toEqual({
      url: URL_OK, urlVariable: 'MONGODB_URL', target: 'mongodb://db.internal:27017/ratecreator', dbName: 'ratecreator',
      maxPoolSize: 20, minPoolSize: 0, maxIdleTimeMs: 60_000, waitQueueTimeoutMs: 10_000, serverSelectionTimeoutMs: 10_000,
      connectTimeoutMs: 10_000, readPreference: 'secondaryPreferred', tlsExplicit: false,
      retry: { retries: 5, initialDelayMs: 100, maxDelayMs: 5000, factor: 2, jitter: true },
    });
  });

  it('prefers MONGODB_URL over DATABASE_URL_ONLINE and keeps credentials out of target', () => {
    const both = loadConfig({ MONGODB_URL: 'mongodb://a:1/x', DATABASE_URL_ONLINE: 'mongodb://b:2/y' }).mongo;
    expect(both).toMatchObject({ urlVariable: 'MONGODB_URL', dbName: 'x' });
    const secret = 'p%40ss-w0rd';
    const online = loadConfig({ DATABASE_URL_ONLINE: `mongodb+srv://app:${secret}@cluster0.example.net/rc?retryWrites=true&authMechanismProperties=TOKEN:abc` }).mongo;
    expect(online).toMatchObject({ urlVariable: 'DATABASE_URL_ONLINE', target: 'mongodb+srv://cluster0.example.net/rc' });
    expect(online?.target).not.toContain(secret);
    expect(online?.target).not.toContain('TOKEN');
    // mongodb+srv implies TLS.
    expect(online?.tls).toEqual({ rejectUnauthorized: true });
  });

  it.each([
    ['MONGODB_URL', 'postgres://db/x', /MONGODB_URL: mongodb:\/\//],
    ['MONGODB_MAX_POOL_SIZE', '0', /MONGODB_MAX_POOL_SIZE: an integer >= 1/],
    ['MONGODB_MIN_POOL_SIZE', '-1', /MONGODB_MIN_POOL_SIZE: an integer >= 0/],
    ['MONGODB_MIN_POOL_SIZE', '30', /MONGODB_MIN_POOL_SIZE: at most MONGODB_MAX_POOL_SIZE/],
    ['MONGODB_WAIT_QUEUE_TIMEOUT_MS', 'soon', /MONGODB_WAIT_QUEUE_TIMEOUT_MS: milliseconds/],
    ['MONGODB_SERVER_SELECTION_TIMEOUT_MS', '0', /MONGODB_SERVER_SELECTION_TIMEOUT_MS: milliseconds, an integer >= 1/],
    ['MONGODB_READ_PREFERENCE', 'secondaryOnly', /MONGODB_READ_PREFERENCE: one of primary, primaryPreferred/],
    ['MONGODB_MAX_STALENESS_SECONDS', '30', /MONGODB_MAX_STALENESS_SECONDS: seconds, an integer >= 90/],
    ['MONGODB_TLS_CA_FILE', '/nonexistent/ca.pem', /MONGODB_TLS_CA_FILE: a readable PEM file .*ENOENT/],
    ['MONGODB_RETRY_RETRIES', 'many', /MONGODB_RETRY_RETRIES: an integer >= 0/],
  ])('%s=%s is reported by name, without the value', (variable, value, expected) => {
    const error = configError({ MONGODB_URL: URL_OK, [variable]: value });
    expect(error.message).toMatch(expected);
    if (variable !== 'MONGODB_URL' && variable !== 'MONGODB_TLS_CA_FILE') expect(error.message).not.toContain(`: ${value}`);
  });

  it('reports a bad DATABASE_URL_ONLINE by its own name and never echoes it', () => {
    const error = configError({ DATABASE_URL_ONLINE: 'mysql://root:hunter2@db/x' });
    expect(error.issues.map((issue) => issue.variable)).toContain('DATABASE_URL_ONLINE');
    expect(error.message).not.toContain('hunter2');
  });

  it('rejects maxStalenessSeconds with the primary read preference', () => {
    expect(configError({ MONGODB_URL: URL_OK, MONGODB_READ_PREFERENCE: 'primary', MONGODB_MAX_STALENESS_SECONDS: '120' }).message)
      .toMatch(/MONGODB_MAX_STALENESS_SECONDS: unset when MONGODB_READ_PREFERENCE=primary/);
  });

  it('reports every invalid variable at once', () => {
    const error = configError({ MONGODB_URL: URL_OK, MONGODB_MAX_POOL_SIZE: 'x', MONGODB_APP_NAME: 'ok', MONGODB_CONNECT_TIMEOUT_MS: '-5' });
    expect(error.issues.map((issue) => issue.variable).sort()).toEqual(['MONGODB_CONNECT_TIMEOUT_MS', 'MONGODB_MAX_POOL_SIZE']);
  });
});

describe('parseMongoUrl', () => {
  it('accepts host lists, srv, options, and reads tls/ssl from the query', () => {
    expect(parseMongoUrl('mongodb://u:p@h1:1,h2:2/db?replicaSet=rs0&tls=true')).toEqual({ srv: false, hosts: 'h1:1,h2:2', dbName: 'db', tls: true });
    expect(parseMongoUrl('mongodb+srv://c.example.net')).toEqual({ srv: true, hosts: 'c.example.net' });
    expect(parseMongoUrl('mongodb://h/?ssl=false')).toEqual({ srv: false, hosts: 'h', tls: false });
    expect(parseMongoUrl('http://h/db')).toBeUndefined();
    expect(parseMongoUrl('mongodb://')).toBeUndefined();
  });
});

describe('mongoClientOptions', () => {
  it('maps pool, timeouts and app name, and TLS only when asked', () => {
    const cfg = loadConfig({ MONGODB_URL: URL_OK, MONGODB_MAX_POOL_SIZE: '7', MONGODB_APP_NAME: 'reviews-api' }).mongo!;
    expect(mongoClientOptions(cfg)).toEqual({
      maxPoolSize: 7, minPoolSize: 0, maxIdleTimeMS: 60_000, waitQueueTimeoutMS: 10_000, serverSelectionTimeoutMS: 10_000,
      connectTimeoutMS: 10_000, appName: 'reviews-api',
    });
    const off = loadConfig({ MONGODB_URL: `${URL_OK}?tls=true`, MONGODB_TLS: 'false' }).mongo!;
    expect(mongoClientOptions(off).tls).toBe(false);
    const insecure = loadConfig({ MONGODB_URL: URL_OK, MONGODB_TLS: 'true', MONGODB_TLS_REJECT_UNAUTHORIZED: 'false' });
    expect(mongoClientOptions(insecure.mongo!)).toMatchObject({ tls: true, tlsAllowInvalidCertificates: true });
    expect(insecure.warnings).toContain('MONGODB_TLS_REJECT_UNAUTHORIZED=false: server certificates are NOT verified');
  });
});
