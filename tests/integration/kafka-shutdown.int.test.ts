import 'reflect-metadata';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { DependencyContainer } from 'tsyringe';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { disposeWithReport } from '../../src/container.js';
import { ProviderError } from '../../src/errors.js';
import { KafkaProvider } from '../../src/providers/kafka.js';
import { collect, createTopic, kafkaEnv, kafkaHarness, uniqueTopic } from '../helpers/kafka-servers.js';

const servers = inject('kafka');
const harness = kafkaHarness();
const SENDS = 5000;
const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

afterEach(() => harness.disposeAll());

const setup = (extra: Record<string, string> = {}) => harness.setup(kafkaEnv(servers, 'plaintext', extra));

const tcpSockets = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'TLSWrap').length;

/**
 * The worker's open sockets once they settle (up to 3 s): at most `baseline`. A socket of an earlier test that was
 * still closing may have inflated the baseline, so fewer is fine; more means this test left one open.
 */
async function socketsSettle(baseline: number): Promise<number> {
  const deadline = Date.now() + 3000;
  while (tcpSockets() > baseline && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  return tcpSockets();
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every value in `topic`, read with a fresh container and consumer up to the high watermarks. */
async function readTopic(topic: string): Promise<string[]> {
  const { kafka } = setup();
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const total = offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  if (total === 0) return [];
  const messages = await collect(kafka.consumer(uniqueTopic('reader')), topic, total, 30_000);
  return messages.map((m) => m.value!.toString());
}

interface Outcome {
  readonly value: string;
  readonly ok: boolean;
  readonly error?: unknown;
}

/** Issues {@link SENDS} single-message sends, yielding every `batch` sends; disposal starts before send `disposeAt` (or after the last). */
async function issueSends(
  container: DependencyContainer,
  topic: string,
  disposeAt: number,
  batch: number,
): Promise<{ outcomes: Outcome[]; report: Awaited<ReturnType<typeof disposeWithReport>> }> {
  const producer = container.resolve(KafkaProvider).producer();
  await producer.connect();
  const pending: Array<Promise<Outcome>> = [];
  let disposing: ReturnType<typeof disposeWithReport> | undefined;
  for (let i = 0; i < SENDS; i++) {
    if (i === disposeAt) disposing = disposeWithReport(container);
    const value = `m-${i}`;
    pending.push(producer.send({ topic, messages: [{ key: String(i % 17), value }] }).then(
      () => ({ value, ok: true }),
      (error: unknown) => ({ value, ok: false, error }),
    ));
    if (batch > 0 && i % batch === batch - 1) await new Promise((resolve) => setImmediate(resolve));
  }
  disposing ??= disposeWithReport(container);
  const outcomes = await Promise.all(pending);
  return { outcomes, report: await disposing };
}

function check(outcomes: Outcome[], inTopic: string[]) {
  const stored = new Set(inTopic);
  const resolved = outcomes.filter((o) => o.ok);
  const rejected = outcomes.filter((o) => !o.ok);
  const refused = rejected.filter((o) => /send refused: the provider is shutting down/.test(String((o.error as Error).message)));
  const aborted = rejected.filter((o) => /send aborted: the provider was disposed/.test(String((o.error as Error).message)));
  // Nothing silently dropped: every send settled one way or the other, and every acknowledged one is stored.
  expect(resolved.length + rejected.length).toBe(SENDS);
  expect(resolved.filter((o) => !stored.has(o.value))).toEqual([]);
  expect(rejected.every((o) => o.error instanceof ProviderError)).toBe(true);
  expect(refused.length + aborted.length).toBe(rejected.length);
  // A refused send never reached the broker.
  expect(refused.filter((o) => stored.has(o.value))).toEqual([]);
  expect(new Set(inTopic).size).toBe(inTopic.length);
  return {
    resolved: resolved.length,
    refused: refused.length,
    aborted: aborted.length,
    abortedButStored: aborted.filter((o) => stored.has(o.value)).length,
    inTopic: inTopic.length,
  };
}

describe('Kafka shutdown loses nothing (real broker)', () => {
  it(`${SENDS} concurrent sends, disposal halfway: acknowledged sends are in the topic, later ones refused`, async () => {
    const { container, kafka } = setup();
    const topic = uniqueTopic('no-loss');
    await createTopic(kafka, topic, 3);
    const { outcomes, report } = await issueSends(container, topic, SENDS / 2, 100);
    const counts = check(outcomes, await readTopic(topic));
    console.info(`[kafka no-loss] dispose at ${SENDS / 2}: ${JSON.stringify(counts)}; disposal ${report.ms} ms`);
    expect(report.providers.find((r) => r.provider === 'kafka')).toMatchObject({ status: 'closed' });
    // Everything issued before disposal was awaited; everything after was refused.
    expect(counts).toMatchObject({ resolved: SENDS / 2, refused: SENDS / 2, aborted: 0, inTopic: SENDS / 2 });
  });

  it(`${SENDS} sends and a 30 ms deadline: sends still in flight are aborted with a clear error, none silently lost`, async () => {
    const { container, kafka } = setup({ DB_SHUTDOWN_TIMEOUT_MS: '30' });
    const topic = uniqueTopic('abort');
    await createTopic(kafka, topic, 3);
    const { outcomes, report } = await issueSends(container, topic, SENDS - 1000, 100);
    const counts = check(outcomes, await readTopic(topic));
    console.info(`[kafka no-loss] dispose at ${SENDS - 1000}, 30 ms deadline: ${JSON.stringify(counts)}; producer row ${JSON.stringify(report.providers.find((r) => r.provider === 'kafka'))}`);
    expect(report.providers.find((r) => r.provider === 'kafka')?.status).toBe('timed_out');
    expect(counts.aborted).toBeGreaterThan(0);
    expect(counts.refused).toBe(1000);
    expect(counts.resolved + counts.aborted).toBe(SENDS - 1000);
  });

  it('after a hard close the process exits by itself: cut-off requests fail at once, not after the request timeout', async () => {
    const { kafka } = setup();
    const topic = uniqueTopic('hard-close');
    await createTopic(kafka, topic, 3);
    const started = Date.now();
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', 'tests/helpers/kafka-hard-close-child.ts', `127.0.0.1:${servers.ports.plaintext}`, topic],
      { cwd: ROOT, timeout: 25_000 },
    );
    expect(JSON.parse(stdout.trim().split('\n').pop()!)).toMatchObject({ status: 'timed_out' });
    // kafkajs' request timeout is 30 s: an exit well before it means nothing waited for it.
    expect(Date.now() - started).toBeLessThan(20_000);
  }, 30_000);

  it('a consumer whose handler never returns: disposal ends within the deadline, reports it, and leaves no socket', async () => {
    const baseline = tcpSockets();
    const deadlineMs = 4000;
    const { container, kafka } = setup({ DB_SHUTDOWN_TIMEOUT_MS: String(deadlineMs) });
    const topic = uniqueTopic('hung');
    await createTopic(kafka, topic);
    await kafka.producer().send({ topic, messages: [{ value: 'never handled' }] });
    const groupId = uniqueTopic('hung-group');
    const consumer = kafka.consumer(groupId);
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((entered) => {
      void consumer.run({ eachMessage: () => (entered(), new Promise<void>(() => undefined)) });
    });

    const started = Date.now();
    const report = await disposeWithReport(container);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeLessThan(deadlineMs + 1000);
    expect(report.ok).toBe(false);
    expect(report.providers.find((r) => r.provider === 'kafka-consumers')).toMatchObject({
      phase: 'consumers',
      status: 'timed_out',
      error: expect.stringContaining(`${groupId} did not stop`),
    });
    expect(report.providers.find((r) => r.provider === 'kafka')).toMatchObject({ phase: 'producers', status: 'closed' });
    expect(await socketsSettle(baseline)).toBeLessThanOrEqual(baseline);
  });

  it('an intentional disconnect is never followed by a reconnection; an explicit connect() is', async () => {
    const baseline = tcpSockets();
    const { kafka, logs } = setup();
    const topic = uniqueTopic('disconnect');
    await createTopic(kafka, topic);
    const producer = kafka.producer();
    await producer.send({ topic, messages: [{ value: 'before' }] });
    let connects = 0;
    producer.on(producer.events.CONNECT, () => connects++);
    await producer.disconnect();
    const mark = logs.lines.length;
    await sleep(1500);
    const refused = await producer.send({ topic, messages: [{ value: 'after' }] }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ProviderError);
    expect((refused as Error).message).toMatch(/disconnected on purpose/);
    await sleep(500);
    expect(connects).toBe(0);
    expect(logs.lines.slice(mark).filter((line) => line.includes('"msg":"Connecting"'))).toEqual([]);
    expect(await socketsSettle(baseline)).toBeLessThanOrEqual(baseline);

    await producer.connect();
    await producer.send({ topic, messages: [{ value: 'again' }] });
    expect(connects).toBe(1);
  });

  it('a disposed provider opens no connection afterwards', async () => {
    const baseline = tcpSockets();
    const { container, kafka } = setup();
    const topic = uniqueTopic('after-dispose');
    await createTopic(kafka, topic);
    const producer = kafka.producer();
    await producer.send({ topic, messages: [{ value: 'x' }] });
    await container.dispose();
    await expect(producer.send({ topic, messages: [{ value: 'y' }] })).rejects.toBeInstanceOf(ProviderError);
    await expect(producer.connect()).rejects.toThrow(/disposed/);
    await sleep(1000);
    expect(await socketsSettle(baseline)).toBeLessThanOrEqual(baseline);
  });
});
