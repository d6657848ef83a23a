import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, loadConfig } from '../../../src/config/index.js';
import { configError } from '../../helpers/config-error.js';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIBkafkaca\n-----END CERTIFICATE-----';
const REMOTE = 'broker-1.example.internal:25073,broker-2.example.internal';

describe('loadConfig: Kafka section', () => {
  it('is absent without KAFKA_SERVICE_URI, and says so when other KAFKA_* variables are set', () => {
    expect(loadConfig({}).kafka).toBeUndefined();
    const config = loadConfig({ KAFKA_USERNAME: 'app', KAFKA_PASSWORD: 'hunter2-secret' });
    expect(config.kafka).toBeUndefined();
    expect(config.warnings.join('\n')).toMatch(/KAFKA_USERNAME, KAFKA_PASSWORD set but KAFKA_SERVICE_URI is not/);
    expect(config.warnings.join('\n')).not.toContain('hunter2-secret');
  });

  it('reads the broker list (scheme tolerated, default port 9092) with the documented defaults', () => {
    const kafka = loadConfig({ KAFKA_SERVICE_URI: `kafka://${REMOTE}` }).kafka!;
    expect(kafka).toMatchObject({
      brokers: ['broker-1.example.internal:25073', 'broker-2.example.internal:9092'],
      clientId: 'ratecreator-app',
      connectionTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      allowAutoTopicCreation: false,
      partitioner: 'legacy',
      idempotent: false,
      retry: { retries: 5, initialDelayMs: 100, maxDelayMs: 5000, factor: 2, jitter: true },
      target: 'kafka+ssl://broker-1.example.internal:25073,broker-2.example.internal:9092',
    });
    expect(kafka.tls).toEqual({ rejectUnauthorized: true });
    expect(kafka.sasl).toBeUndefined();
    expect(Object.isFrozen(kafka)).toBe(true);
  });

  it('TLS is on by default for remote brokers, off for loopback, and an explicit KAFKA_SSL wins', () => {
    expect(loadConfig({ KAFKA_SERVICE_URI: '127.0.0.1:9092' }).kafka!.tls).toBeUndefined();
    expect(loadConfig({ KAFKA_SERVICE_URI: 'localhost' }).kafka!.target).toBe('kafka://localhost:9092');
    expect(loadConfig({ KAFKA_SERVICE_URI: REMOTE, KAFKA_SSL: 'false' }).kafka!.tls).toBeUndefined();
    expect(loadConfig({ KAFKA_SERVICE_URI: '127.0.0.1:9093', KAFKA_SSL: 'true', KAFKA_SSL_CA: PEM }).kafka!.tls).toEqual({
      ca: PEM,
      rejectUnauthorized: true,
    });
  });

  it('reads PEM from files and inline values with literal \\n sequences', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kafka-config-'));
    writeFileSync(join(dir, 'ca.pem'), `${PEM}\n`);
    const fromFile = loadConfig({ KAFKA_SERVICE_URI: REMOTE, KAFKA_SSL_CA_FILE: join(dir, 'ca.pem') }).kafka!;
    expect(fromFile.tls?.ca).toBe(`${PEM}\n`);
    const inline = loadConfig({ KAFKA_SERVICE_URI: REMOTE, KAFKA_SSL_CA: PEM.replace(/\n/g, '\\n') }).kafka!;
    expect(inline.tls?.ca).toBe(PEM);
  });

  it('SASL: the mechanism is case-insensitive and required with KAFKA_SASL_USERNAME', () => {
    const kafka = loadConfig({
      KAFKA_SERVICE_URI: REMOTE,
      KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
      KAFKA_SASL_USERNAME: 'app',
      KAFKA_SASL_PASSWORD: 'pw',
    }).kafka!;
    expect(kafka.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'app', password: 'pw' });
    const error = configError({ KAFKA_SERVICE_URI: REMOTE, KAFKA_SASL_USERNAME: 'app', KAFKA_SASL_PASSWORD: 'pw-do-not-echo' });
    expect(error.message).toMatch(/KAFKA_SASL_MECHANISM: one of plain, scram-sha-256, scram-sha-512 \(required with SASL credentials\)/);
    expect(error.message).not.toContain('pw-do-not-echo');
  });

  it('the original names keep working: KAFKA_USERNAME / KAFKA_PASSWORD (PLAIN, as before) and KAFKA_CA_CERT with \\n', () => {
    const kafka = loadConfig({
      KAFKA_SERVICE_URI: '127.0.0.1:25073',
      KAFKA_USERNAME: 'doadmin',
      KAFKA_PASSWORD: 'legacy-secret',
      KAFKA_CA_CERT: PEM.replace(/\n/g, '\\n'),
    }).kafka!;
    expect(kafka.sasl).toEqual({ mechanism: 'plain', username: 'doadmin', password: 'legacy-secret' });
    // The original package always used TLS with its CA, loopback or not.
    expect(kafka.tls).toEqual({ ca: PEM, rejectUnauthorized: true });
    expect(kafka.target).toBe('kafka+ssl://127.0.0.1:25073');
  });

  it('a new name wins over its original twin', () => {
    const kafka = loadConfig({
      KAFKA_SERVICE_URI: REMOTE,
      KAFKA_SASL_MECHANISM: 'scram-sha-256',
      KAFKA_SASL_USERNAME: 'new-user',
      KAFKA_SASL_PASSWORD: 'new-pw',
      KAFKA_USERNAME: 'old-user',
      KAFKA_PASSWORD: 'old-pw',
      KAFKA_SSL_CA: PEM,
      KAFKA_CA_CERT: 'ignored',
    }).kafka!;
    expect(kafka.sasl).toEqual({ mechanism: 'scram-sha-256', username: 'new-user', password: 'new-pw' });
    expect(kafka.tls?.ca).toBe(PEM);
  });

  it('reports every invalid variable at once, by name, without echoing a value', () => {
    const error = configError({
      KAFKA_SERVICE_URI: 'broker:notaport',
      KAFKA_CONNECTION_TIMEOUT_MS: '0',
      KAFKA_REQUEST_TIMEOUT_MS: 'soon',
      KAFKA_ALLOW_AUTO_TOPIC_CREATION: 'perhaps',
      KAFKA_PARTITIONER: 'random',
      KAFKA_SASL_MECHANISM: 'gssapi',
      KAFKA_SASL_PASSWORD: 'pw-never-echoed',
      KAFKA_SSL: 'sometimes',
      KAFKA_SSL_CERT: PEM,
      KAFKA_RETRY_RETRIES: '-1',
    });
    expect(error.issues.map((issue) => issue.variable).sort()).toEqual([
      'KAFKA_ALLOW_AUTO_TOPIC_CREATION', 'KAFKA_CONNECTION_TIMEOUT_MS', 'KAFKA_PARTITIONER', 'KAFKA_REQUEST_TIMEOUT_MS',
      'KAFKA_RETRY_RETRIES', 'KAFKA_SASL_MECHANISM', 'KAFKA_SASL_USERNAME', 'KAFKA_SERVICE_URI', 'KAFKA_SSL', 'KAFKA_SSL_KEY',
    ]);
    expect(error.message).toMatch(/KAFKA_SERVICE_URI: comma-separated host:port list/);
    expect(error.message).toMatch(/KAFKA_SSL_KEY: client certificate and key are set together/);
    for (const value of ['notaport', 'soon', 'perhaps', 'random', 'gssapi', 'pw-never-echoed', 'sometimes']) {
      expect(error.message).not.toContain(value);
    }
  });

  it('an invalid KAFKA_CA_CERT is reported under its own name', () => {
    const error = configError({ KAFKA_SERVICE_URI: REMOTE, KAFKA_CA_CERT: 'not a certificate' });
    expect(error.issues).toEqual([{ variable: 'KAFKA_CA_CERT', expected: 'the CA certificate as PEM text starting with -----BEGIN' }]);
  });

  it('warns when PLAIN credentials would cross the network without TLS, and when verification is off', () => {
    const plain = loadConfig({
      KAFKA_SERVICE_URI: REMOTE,
      KAFKA_SSL: 'false',
      KAFKA_SASL_MECHANISM: 'plain',
      KAFKA_SASL_USERNAME: 'app',
      KAFKA_SASL_PASSWORD: 'pw-not-in-warnings',
    });
    expect(plain.warnings.join('\n')).toMatch(/KAFKA_SASL_MECHANISM=plain without KAFKA_SSL/);
    const unverified = loadConfig({ KAFKA_SERVICE_URI: REMOTE, KAFKA_SSL_REJECT_UNAUTHORIZED: 'false' });
    expect(unverified.kafka!.tls?.rejectUnauthorized).toBe(false);
    expect(unverified.warnings.join('\n')).toMatch(/KAFKA_SSL_REJECT_UNAUTHORIZED=false/);
    expect(plain.warnings.join('\n')).not.toContain('pw-not-in-warnings');
  });

  it('maps the retry, timeout, topic-creation and partitioner variables', () => {
    const kafka = loadConfig({
      KAFKA_SERVICE_URI: REMOTE,
      KAFKA_CLIENT_ID: 'reviews-api',
      KAFKA_CONNECTION_TIMEOUT_MS: '3000',
      KAFKA_REQUEST_TIMEOUT_MS: '15000',
      KAFKA_ALLOW_AUTO_TOPIC_CREATION: 'true',
      KAFKA_PARTITIONER: 'default',
      KAFKA_RETRY_RETRIES: '8',
      KAFKA_RETRY_INITIAL_DELAY_MS: '250',
      KAFKA_RETRY_MAX_DELAY_MS: '30000',
      KAFKA_RETRY_FACTOR: '1.5',
      KAFKA_RETRY_JITTER: 'false',
    }).kafka!;
    expect(kafka).toMatchObject({
      clientId: 'reviews-api',
      connectionTimeoutMs: 3000,
      requestTimeoutMs: 15_000,
      allowAutoTopicCreation: true,
      partitioner: 'default',
      retry: { retries: 8, initialDelayMs: 250, maxDelayMs: 30_000, factor: 1.5, jitter: false },
    });
  });

  it('KAFKA_IDEMPOTENT: off by default (as in kafkajs), read as a boolean, and rejected without retries', () => {
    expect(loadConfig({ KAFKA_SERVICE_URI: REMOTE }).kafka!.idempotent).toBe(false);
    expect(loadConfig({ KAFKA_SERVICE_URI: REMOTE, KAFKA_IDEMPOTENT: 'true' }).kafka!.idempotent).toBe(true);
    expect(loadConfig({ KAFKA_SERVICE_URI: REMOTE, KAFKA_IDEMPOTENT: 'false' }).kafka!.idempotent).toBe(false);
    const invalid = configError({ KAFKA_SERVICE_URI: REMOTE, KAFKA_IDEMPOTENT: 'exactly-once-please' });
    expect(invalid.issues).toEqual([{ variable: 'KAFKA_IDEMPOTENT', expected: 'true or false' }]);
    expect(invalid.message).toMatch(/KAFKA_IDEMPOTENT: true or false/);
    expect(invalid.message).not.toContain('exactly-once-please');
    // kafkajs refuses an idempotent producer that may not retry: reported at load time, with the other issues.
    const noRetry = configError({ KAFKA_SERVICE_URI: REMOTE, KAFKA_IDEMPOTENT: 'true', KAFKA_RETRY_RETRIES: '0', KAFKA_PARTITIONER: 'x' });
    expect(noRetry.issues.map((issue) => issue.variable).sort()).toEqual(['KAFKA_IDEMPOTENT', 'KAFKA_PARTITIONER']);
    expect(noRetry.message).toMatch(/KAFKA_IDEMPOTENT: false when KAFKA_RETRY_RETRIES is 0/);
    expect(loadConfig({ KAFKA_SERVICE_URI: REMOTE, KAFKA_IDEMPOTENT: 'false', KAFKA_RETRY_RETRIES: '0' }).kafka!.idempotent).toBe(false);
    // Without KAFKA_SERVICE_URI it is one more Kafka variable that leaves Kafka unconfigured, with a warning.
    expect(loadConfig({ KAFKA_IDEMPOTENT: 'true' }).warnings.join('\n')).toMatch(/KAFKA_IDEMPOTENT set but KAFKA_SERVICE_URI is not/);
  });

  it('lists every Kafka variable, original names included, in CONFIG_VARIABLES', () => {
    for (const name of [
      'KAFKA_SERVICE_URI', 'KAFKA_CLIENT_ID', 'KAFKA_SSL', 'KAFKA_SSL_CA', 'KAFKA_SSL_CA_FILE', 'KAFKA_SSL_CERT_FILE',
      'KAFKA_SSL_KEY_FILE', 'KAFKA_SSL_REJECT_UNAUTHORIZED', 'KAFKA_SASL_MECHANISM', 'KAFKA_SASL_USERNAME',
      'KAFKA_SASL_PASSWORD', 'KAFKA_CONNECTION_TIMEOUT_MS', 'KAFKA_REQUEST_TIMEOUT_MS', 'KAFKA_ALLOW_AUTO_TOPIC_CREATION',
      'KAFKA_PARTITIONER', 'KAFKA_IDEMPOTENT', 'KAFKA_RETRY_RETRIES', 'KAFKA_USERNAME', 'KAFKA_PASSWORD', 'KAFKA_CA_CERT',
    ]) {
      expect(CONFIG_VARIABLES).toContain(name);
    }
  });
});
