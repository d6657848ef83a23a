import 'reflect-metadata';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { disposeWithReport } from '../../src/container.js';
import { DisposedError, ProviderError } from '../../src/errors.js';
import { collect, createTopic, kafkaEnv, kafkaHarness, uniqueTopic } from '../helpers/kafka-servers.js';

const servers = inject('kafka');
const harness = kafkaHarness();

afterEach(() => harness.disposeAll());

const setup = (extra: Record<string, string> = {}) => harness.setup(kafkaEnv(servers, 'plaintext', extra));

describe(`KafkaProvider against a real broker (Kafka ${servers.version})`, () => {
  it('produces and consumes a round trip through the container, then disposes both rows cleanly', async () => {
    const { container, kafka } = setup();
    const topic = uniqueTopic('roundtrip');
    await createTopic(kafka, topic, 2);
    const producer = kafka.producer();
    expect(producer).toBe(kafka.producer());
    const sent = await producer.send({ topic, messages: [{ key: 'a', value: 'one' }, { key: 'b', value: 'two' }] });
    expect(sent.every((meta) => meta.errorCode === 0)).toBe(true);
    const received = await collect(kafka.consumer(uniqueTopic('group')), topic, 2);
    expect(received.map((m) => m.value?.toString()).sort()).toEqual(['one', 'two']);

    const report = await disposeWithReport(container);
    const rows = Object.fromEntries(report.providers.map((row) => [row.provider, row]));
    expect(rows['kafka-consumers']).toMatchObject({ phase: 'consumers', status: 'closed' });
    expect(rows.kafka).toMatchObject({ phase: 'producers', status: 'closed' });
    expect(report.providers.findIndex((r) => r.provider === 'kafka-consumers')).toBeLessThan(
      report.providers.findIndex((r) => r.provider === 'kafka'),
    );
  });

  it('connects the shared producer on its first send, not before', async () => {
    const { kafka, logs } = setup();
    const topic = uniqueTopic('lazy');
    await createTopic(kafka, topic);
    const before = logs.lines.filter((line) => line.includes('"role":"producer"')).length;
    const producer = kafka.producer();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(logs.lines.filter((line) => line.includes('producer connected'))).toHaveLength(0);
    await producer.send({ topic, messages: [{ value: 'x' }] });
    expect(logs.lines.filter((line) => line.includes('producer connected'))).toHaveLength(1);
    expect(logs.lines.filter((line) => line.includes('"role":"producer"')).length).toBeGreaterThan(before);
  });

  it('does not create topics by sending unless KAFKA_ALLOW_AUTO_TOPIC_CREATION=true', async () => {
    const off = setup();
    const missing = uniqueTopic('missing');
    await expect(off.kafka.producer().send({ topic: missing, messages: [{ value: 'x' }] })).rejects.toThrow();
    const admin = off.kafka.admin();
    await admin.connect();
    expect(await admin.listTopics()).not.toContain(missing);
    await admin.disconnect();

    const on = setup({ KAFKA_ALLOW_AUTO_TOPIC_CREATION: 'true' });
    const created = uniqueTopic('autocreated');
    await on.kafka.producer().send({ topic: created, messages: [{ value: 'x' }] });
    const admin2 = on.kafka.admin();
    await admin2.connect();
    expect(await admin2.listTopics()).toContain(created);
    await admin2.disconnect();
  });

  it('health: not_initialized until used, up after, shutting_down once disposal began', async () => {
    const { container, kafka } = setup();
    expect((await kafka.health()).status).toBe('not_initialized');
    await kafka.connect();
    const up = await kafka.health({ timeoutMs: 5000 });
    expect(up).toMatchObject({ provider: 'kafka', status: 'up' });
    const disposing = container.dispose();
    expect((await kafka.health()).status).toBe('shutting_down');
    await disposing;
  });

  it('refuses sends with a ProviderError naming Kafka once disposal began, and hands out nothing new', async () => {
    const { container, kafka } = setup();
    const topic = uniqueTopic('refuse');
    await createTopic(kafka, topic);
    const producer = kafka.producer();
    await producer.send({ topic, messages: [{ value: 'before' }] });
    const disposing = container.dispose();
    const refused = producer.send({ topic, messages: [{ value: 'after' }] });
    await expect(refused).rejects.toBeInstanceOf(ProviderError);
    await expect(refused).rejects.toThrow(/\[kafka\] send refused: the provider is shutting down/);
    expect(() => kafka.producer()).toThrow(DisposedError);
    expect(() => kafka.consumer('g')).toThrow(DisposedError);
    expect(() => kafka.admin()).toThrow(DisposedError);
    await disposing;
  });

  it('bridges kafkajs logs into the provider logger with the kafkajs namespace', async () => {
    const { kafka, logs } = setup({ LOG_LEVEL: 'debug' });
    await kafka.connect();
    const bridged = logs.lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((l) => l.kafkajs !== undefined);
    expect(bridged.length).toBeGreaterThan(0);
    expect(bridged.every((l) => l.provider === 'kafka')).toBe(true);
    expect(bridged.some((l) => l.kafkajs === 'Connection' && l.msg === 'Connecting')).toBe(true);
  });
});
