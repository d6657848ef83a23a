import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { ProviderError } from '../../src/errors.js';
import { KafkaProvider } from '../../src/providers/kafka.js';
import { collect, createTopic, kafkaEnv, kafkaHarness, uniqueTopic } from '../helpers/kafka-servers.js';

const servers = inject('kafka');
const harness = kafkaHarness();

afterEach(() => harness.disposeAll());

const setup = (env: Record<string, string>) => harness.setup(env);

/** Message, stack and own fields of an error and every cause under it, as one text. */
function everything(error: unknown): string {
  const parts: string[] = [];
  for (let e = error as (Error & { cause?: unknown }) | undefined, depth = 0; e && depth < 10; e = e.cause as typeof e, depth++) {
    parts.push(String(e.message), String(e.stack), JSON.stringify(e, Object.getOwnPropertyNames(e)));
  }
  return parts.join('\n');
}

async function roundTrip(kafka: KafkaProvider): Promise<void> {
  const topic = uniqueTopic('secure');
  await createTopic(kafka, topic);
  await kafka.producer().send({ topic, messages: [{ value: 'secret-free payload' }] });
  const [message] = await collect(kafka.consumer(uniqueTopic('secure-group')), topic, 1);
  expect(message?.value?.toString()).toBe('secret-free payload');
}

describe('Kafka over TLS and SASL (real broker)', () => {
  it('SSL with the right CA: produce, consume, health up', async () => {
    const { kafka } = setup(kafkaEnv(servers, 'ssl'));
    await roundTrip(kafka);
    expect((await kafka.health({ timeoutMs: 5000 })).status).toBe('up');
  });

  it('SSL with a CA that did not sign the broker certificate fails with a ProviderError naming Kafka', async () => {
    const { kafka } = setup(kafkaEnv(servers, 'ssl', { KAFKA_SSL_CA_FILE: servers.certs.wrongCaFile }));
    const error = await kafka.connect().then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).provider).toBe('kafka');
    expect((error as Error).message).toMatch(/^\[kafka\] producer connect failed: /);
    expect((error as Error).message).toMatch(/certificate/i);
    expect((error as Error).cause).toBeDefined();
    expect((await kafka.health({ timeoutMs: 3000 })).status).toBe('down');
  });

  it('mutual TLS: a client certificate from the CA gets in; none is refused', async () => {
    await roundTrip(setup(kafkaEnv(servers, 'mtls')).kafka);
    const env = kafkaEnv(servers, 'mtls');
    delete env.KAFKA_SSL_CERT_FILE;
    delete env.KAFKA_SSL_KEY_FILE;
    await expect(setup(env).kafka.connect()).rejects.toBeInstanceOf(ProviderError);
  });

  for (const mechanism of ['scram-sha-512', 'scram-sha-256', 'plain']) {
    it(`SASL ${mechanism} over TLS: works, and the password reaches no log line`, async () => {
      const { kafka, logs } = setup(kafkaEnv(servers, 'saslSsl', { KAFKA_SASL_MECHANISM: mechanism }));
      await roundTrip(kafka);
      expect(logs.lines.length).toBeGreaterThan(0);
      expect(logs.text()).not.toContain(servers.user.password);
    });
  }

  it('SASL with a wrong password fails clearly; neither password appears in the error or any log line', async () => {
    const wrong = `wrong-${servers.user.password}-zz`;
    const { kafka, logs } = setup(kafkaEnv(servers, 'saslSsl', { KAFKA_SASL_PASSWORD: wrong }));
    const error = await kafka.connect().then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as Error).message).toMatch(/^\[kafka\] producer connect failed: .*authentication failed/i);
    expect((error as Error).cause).toBeDefined();
    const send = await kafka.producer().send({ topic: 'any', messages: [{ value: 'x' }] }).catch((e: unknown) => e);
    expect(send).toBeInstanceOf(ProviderError);
    for (const text of [everything(error), everything(send), logs.text()]) {
      expect(text).not.toContain(wrong);
      expect(text).not.toContain(servers.user.password);
    }
    expect(logs.text()).toMatch(/authentication failed/i);
  });

  it('the original variable names work: KAFKA_USERNAME, KAFKA_PASSWORD and KAFKA_CA_CERT with literal \\n', async () => {
    const ca = readFileSync(servers.certs.caFile, 'utf8').trim().replace(/\n/g, '\\n');
    expect(ca).not.toContain('\n');
    const { kafka, logs } = setup({
      LOG_LEVEL: 'silent',
      KAFKA_SERVICE_URI: `127.0.0.1:${servers.ports.saslSsl}`,
      KAFKA_USERNAME: servers.user.name,
      KAFKA_PASSWORD: servers.user.password,
      KAFKA_CA_CERT: ca,
    });
    await roundTrip(kafka);
    expect(logs.text()).not.toContain(servers.user.password);
    expect(logs.text()).not.toContain(ca.slice(30, 90));
  });
});
