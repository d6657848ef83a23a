import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { cloudIdTarget, isIndexName } from '../../../src/config/elasticsearch.js';
import { loadConfig } from '../../../src/config/index.js';
import { elasticsearchClientOptions } from '../../../src/providers/elasticsearch.js';
import { registerConfigSecrets, scrubSecrets } from '../../../src/secrets.js';
import { configError } from '../../helpers/config-error.js';

/** A well-formed cloud id: `name:base64("<domain>:443$<es-uuid>$<kibana-uuid>")`. */
const CLOUD_ID = `rc-prod:${Buffer.from('europe-west1.gcp.cloud.es.io:443$abc123def$kib456').toString('base64')}`;

describe('loadConfig: Elasticsearch section', () => {
  it('is absent when neither a node nor a cloud id is set', () => {
    expect(loadConfig({}).elasticsearch).toBeUndefined();
    expect(loadConfig({ ELASTIC_ACCOUNTS_INDEX: 'accounts_v2' }).elasticsearch).toBeUndefined();
  });

  it('has documented defaults for a local node', () => {
    expect(loadConfig({ ELASTIC_NODE: 'http://127.0.0.1:9200' }).elasticsearch).toEqual({
      nodes: ['http://127.0.0.1:9200'],
      accountsIndex: 'accounts',
      categoriesIndex: 'categories',
      requestTimeoutMs: 10_000,
      maxRetries: 3,
      compression: false,
      retry: { retries: 5, initialDelayMs: 100, maxDelayMs: 5000, factor: 2, jitter: true },
      target: 'http://127.0.0.1:9200',
    });
  });

  it('reads a node list, credentials, index names, timeouts and retry settings', () => {
    const cfg = loadConfig({
      ELASTIC_NODE: ' https://es1.internal:9243/, https://ES2.internal/prefix/ ,https://[::1]:9200',
      ELASTIC_USERNAME: 'elastic', ELASTIC_PASSWORD: 'pw-elastic-1',
      ELASTIC_ACCOUNTS_INDEX: 'accounts_v2', ELASTIC_CATEGORIES_INDEX: 'categories_v2',
      ELASTIC_REQUEST_TIMEOUT_MS: '2500', ELASTIC_MAX_RETRIES: '0', ELASTIC_COMPRESSION: 'true',
      ELASTIC_RETRY_RETRIES: '2', ELASTIC_RETRY_JITTER: 'false',
    }).elasticsearch!;
    expect(cfg.nodes).toEqual(['https://es1.internal:9243', 'https://es2.internal/prefix', 'https://[::1]:9200']);
    expect(cfg).toMatchObject({
      username: 'elastic', password: 'pw-elastic-1', accountsIndex: 'accounts_v2', categoriesIndex: 'categories_v2',
      requestTimeoutMs: 2500, maxRetries: 0, compression: true, tls: { rejectUnauthorized: true },
    });
    expect(cfg.retry).toMatchObject({ retries: 2, jitter: false });
    expect(cfg.target).toBe('https://es1.internal:9243,https://es2.internal/prefix,https://[::1]:9200');
  });

  it('decodes a cloud id into its host and prefers the API key over basic auth (with a warning)', () => {
    const config = loadConfig({ ELASTIC_CLOUD_ID: CLOUD_ID, ELASTIC_API_KEY: 'ZXM6a2V5LXNlY3JldA==', ELASTIC_USERNAME: 'u', ELASTIC_PASSWORD: 'p-long' });
    const cfg = config.elasticsearch!;
    expect(cfg).toMatchObject({ cloudId: CLOUD_ID, apiKey: 'ZXM6a2V5LXNlY3JldA==', target: 'https://abc123def.europe-west1.gcp.cloud.es.io' });
    expect(cfg.username).toBeUndefined();
    expect(cfg.password).toBeUndefined();
    expect(cfg.tls).toEqual({ rejectUnauthorized: true });
    expect(config.warnings).toContain('ELASTIC_API_KEY is set: ELASTIC_USERNAME and ELASTIC_PASSWORD are ignored');
    expect(cloudIdTarget('not-a-cloud-id')).toBeUndefined();
    expect(cloudIdTarget(`x:${Buffer.from('host.example.com$uuid').toString('base64')}`)).toBe('https://uuid.host.example.com');
  });

  it.each([
    [{ ELASTIC_NODE: '127.0.0.1:9200' }, /ELASTIC_NODE: comma-separated http\(s\):\/\/host\[:port\]\[\/path\] URLs/],
    [{ ELASTIC_NODE: 'http://127.0.0.1:99999' }, /ELASTIC_NODE: comma-separated/],
    [{ ELASTIC_NODE: 'http://h/x?y=1' }, /ELASTIC_NODE: comma-separated/],
    [{ ELASTIC_NODE: 'http://h:9200', ELASTIC_CLOUD_ID: CLOUD_ID, ELASTIC_API_KEY: 'k-key' }, /ELASTIC_NODE: either ELASTIC_NODE or ELASTIC_CLOUD_ID, not both/],
    [{ ELASTIC_CLOUD_ID: 'garbage!!', ELASTIC_API_KEY: 'k-key' }, /ELASTIC_CLOUD_ID: an Elastic Cloud id/],
    [{ ELASTIC_CLOUD_ID: CLOUD_ID }, /ELASTIC_API_KEY: an API key \(or ELASTIC_USERNAME and ELASTIC_PASSWORD\): Elastic Cloud requires credentials/],
    [{ ELASTIC_API_KEY: 'k-key' }, /ELASTIC_NODE: node URLs or ELASTIC_CLOUD_ID \(required because Elasticsearch credentials are set\)/],
    [{ ELASTIC_NODE: 'http://h:9200', ELASTIC_USERNAME: 'elastic' }, /ELASTIC_PASSWORD: ELASTIC_USERNAME and ELASTIC_PASSWORD are set together/],
    [{ ELASTIC_NODE: 'http://h:9200', ELASTIC_API_KEY: 'ApiKey abc' }, /ELASTIC_API_KEY: the encoded API key/],
    [{ ELASTIC_NODE: 'http://h:9200', ELASTIC_ACCOUNTS_INDEX: 'Accounts' }, /ELASTIC_ACCOUNTS_INDEX: an index name/],
    [{ ELASTIC_NODE: 'http://h:9200', ELASTIC_CATEGORIES_INDEX: '_cats' }, /ELASTIC_CATEGORIES_INDEX: an index name/],
    [{ ELASTIC_NODE: 'http://h:9200', ELASTIC_REQUEST_TIMEOUT_MS: '0' }, /ELASTIC_REQUEST_TIMEOUT_MS: milliseconds, an integer >= 1/],
    [{ ELASTIC_NODE: 'http://h:9200', ELASTIC_MAX_RETRIES: '-1' }, /ELASTIC_MAX_RETRIES: an integer >= 0/],
    [{ ELASTIC_NODE: 'http://h:9200', ELASTIC_COMPRESSION: 'gzip' }, /ELASTIC_COMPRESSION: true or false/],
    [{ ELASTIC_NODE: 'http://h:9200', ELASTIC_RETRY_FACTOR: '0.5' }, /ELASTIC_RETRY_FACTOR: a number >= 1/],
    [{ ELASTIC_NODE: 'http://h:9200', ELASTIC_TLS: 'true' }, /ELASTIC_NODE: https:\/\/ URLs when ELASTIC_TLS is on/],
    [{ ELASTIC_NODE: 'https://h:9200', ELASTIC_TLS: 'false' }, /ELASTIC_TLS: true or unset: ELASTIC_NODE uses https:\/\//],
    [{ ELASTIC_NODE: 'https://h:9200', ELASTIC_TLS_CA: 'not pem' }, /ELASTIC_TLS_CA: the CA certificate as PEM text/],
    [{ ELASTIC_NODE: 'https://h:9200', ELASTIC_TLS_SERVERNAME: '10.0.0.1' }, /ELASTIC_TLS_SERVERNAME: a DNS host name/],
  ])('%o is reported by name', (env, expected) => {
    expect(configError(env).message).toMatch(expected);
  });

  it('refuses credentials inside a node URL without echoing them', () => {
    const error = configError({ ELASTIC_NODE: 'https://elastic:url-secret-pw@es.internal:9243' });
    expect(error.message).toMatch(/ELASTIC_NODE: URLs without credentials: set ELASTIC_API_KEY or ELASTIC_USERNAME\/ELASTIC_PASSWORD/);
    expect(error.message).not.toContain('url-secret-pw');
  });

  it('never echoes the API key, the password or the cloud id in a ConfigError', () => {
    const error = configError({
      ELASTIC_CLOUD_ID: 'cloud-id-that-is-wrong', ELASTIC_API_KEY: 'api key with spaces SECRET', ELASTIC_PASSWORD: 'lonely-password-SECRET',
    });
    expect(error.message).not.toMatch(/SECRET|cloud-id-that-is-wrong/);
    expect(error.issues.map((issue) => issue.variable)).toEqual(expect.arrayContaining(['ELASTIC_CLOUD_ID', 'ELASTIC_API_KEY', 'ELASTIC_USERNAME']));
  });

  it('warns when certificate verification is switched off', () => {
    const config = loadConfig({ ELASTIC_NODE: 'https://es.internal', ELASTIC_TLS_REJECT_UNAUTHORIZED: 'false' });
    expect(config.elasticsearch?.tls?.rejectUnauthorized).toBe(false);
    expect(config.warnings).toContain('ELASTIC_TLS_REJECT_UNAUTHORIZED=false: server certificates are NOT verified');
  });

  it('registers the API key and password as secrets, so they are scrubbed everywhere', () => {
    registerConfigSecrets(loadConfig({ ELASTIC_NODE: 'http://h:9200', ELASTIC_API_KEY: 'es-api-key-to-scrub' }));
    registerConfigSecrets(loadConfig({ ELASTIC_NODE: 'http://h:9200', ELASTIC_USERNAME: 'u', ELASTIC_PASSWORD: 'es-password-to-scrub' }));
    expect(scrubSecrets('Authorization: ApiKey es-api-key-to-scrub; pw es-password-to-scrub')).toBe('Authorization: ApiKey ***; pw ***');
  });

  it('checks index names as Elasticsearch does', () => {
    expect(['accounts', 'rc-accounts_v2', 'a.b'].every(isIndexName)).toBe(true);
    expect(['Accounts', '-a', '_a', '+a', 'a b', 'a*', 'a,b', 'a:b', '.', '..', 'x'.repeat(256)].some(isIndexName)).toBe(false);
  });
});

describe('elasticsearchClientOptions', () => {
  it('maps nodes, API key auth, TLS, timeouts and compression onto the client, without sniffing', () => {
    const cfg = loadConfig({
      ELASTIC_NODE: 'https://es.internal:9243', ELASTIC_API_KEY: 'abc-key', ELASTIC_TLS_SERVERNAME: 'es.internal',
      ELASTIC_REQUEST_TIMEOUT_MS: '1234', ELASTIC_MAX_RETRIES: '1', ELASTIC_COMPRESSION: 'true',
    }).elasticsearch!;
    expect(elasticsearchClientOptions(cfg)).toMatchObject({
      nodes: ['https://es.internal:9243'], auth: { apiKey: 'abc-key' }, tls: { servername: 'es.internal', rejectUnauthorized: true },
      requestTimeout: 1234, maxRetries: 1, compression: true, sniffOnStart: false, sniffOnConnectionFault: false, sniffInterval: false,
    });
  });

  it('uses basic auth without an API key, and the cloud id instead of nodes', () => {
    const cfg = loadConfig({ ELASTIC_CLOUD_ID: CLOUD_ID, ELASTIC_USERNAME: 'elastic', ELASTIC_PASSWORD: 'pw-1234' }).elasticsearch!;
    const options = elasticsearchClientOptions(cfg);
    expect(options).toMatchObject({ cloud: { id: CLOUD_ID }, auth: { username: 'elastic', password: 'pw-1234' } });
    expect(options).not.toHaveProperty('nodes');
    expect(elasticsearchClientOptions(loadConfig({ ELASTIC_NODE: 'http://h:9200' }).elasticsearch!)).not.toHaveProperty('auth');
  });
});
