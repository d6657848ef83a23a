import 'reflect-metadata';
import { createServer, type Server } from 'node:net';
import { createRequire } from 'node:module';
import type { Producer } from 'kafkajs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { freePort } from '../../../scripts/servers/process.js';
import { loadConfig } from '../../../src/config/index.js';
import { createDbContainer, disposeWithReport } from '../../../src/container.js';
import { ConfigError, ProviderError } from '../../../src/errors.js';
import { consumerMaxWaitMs, idempotenceOptions, kafkaJsOptions, KafkaProvider, toKafkaRetry } from '../../../src/providers/kafka.js';
import { SharedProducer } from '../../../src/providers/kafka-producer.js';
import { kafkaLogCreator, kafkaLogLevel } from '../../../src/providers/kafka-logging.js';
import { SocketPool } from '../../../src/providers/kafka-sockets.js';
import { createLogger } from '../../../src/providers/logger.js';
import { captureLogs } from '../../helpers/logs.js';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----';
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

describe('Kafka option mapping', () => {
  it('maps the retry policy onto kafkajs retry (factor = randomization, multiplier = growth)', () => {
    const policy = { retries: 7, initialDelayMs: 250, maxDelayMs: 8000, factor: 3, jitter: true };
    expect(toKafkaRetry(policy)).toEqual({ retries: 7, initialRetryTime: 250, maxRetryTime: 8000, multiplier: 3, factor: 0.2 });
    expect(toKafkaRetry({ ...policy, jitter: false }).factor).toBe(0);
  });

  it('builds kafkajs client options from the config: brokers, TLS, SASL, timeouts, logging, sockets', () => {
    const cfg = loadConfig({
      KAFKA_SERVICE_URI: 'b1.example.internal:25073,b2.example.internal:25073',
      KAFKA_CLIENT_ID: 'svc',
      KAFKA_SSL_CA: PEM,
      KAFKA_SSL_SERVERNAME: 'kafka.example.internal',
      KAFKA_SASL_MECHANISM: 'scram-sha-256',
      KAFKA_SASL_USERNAME: 'u',
      KAFKA_SASL_PASSWORD: 'p',
      KAFKA_CONNECTION_TIMEOUT_MS: '4000',
      KAFKA_REQUEST_TIMEOUT_MS: '9000',
    }).kafka!;
    let refuse = false;
    const pool = new SocketPool();
    const options = kafkaJsOptions(cfg, createLogger({ level: 'warn' }), pool, () => refuse);
    // A function, so that kafkajs' connect retry loop can be ended: an empty list is non-retriable for kafkajs.
    const brokers = options.brokers as () => string[];
    expect(brokers()).toEqual(['b1.example.internal:25073', 'b2.example.internal:25073']);
    refuse = true;
    expect(brokers()).toEqual([]);
    refuse = false;
    pool.close();
    expect(brokers()).toEqual([]);
    expect(options).toMatchObject({
      clientId: 'svc',
      ssl: { ca: PEM, servername: 'kafka.example.internal', rejectUnauthorized: true },
      sasl: { mechanism: 'scram-sha-256', username: 'u', password: 'p' },
      connectionTimeout: 4000,
      requestTimeout: 9000,
      logLevel: 2,
    });
    expect(typeof options.socketFactory).toBe('function');
    expect(typeof options.logCreator).toBe('function');
    const plain = kafkaJsOptions(loadConfig({ KAFKA_SERVICE_URI: '127.0.0.1:9092' }).kafka!, createLogger(), new SocketPool());
    expect(plain.ssl).toBeUndefined();
    const remote = kafkaJsOptions(loadConfig({ KAFKA_SERVICE_URI: 'b1.example.internal:9093' }).kafka!, createLogger(), new SocketPool());
    expect(remote.ssl).toEqual({ rejectUnauthorized: true });
    expect(plain.sasl).toBeUndefined();
  });
});

describe('kafkajs log bridge', () => {
  it('asks kafkajs only for the levels the logger prints', () => {
    const levels = ['silent', 'fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
    expect(levels.map((level) => kafkaLogLevel(createLogger({ level })))).toEqual([0, 1, 1, 2, 4, 5, 5]);
  });

  it('writes kafkajs lines to pino with the namespace, fields redacted, repeats of an error demoted to debug', () => {
    const { logger, lines } = captureLogs();
    const log = kafkaLogCreator(logger)(5 as never);
    const entry = (level: number, message: string, extra: Record<string, unknown> = {}) =>
      log({ namespace: 'Connection', level: level as never, label: '', log: { timestamp: 't', logger: 'kafkajs', message, ...extra } });
    entry(1, 'Connection error: connect ECONNREFUSED', { broker: '127.0.0.1:1' });
    entry(1, 'Connection error: connect ECONNREFUSED', { broker: '127.0.0.1:1' });
    entry(2, 'slow');
    entry(4, 'Starting', { sasl: { mechanism: 'plain', password: 'leaked?' } });
    entry(5, 'Connecting');
    const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(parsed.map((l) => [l.level, l.msg])).toEqual([
      [50, 'Connection error: connect ECONNREFUSED'],
      [20, 'Connection error: connect ECONNREFUSED (repeated)'],
      [40, 'slow'],
      [30, 'Starting'],
      [20, 'Connecting'],
    ]);
    expect(parsed[0]).toMatchObject({ kafkajs: 'Connection', broker: '127.0.0.1:1' });
    expect(parsed[0]).not.toHaveProperty('timestamp');
    expect(lines.join('\n')).not.toContain('leaked?');
  });
});

describe('KafkaProvider without a broker', () => {
  it('unconfigured: registered, health not_configured, using it throws a ConfigError naming KAFKA_SERVICE_URI', async () => {
    const c = createDbContainer({ env: {}, logger: captureLogs().logger });
    const kafka = c.resolve(KafkaProvider);
    expect(kafka.isConfigured).toBe(false);
    expect((await kafka.health()).status).toBe('not_configured');
    expect(() => kafka.client).toThrow(ConfigError);
    expect(() => kafka.producer()).toThrow(/KAFKA_SERVICE_URI/);
    expect(() => kafka.consumer('g')).toThrow(/KAFKA_SERVICE_URI/);
    const report = await disposeWithReport(c);
    expect(report.providers.filter((r) => r.provider.startsWith('kafka'))).toEqual([
      { provider: 'kafka-consumers', phase: 'consumers', status: 'not_initialized', ms: 0 },
      { provider: 'kafka', phase: 'producers', status: 'not_initialized', ms: 0 },
    ]);
  });

  it('gives consumers a fetch long-poll of a quarter of the shutdown deadline (their disconnect waits for it); options win', async () => {
    expect([1000, 10_000, 30_000, 100].map(consumerMaxWaitMs)).toEqual([250, 2500, 5000, 100]);
    const { Kafka } = createRequire(import.meta.url)('kafkajs') as typeof import('kafkajs');
    const spy = vi.spyOn(Kafka.prototype, 'consumer');
    cleanups.push(() => spy.mockRestore());
    const c = createDbContainer({ env: { KAFKA_SERVICE_URI: `127.0.0.1:${await freePort()}`, DB_SHUTDOWN_TIMEOUT_MS: '8000' }, logger: captureLogs().logger });
    cleanups.push(() => c.dispose());
    const kafka = c.resolve(KafkaProvider);
    kafka.consumer('default-wait');
    kafka.consumer('own-wait', { maxWaitTimeInMs: 300 });
    expect(spy.mock.calls.map(([options]) => [options?.groupId, options?.maxWaitTimeInMs])).toEqual([['default-wait', 2000], ['own-wait', 300]]);
  });

  it('a consumer that never connected is closed in the consumers phase without dialling', async () => {
    const c = createDbContainer({ env: { KAFKA_SERVICE_URI: `127.0.0.1:${await freePort()}` }, logger: captureLogs().logger });
    const kafka = c.resolve(KafkaProvider);
    kafka.consumer('idle-group');
    expect(kafka.isBuilt).toBe(true);
    const report = await disposeWithReport(c);
    expect(report.providers.find((r) => r.provider === 'kafka-consumers')).toMatchObject({ status: 'closed' });
    expect(report.providers.find((r) => r.provider === 'kafka')).toMatchObject({ status: 'closed' });
  });

  it('connect() to a port nobody listens on fails with a ProviderError; the next send tries again', async () => {
    const { logger, lines } = captureLogs();
    const port = await freePort();
    const c = createDbContainer({
      env: { KAFKA_SERVICE_URI: `127.0.0.1:${port}`, KAFKA_RETRY_RETRIES: '1', KAFKA_RETRY_INITIAL_DELAY_MS: '10' },
      logger,
    });
    cleanups.push(() => c.dispose());
    const kafka = c.resolve(KafkaProvider);
    const error = await kafka.connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).provider).toBe('kafka');
    expect((error as Error).message).toMatch(/^\[kafka\] producer connect failed: .*ECONNREFUSED/);
    const attemptsAfterConnect = lines.filter((line) => line.includes('"msg":"Connecting"')).length;
    expect(attemptsAfterConnect).toBe(2);
    await expect(kafka.producer().send({ topic: 't', messages: [{ value: 'x' }] })).rejects.toBeInstanceOf(ProviderError);
    expect(lines.filter((line) => line.includes('"msg":"Connecting"')).length).toBe(2 * attemptsAfterConnect);
    expect((await kafka.health({ timeoutMs: 1000 })).status).toBe('down');
  });
});

describe('SocketPool', () => {
  it('tracks the sockets it opens, destroys them, and refuses new ones once closed', async () => {
    const server: Server = createServer((socket) => socket.on('error', () => undefined));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    const { port } = server.address() as { port: number };
    const pool = new SocketPool();
    const factory = pool.factory();
    await new Promise<void>((resolve) => factory({ host: '127.0.0.1', port, ssl: undefined as never, onConnect: resolve }));
    expect(pool.size).toBe(1);
    expect(pool.destroy()).toBe(1);
    expect(pool.size).toBe(0);
    expect(() => factory({ host: '127.0.0.1', port, ssl: undefined as never, onConnect: () => undefined })).toThrow(
      /the Kafka provider is shutting down/,
    );
  });
});

describe('Shared producer: acks and idempotence', () => {
  it('KAFKA_IDEMPOTENT reaches kafkajs with Kafka\'s in-flight cap; off by default', async () => {
    const on = loadConfig({ KAFKA_SERVICE_URI: '127.0.0.1:9092', KAFKA_IDEMPOTENT: 'true' }).kafka!;
    expect(idempotenceOptions(on)).toEqual({ idempotent: true, maxInFlightRequests: 5 });
    expect(idempotenceOptions(loadConfig({ KAFKA_SERVICE_URI: '127.0.0.1:9092' }).kafka!)).toEqual({ idempotent: false });
    const { Kafka } = createRequire(import.meta.url)('kafkajs') as typeof import('kafkajs');
    const spy = vi.spyOn(Kafka.prototype, 'producer');
    cleanups.push(() => spy.mockRestore());
    const c = createDbContainer({ env: { KAFKA_SERVICE_URI: `127.0.0.1:${await freePort()}`, KAFKA_IDEMPOTENT: 'true' }, logger: captureLogs().logger });
    cleanups.push(() => c.dispose());
    c.resolve(KafkaProvider).producer();
    expect(spy.mock.calls[0]?.[0]).toMatchObject({ idempotent: true, maxInFlightRequests: 5 });
  });

  it('sends ask for acks=-1 unless the caller sets acks; a kafkajs failure rejects as a ProviderError with it as cause', async () => {
    const sent: Array<{ acks?: number }> = [];
    let failure: Error | undefined;
    const raw = {
      connect: async () => undefined,
      disconnect: async () => undefined,
      send: async (record: { acks?: number }) => {
        sent.push(record);
        if (failure) throw failure;
        return [];
      },
      sendBatch: async (batch: { acks?: number }) => {
        sent.push(batch);
        return [];
      },
    } as unknown as Producer;
    const { producer } = new SharedProducer(raw, () => false);
    await producer.send({ topic: 't', messages: [{ value: 'x' }] });
    await producer.send({ topic: 't', messages: [{ value: 'x' }], acks: 1 });
    await producer.sendBatch({ topicMessages: [{ topic: 't', messages: [{ value: 'x' }] }] });
    expect(sent.map((record) => record.acks)).toEqual([-1, 1, -1]);

    failure = Object.assign(new Error('Not authorized to access topics'), { name: 'KafkaJSProtocolError', retriable: false });
    const error = await producer.send({ topic: 't', messages: [{ value: 'x' }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).provider).toBe('kafka');
    expect((error as Error).message).toBe('[kafka] send failed: Not authorized to access topics');
    expect(((error as Error).cause as Error).name).toBe('KafkaJSProtocolError');
  });
});
