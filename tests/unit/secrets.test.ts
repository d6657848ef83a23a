import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { safeText } from '../../src/sanitize.js';
import { clearSecretsForTests, registerConfigSecrets, scrubSecrets } from '../../src/secrets.js';
import { base64Forms, passwordForms } from '../helpers/leaks.js';

// The registry scrubs the plain forms of a secret and also the forms a client derives from it on the wire: base64
// of `user:password` (HTTP basic auth) and of `\0user\0password` (SASL PLAIN), in every spelling a header, a JSON
// body or a URL may carry.

/** `/` and `:` percent-encode; with the user `elastic`, base64 of `user:password` has `+`, `/` and padding. */
const PASSWORD = 'p@ss/w:rd?é~~';

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

function expectScrubbed(forms: readonly string[]): void {
  for (const form of forms) {
    for (const scrub of [scrubSecrets, safeText]) {
      const echoed = scrub(`{"error":"missing authentication credentials","header":"Basic ${form}"} ${form}`);
      expect(echoed, `${scrub.name} left ${JSON.stringify(form)}`).not.toContain(form);
      expect(echoed).toContain('***');
    }
  }
}

afterEach(() => clearSecretsForTests());

describe('registerConfigSecrets: the forms credentials take on the wire', () => {
  it('Elasticsearch basic auth: base64 of user:password, padded, bare, base64url, JSON-escaped and percent-encoded', () => {
    registerConfigSecrets(loadConfig({ ELASTIC_NODE: 'http://127.0.0.1:9200', ELASTIC_USERNAME: 'elastic', ELASTIC_PASSWORD: PASSWORD }));
    const forms = base64Forms(`elastic:${PASSWORD}`);
    // The forms really differ from each other (the password was chosen for it).
    expect(forms[0]).toMatch(/\+.*==$/);
    expect(forms[0]).toContain('/');
    expect(forms).toHaveLength(6);
    expectScrubbed(forms);
    expectScrubbed(passwordForms(PASSWORD));
    // The latin1 reading of the UTF-8 bytes (how Node decodes a header value or a byte buffer) too.
    expectScrubbed([Buffer.from(PASSWORD, 'utf8').toString('latin1')]);
  });

  it('URL credentials (Redis, MongoDB, Prisma), decoded as the drivers decode them', () => {
    const url = (scheme: string, user: string, rest: string) => `${scheme}://${user}:${encodeURIComponent(PASSWORD)}@127.0.0.1${rest}`;
    registerConfigSecrets(loadConfig({
      REDIS_URL: url('redis', 'cache%2Duser', ':6379/0'),
      MONGODB_URL: url('mongodb', 'mongo-app', ':27017/ratecreator'),
      DATABASE_URL_ONLINE: url('mongodb', 'prisma-app', ':27017/ratecreator'),
    }));
    for (const user of ['cache-user', 'mongo-app', 'prisma-app']) expectScrubbed(base64Forms(`${user}:${PASSWORD}`));
    // A Redis password without a user name is sent with an empty one.
    registerConfigSecrets(loadConfig({ REDIS_URL: 'redis://:only-a-password-17@127.0.0.1:6379' }));
    expectScrubbed(base64Forms(':only-a-password-17'));
  });

  it('Kafka SASL: base64 of the PLAIN message (\\0user\\0password) and of user:password', () => {
    registerConfigSecrets(loadConfig({
      KAFKA_SERVICE_URI: '127.0.0.1:9092', KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'app', KAFKA_SASL_PASSWORD: PASSWORD,
    }));
    expectScrubbed([...base64Forms(`\0app\0${PASSWORD}`), ...base64Forms(`app:${PASSWORD}`)]);
  });

  it('MongoDB PLAIN: base64 of \\0user\\0password from the URL', () => {
    registerConfigSecrets(loadConfig({ MONGODB_URL: `mongodb://ldap-user:${encodeURIComponent(PASSWORD)}@127.0.0.1/db?authMechanism=PLAIN` }));
    expectScrubbed(base64Forms(`\0ldap-user\0${PASSWORD}`));
  });

  it('leaves text without a secret alone, and registering the same config again changes nothing', () => {
    const config = loadConfig({ ELASTIC_NODE: 'http://127.0.0.1:9200', ELASTIC_USERNAME: 'elastic', ELASTIC_PASSWORD: PASSWORD });
    registerConfigSecrets(config);
    registerConfigSecrets(config);
    const text = `Basic ${b64('elastic:another-password')} ZWxhc3RpYw== user elastic`;
    expect(scrubSecrets(text)).toBe(text);
  });
});
