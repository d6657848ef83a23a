import 'reflect-metadata';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { startKafka, type KafkaServer } from '../../scripts/servers/kafka.js';
import { ProviderError } from '../../src/errors.js';
import { collect, createTopic, kafkaHarness, uniqueTopic } from '../helpers/kafka-servers.js';

const servers = inject('kafka');
const harness = kafkaHarness();
// Its own broker: this file kills and restarts it.
let broker: KafkaServer;

beforeAll(async () => {
  broker = await startKafka({ certs: servers.certs, user: { name: 'outage', password: 'outage-password' } });
}, 90_000);

afterAll(async () => {
  await broker?.stop();
});

afterEach(() => harness.disposeAll());

const setup = (retry: Record<string, string>) =>
  harness.setup({ LOG_LEVEL: 'silent', KAFKA_SERVICE_URI: `127.0.0.1:${broker.ports.plaintext}`, KAFKA_CONNECTION_TIMEOUT_MS: '1000', ...retry });

describe('Kafka broker outage (real broker, killed and restarted)', () => {
  it('a send against a dead broker retries per the policy, then fails', async () => {
    const { kafka, logs } = setup({ KAFKA_RETRY_RETRIES: '3', KAFKA_RETRY_INITIAL_DELAY_MS: '100', KAFKA_RETRY_MAX_DELAY_MS: '400' });
    const topic = uniqueTopic('dead');
    await createTopic(kafka, topic);
    const producer = kafka.producer();
    await producer.send({ topic, messages: [{ value: 'alive' }] });
    await broker.kill();
    try {
      const started = Date.now();
      const error = (await producer.send({ topic, messages: [{ value: 'lost?' }] }).catch((e: unknown) => e)) as Error;
      // A failed send is a ProviderError naming Kafka, with kafkajs' error as its cause.
      expect(error).toBeInstanceOf(ProviderError);
      expect((error as ProviderError).provider).toBe('kafka');
      expect((error.cause as Error).name).toMatch(/^KafkaJS/);
      expect(`${error.message} ${String(error.cause)}`).toMatch(/ECONNREFUSED/);
      expect(Date.now() - started).toBeLessThan(15_000);
      // Each reconnection loop makes 1 + KAFKA_RETRY_RETRIES attempts, with delays growing up to the cap.
      const attempts = logs.lines
        .map((line) => JSON.parse(line) as { kafkajs?: string; retryCount?: number; retryTime?: number })
        .filter((l) => l.kafkajs === 'BrokerPool' && l.retryCount !== undefined);
      expect(new Set(attempts.map((a) => a.retryCount))).toEqual(new Set([0, 1, 2, 3]));
      expect(Math.max(...attempts.map((a) => a.retryTime ?? 0))).toBeLessThanOrEqual(400);
      expect((await kafka.health({ timeoutMs: 1500 })).status).toBe('down');
    } finally {
      await broker.restart();
    }
  });

  it('sends issued while the broker is down are delivered once it comes back, and health recovers', async () => {
    // A retry budget (~55 s) well past a broker restart on a busy machine (up to ~20 s measured), so the sends wait for it.
    const { kafka } = setup({ KAFKA_RETRY_RETRIES: '30', KAFKA_RETRY_INITIAL_DELAY_MS: '200', KAFKA_RETRY_MAX_DELAY_MS: '2000' });
    const topic = uniqueTopic('outage');
    await createTopic(kafka, topic);
    const producer = kafka.producer();
    await producer.send({ topic, messages: [{ value: 'before' }] });
    expect((await kafka.health({ timeoutMs: 5000 })).status).toBe('up');

    await broker.kill();
    const during = Array.from({ length: 20 }, (_, i) => producer.send({ topic, messages: [{ value: `during-${i}` }] }));
    let settledEarly = false;
    void Promise.allSettled(during).then(() => (settledEarly = true));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(settledEarly).toBe(false);
    expect((await kafka.health({ timeoutMs: 1000 })).status).toBe('down');

    await broker.restart();
    const results = await Promise.allSettled(during);
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    await producer.send({ topic, messages: [{ value: 'after' }] });

    const received = await collect(kafka.consumer(uniqueTopic('outage-group')), topic, 22, 30_000);
    const values = new Set(received.map((m) => m.value?.toString()));
    for (const value of ['before', 'after', ...Array.from({ length: 20 }, (_, i) => `during-${i}`)]) expect(values).toContain(value);
    let health = await kafka.health({ timeoutMs: 5000 });
    for (let i = 0; i < 20 && health.status !== 'up'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      health = await kafka.health({ timeoutMs: 5000 });
    }
    expect(health.status).toBe('up');
  }, 120_000);
});
