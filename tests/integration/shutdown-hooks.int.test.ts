import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { kafkaEnv, kafkaHarness } from '../helpers/kafka-servers.js';
import { runTsChild } from '../helpers/run-child.js';
import '../helpers/servers.js';

const servers = inject('servers');
const kafka = inject('kafka');
const harness = kafkaHarness();
afterAll(() => harness.disposeAll());

/** Reads `topic` from the beginning with a fresh consumer until every number in `wanted` was seen (or 20 s passed). */
async function missingFromTopic(topic: string, wanted: readonly number[]): Promise<number[]> {
  const { kafka: provider } = harness.setup(kafkaEnv(kafka, 'plaintext'));
  const seen = new Set<number>();
  const consumer = provider.consumer(`verify-${topic}`);
  await consumer.subscribe({ topic, fromBeginning: true });
  let done: () => void = () => undefined;
  const all = new Promise<void>((resolve) => (done = resolve));
  await consumer.run({
    eachMessage: async ({ message }) => {
      seen.add(Number(message.value));
      if (wanted.every((n) => seen.has(n))) done();
    },
  });
  await Promise.race([all, new Promise((resolve) => setTimeout(resolve, 20_000))]);
  await consumer.disconnect();
  return wanted.filter((n) => !seen.has(n));
}

const fixture = fileURLToPath(new URL('../fixtures/sigterm-service.ts', import.meta.url));

interface ChildResult {
  code: number;
  events: string[];
  acknowledged: number[];
  refused: number;
  failedOther: number;
}

function startChild(env: Record<string, string>) {
  const resultFile = join(mkdtempSync(join(tmpdir(), 'sigterm-')), 'result.json');
  const child = spawn(process.execPath, ['--import', 'tsx', fixture], {
    env: {
      ...process.env,
      LOG_LEVEL: 'silent',
      REDIS_HOST: '127.0.0.1',
      REDIS_PORT: String(servers.redis.plain),
      KAFKA_SERVICE_URI: `127.0.0.1:${kafka.ports.plaintext}`,
      KAFKA_ALLOW_AUTO_TOPIC_CREATION: 'true',
      RESULT_FILE: resultFile,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const producing = new Promise<void>((resolve) => child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('producing') && resolve()));
  const exited = new Promise<{ code: number | null; at: number }>((resolve) => child.once('exit', (code) => resolve({ code, at: Date.now() })));
  const guard = setTimeout(() => child.kill('SIGKILL'), 60_000); // deadline guard only
  void exited.then(() => clearTimeout(guard));
  return { child, producing, exited, stderr: () => stderr, result: () => JSON.parse(readFileSync(resultFile, 'utf8')) as ChildResult };
}

describe('installShutdownHooks in a real process', () => {
  it('on SIGTERM while producing to Kafka and writing to Redis: health first, exit 0 within the deadline, every acknowledged send in the topic', async () => {
    const topic = `sigterm-${Date.now()}`;
    const run = startChild({ TEST_TOPIC: topic, DB_SHUTDOWN_TIMEOUT_MS: '8000' });
    await run.producing;
    const signalled = Date.now();
    run.child.kill('SIGTERM');
    const { code, at } = await run.exited;
    expect(code, run.stderr()).toBe(0);
    expect(at - signalled).toBeLessThan(8000 + 2000);

    const result = run.result();
    expect(result.events[0]).toBe('health:shutting_down');
    expect(result.events).toEqual(expect.arrayContaining(['redis:end', 'kafka:disconnect']));
    expect(result.failedOther).toBe(0);
    expect(result.acknowledged.length).toBeGreaterThanOrEqual(100);

    expect(await missingFromTopic(topic, result.acknowledged)).toEqual([]);
  });

  it('a second SIGTERM during a slow shutdown exits at once with code 1', async () => {
    const run = startChild({ TEST_TOPIC: `sigterm2-${Date.now()}`, SLOW_STORE_MS: '20000', DB_SHUTDOWN_TIMEOUT_MS: '30000' });
    await run.producing;
    run.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 500));
    const second = Date.now();
    run.child.kill('SIGTERM');
    const { code, at } = await run.exited;
    expect(code, run.stderr()).toBe(1);
    expect(at - second).toBeLessThan(3000); // "at once": far below the 20 s the slow store would take
    expect(run.result().code).toBe(1);
  });
});

const multiFixture = fileURLToPath(new URL('../fixtures/multi-container-service.ts', import.meta.url));

/** Runs the two-container child and returns its outcome with its JSON log lines. */
async function runMultiContainer(env: Record<string, string>) {
  const outcome = await runTsChild(
    multiFixture,
    { ...process.env, REDIS_HOST: '127.0.0.1', REDIS_PORT: String(servers.redis.plain), DB_SHUTDOWN_TIMEOUT_MS: '8000', ...env },
    30_000,
  );
  const lines = outcome.stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown> & { app?: string; msg?: string });
  const disposed = (app: string) =>
    lines.filter((line) => line.app === app && /^container disposed/.test(line.msg ?? '')) as Array<{ disposal: { ok: boolean; providers: Array<{ provider: string; status: string }> } }>;
  return { ...outcome, lines, disposed };
}

describe('installShutdownHooks with two containers in one process', () => {
  it('one SIGTERM disposes both (the slower one too) and the process exits 0 by itself, once both are done', async () => {
    const run = await runMultiContainer({ WORKER_SLOW_MS: '1500' });
    expect(run.signal, run.stderr).toBeNull(); // not killed by the guard: it exited by itself
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.lines.filter((line) => line.msg === 'shutdown started').map((line) => line.app).sort()).toEqual(['api', 'worker']);
    const api = run.disposed('api');
    const worker = run.disposed('worker');
    expect(api).toHaveLength(1);
    expect(worker).toHaveLength(1);
    expect(api[0]!.disposal.providers).toEqual(expect.arrayContaining([expect.objectContaining({ provider: 'redis', status: 'closed' })]));
    expect(worker[0]!.disposal.providers).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ provider: 'redis', status: 'closed' }),
        expect.objectContaining({ provider: 'worker-store', status: 'closed' }),
      ]),
    );
    const combined = run.lines.filter((line) => 'containers' in line);
    expect(combined).toEqual([expect.objectContaining({ containers: 2, failed: 0, code: 0, signal: 'SIGTERM' })]);
  });

  it('exits 1 when one container fails to close, after logging both reports', async () => {
    const run = await runMultiContainer({ WORKER_SLOW_MS: '1000', API_FAIL: '1' });
    expect(run.signal, run.stderr).toBeNull();
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(run.disposed('api').map((line) => line.disposal.ok)).toEqual([false]);
    const worker = run.disposed('worker');
    expect(worker.map((line) => line.disposal.ok)).toEqual([true]);
    expect(worker[0]!.disposal.providers).toEqual(expect.arrayContaining([expect.objectContaining({ provider: 'redis', status: 'closed' })]));
    expect(run.lines.filter((line) => 'containers' in line)).toEqual([expect.objectContaining({ containers: 2, failed: 1, code: 1 })]);
  });
});
