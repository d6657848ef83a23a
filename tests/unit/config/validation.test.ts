// Issue 11, class 3: configuration that flows into a host name, a database name or a URL is validated where it is read,
// and no ConfigError quotes the value it rejects (a pasted key, a password inside a URL).
import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import { isDnsName, isIPv4Address, isIPv6Address, splitUrl } from '../../../src/config/env.js';
import { configError } from '../../helpers/config-error.js';

const SECRET = 'Zq9-secret/Val?ue#x';

describe('config validation where values become host names, database names or URLs', () => {
  it.each([
    ['ALGOLIA_APP_ID', { ALGOLIA_APP_ID: 'evil.example.com/x', ALGOLIA_SEARCH_API_KEY: 'k' }, /ALGOLIA_APP_ID: the application id: letters and digits only/],
    ['ALGOLIA_APP_ID (space)', { ALGOLIA_APP_ID: 'APP 1', ALGOLIA_SEARCH_API_KEY: 'k' }, /ALGOLIA_APP_ID: the application id/],
    ['NEXT_PUBLIC_ALGOLIA_APP_ID', { NEXT_PUBLIC_ALGOLIA_APP_ID: 'a-b', ALGOLIA_SEARCH_API_KEY: 'k' }, /NEXT_PUBLIC_ALGOLIA_APP_ID: the application id/],
    ['ALGOLIA_HOSTS', { ALGOLIA_APP_ID: 'APP1', ALGOLIA_SEARCH_API_KEY: 'k', ALGOLIA_HOSTS: 'http://bad host:80' }, /ALGOLIA_HOSTS: comma-separated/],
    ['REDIS_HOST with a port', { REDIS_HOST: 'cache.internal:6379' }, /REDIS_HOST: a host name or IP address only .*REDIS_PORT/],
    ['REDIS_HOST with a scheme', { REDIS_HOST: 'redis://cache.internal' }, /REDIS_HOST: a host name or IP address only/],
    ['REDIS_SENTINELS', { REDIS_MODE: 'sentinel', REDIS_SENTINEL_NAME: 'm', REDIS_SENTINELS: 'a:26379,b c:1' }, /REDIS_SENTINELS: comma-separated host:port/],
    ['REDIS_TLS_SERVERNAME as a URL', { REDIS_HOST: 'cache.example.com', REDIS_TLS_SERVERNAME: 'https://cache.example.com' }, /REDIS_TLS_SERVERNAME: a DNS host name for SNI/],
    ['MONGODB_TLS_SERVERNAME as an IP', { MONGODB_URL: 'mongodb://db.internal/x', MONGODB_TLS_SERVERNAME: '10.0.0.1' }, /MONGODB_TLS_SERVERNAME: a DNS host name/],
    ['KAFKA_SSL_SERVERNAME with a port', { KAFKA_SERVICE_URI: 'k.example.com:9093', KAFKA_SSL_SERVERNAME: 'k.example.com:9093' }, /KAFKA_SSL_SERVERNAME: a DNS host name/],
    ['KAFKA_SERVICE_URI host', { KAFKA_SERVICE_URI: 'good:9092,bad_host!:9092' }, /KAFKA_SERVICE_URI: comma-separated host:port/],
    ['MONGODB_DB_NAME with a dot', { MONGODB_URL: 'mongodb://db.internal/x', MONGODB_DB_NAME: 'rate.creator' }, /MONGODB_DB_NAME: a MongoDB database name/],
    ['database name in the URL path', { MONGODB_URL: 'mongodb://db.internal/rate$creator' }, /MONGODB_URL: .*database name/],
    ['MongoDB host list', { MONGODB_URL: 'mongodb://db.internal:99999/x' }, /MONGODB_URL: .*port 1-65535/],
    ['mongodb+srv with a port', { MONGODB_URL: 'mongodb+srv://cluster.example.net:27017/x' }, /MONGODB_URL: .*one DNS host name without a port/],
  ])('%s is rejected where it is read, naming the variable', (_case, env, pattern) => {
    const error = configError(env as Record<string, string>);
    expect(error.message).toMatch(pattern);
  });

  it.each([
    ['MONGODB_URL', `mongodb://app:${SECRET}@db.internal:27017/rc`],
    ['DATABASE_URL_ONLINE', `mongodb+srv://app:${SECRET}@cluster0.example.net/rc`],
    ['REDIS_URL', `redis://app:${SECRET}@cache.internal:6379/0`],
  ])('%s with an unescaped reserved character in its password: a ConfigError asking to percent-encode, quoting nothing', (variable, url) => {
    const error = configError({ [variable]: url });
    expect(error.message).toContain(`${variable}:`);
    expect(error.message).toMatch(/percent-encode special characters/);
    for (const piece of [SECRET, 'Zq9-secret', 'Val?ue', 'ue#x']) expect(error.message).not.toContain(piece);
    // The shape hint survives the package's own credential stripping (it must not read as a URL with credentials).
    expect(error.message).toMatch(/credentials as user:password@ before the host/);
    expect(error.message).not.toContain('***');
  });

  it('the same URL percent-encoded is accepted and its target holds no part of the password', () => {
    const config = loadConfig({ MONGODB_URL: `mongodb://app:${encodeURIComponent(SECRET)}@db.internal:27017/rc` });
    expect(config.mongo?.target).toBe('mongodb://db.internal:27017/rc');
    expect(config.mongo?.dbName).toBe('rc');
  });

  it('PEM text pasted into a *_FILE variable is named, never echoed', () => {
    const body = 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7secretbody';
    const pem = `-----BEGIN PRIVATE KEY-----\\n${body}\\n-----END PRIVATE KEY-----`;
    for (const env of <Array<Record<string, string>>>[
      { REDIS_HOST: 'cache.example.com', REDIS_TLS_KEY_FILE: pem, REDIS_TLS_CERT: '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----' },
      { REDIS_HOST: 'cache.example.com', REDIS_TLS_CA_FILE: body },
    ]) {
      const error = configError(env);
      // Pasted PEM is recognised as such; a bare base64 body reads as a path that does not exist. Neither is quoted.
      expect(error.message).toMatch(/REDIS_TLS_(KEY_FILE: a path to a PEM file; the variable holds PEM text|CA_FILE: a readable PEM file with the CA certificate \(ENOENT\))/);
      expect(error.message).not.toContain(body);
      expect(error.message).not.toContain('secretbody');
      expect(JSON.stringify(error.issues)).not.toContain('secretbody');
    }
  });

  it('host, address and URL helpers agree with the rules they state', () => {
    expect(['cache', 'cache.internal', 'redis_1', 'a-b.example.com.'].map(isDnsName)).toEqual([true, true, true, true]);
    expect(['-a', 'a-', 'a..b', 'a b', 'host:1', '10.0.0.256', 'x'.repeat(64)].map(isDnsName)).toEqual([false, false, false, false, false, false, false]);
    expect(['127.0.0.1', '255.255.255.255', '01.2.3.4', '1.2.3', '256.1.1.1'].map(isIPv4Address)).toEqual([true, true, false, false, false]);
    expect(['::1', 'fe80::1%eth0', '2001:db8::192.0.2.1', '1:2:3:4:5:6:7:8', '1::2::3', 'g::1'].map(isIPv6Address)).toEqual([
      true, true, true, true, false, false,
    ]);
    expect(splitUrl('mongodb://u:p/a@ss@h1,h2:1/db?x=1')).toEqual({
      scheme: 'mongodb', userinfo: 'u:p/a@ss', authority: 'h1,h2:1', path: 'db', query: 'x=1', fragment: false,
    });
    expect(splitUrl('not a url')).toBeUndefined();
  });
});
