import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { DEMO_SECRET_PREFIX } from '../../examples/reviews-service/local-servers.js';
import { runTsChild, type ChildOutcome } from '../helpers/run-child.js';

const MAIN = fileURLToPath(new URL('../../examples/reviews-service/main.ts', import.meta.url));
/** A deadline for a run that starts two JVMs (Kafka, Elasticsearch) on two shared cores, not a measurement. */
const GUARD_MS = 150_000;
/** The test's own deadline: the guard's, plus time to check what is left. */
const TEST_MS = GUARD_MS + 20_000;
/** Without ES_JAVA_HOME, the demo looks for Java on PATH alone (as on a machine without Java). */
const NO_ES_JAVA_HOME = { ES_JAVA_HOME: '' };

/** True while `pid` runs. A zombie counts as gone: an orphan's zombie waits for init, which may reap it late. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, 'utf8') : '';
  return !/^\d+ \(.*\) Z/.test(stat);
}

/** PIDs the demo printed in its `stopped:` line. */
function stoppedPids(stdout: string): number[] {
  const line = /^stopped: (.*)$/m.exec(stdout)?.[1] ?? '';
  return [...line.matchAll(/pid (\d+)/g)].map((match) => Number(match[1]));
}

/** A PATH holding only `commands` (linked from the current PATH): a machine without Java, Maven or Go. */
function pathWith(dir: string, commands: readonly string[]): string {
  mkdirSync(dir);
  for (const command of commands) {
    const found = (process.env.PATH ?? '').split(delimiter).map((entry) => join(entry, command)).find((file) => existsSync(file));
    if (!found) throw new Error(`${command} is not on PATH`);
    symlinkSync(found, join(dir, command));
  }
  return dir;
}

/** Runs the demo with `env` over the current environment; checks it ended by itself and printed no secret. */
async function runDemo(env: NodeJS.ProcessEnv): Promise<ChildOutcome> {
  const outcome = await runTsChild(MAIN, { ...process.env, LOG_LEVEL: 'warn', ...env }, GUARD_MS);
  expect(outcome.signal, `killed by the guard; stdout:\n${outcome.stdout}`).toBeNull();
  expect(outcome.stdout).not.toContain(DEMO_SECRET_PREFIX);
  expect(outcome.stderr).not.toContain(DEMO_SECRET_PREFIX);
  return outcome;
}

const row = (provider: string, status: string, backend: string) => new RegExp(`^  ${provider} +${status} +\\d+ ms +${backend}`, 'm');

/** The Elasticsearch node's line: its pid and its launcher's (both JVMs the demo must leave stopped). */
function elasticsearchPids(stdout: string): { node: number; launcher: number } {
  const match = /^ {2}elasticsearch: Elasticsearch [\d.]+ node on 127\.0\.0\.1:\d+ \(launcher pid (\d+)\), pid (\d+)$/m.exec(stdout);
  expect(match, stdout).not.toBeNull();
  return { launcher: Number(match![1]), node: Number(match![2]) };
}

/** Ids of the reviews the demo created, in order. */
const reviewIds = (stdout: string) => [...stdout.matchAll(/^ {2}review ([0-9a-f]{24}): /gm)].map((match) => match[1]!);

describe('npm run demo (examples/reviews-service/main.ts)', () => {
  const binDir = mkdtempSync(join(tmpdir(), 'ratecreator-db-demo-path-'));
  afterAll(() => rmSync(binDir, { recursive: true, force: true }));

  it('runs the flow on real local servers, prints health and the disposal report, stops the servers and exits 0', async () => {
    const outcome = await runDemo({});
    expect(outcome.code, `${outcome.stdout}\n${outcome.stderr}`).toBe(0);
    const { stdout } = outcome;
    expect(stdout).toMatch(/^ {2}redis: redis-server on 127\.0\.0\.1:\d+, pid \d+$/m);
    expect(stdout).toMatch(/^ {2}kafka: Kafka [\d.]+ broker \(KRaft\) on 127\.0\.0\.1:\d+, pid \d+$/m);
    expect(stdout).toMatch(/^ {2}mongodb: FerretDB v[\d.]+ .* on 127\.0\.0\.1:\d+, pid \d+$/m);
    expect(stdout).toMatch(/^ {2}algolia: local Algolia server on http:\/\/127\.0\.0\.1:\d+, in this process$/m);
    const elastic = elasticsearchPids(stdout);
    expect(stdout).not.toContain('in-memory fake');
    expect(stdout).toContain('elasticsearch: index reviews created (local server)');
    expect(stdout).toContain('indexed in Algolia and Elasticsearch):');
    const ids = reviewIds(stdout);
    expect(ids).toHaveLength(4);
    expect(stdout).toContain('consumer: received 4 of 4 review.created events');
    expect(stdout).toContain('mongodb: 4 of 4 reviews read back');
    // The one review with "editing" (the second), found by both backends, each line and side by side.
    const editing = ids[1]!;
    for (const backend of ['algolia', 'elasticsearch']) {
      expect(stdout).toMatch(new RegExp(`^${backend}: search "editing" found 1 review\\(s\\): ${editing}$`, 'm'));
      expect(stdout).toMatch(new RegExp(`^  ${backend} +local server +1 +${editing} "Great editing, long intros"$`, 'm'));
    }
    expect(stdout).toMatch(/^search "editing" side by side:\n {2}backend +server +hits +top hit\n {2}algolia .*\n {2}elasticsearch /m);
    expect(stdout).toContain('health: up (HTTP 200)');
    for (const provider of ['redis', 'kafka', 'mongodb', 'algolia', 'elasticsearch']) expect(stdout).toMatch(row(provider, 'up', 'local server'));
    expect(stdout).toMatch(/^disposal: ok in \d+ ms/m);
    for (const provider of ['kafka-consumers', 'kafka', 'mongodb', 'redis', 'algolia', 'elasticsearch']) {
      expect(stdout).toMatch(new RegExp(`^  ${provider} +\\w+ +closed `, 'm'));
    }
    const pids = stoppedPids(stdout);
    expect(pids).toHaveLength(4);
    expect(stdout).toMatch(new RegExp(`^stopped: .*elasticsearch \\(pid ${elastic.node}\\)`, 'm'));
    // No process of the demo is left, the Elasticsearch node's launcher JVM included.
    expect([...pids, elastic.launcher].filter(alive)).toEqual([]);
    expect(stdout).not.toMatch(/^problem: /m);
    expect(stdout.trimEnd().endsWith('demo OK')).toBe(true);
  }, TEST_MS);

  it('on a machine without Java says Kafka and Elasticsearch could not start, runs them on the in-memory fakes and still exits 0', async () => {
    const path = pathWith(join(binDir, 'no-java'), ['redis-server', 'openssl']);
    const outcome = await runDemo({ PATH: path, ...NO_ES_JAVA_HOME });
    expect(outcome.code, `${outcome.stdout}\n${outcome.stderr}`).toBe(0);
    const { stdout } = outcome;
    expect(stdout).toMatch(/^ {2}kafka: not started, its part runs on the in-memory fake: java was not found on PATH/m);
    expect(stdout).toMatch(/^ {2}elasticsearch: not started, its part runs on the in-memory fake: java was not found on PATH \(the elasticsearch server needs Java 17/m);
    expect(stdout).toContain('in-memory fakes (createTestContainer): kafka, elasticsearch');
    // Reviews go to the in-memory Elasticsearch as they would to a node, and the search compares both backends.
    expect(stdout).toContain('elasticsearch: index reviews created (in-memory fake)');
    expect(stdout).toContain('indexed in Algolia and Elasticsearch):');
    expect(stdout).toContain('consumer: received 4 of 4 review.created events');
    const editing = reviewIds(stdout)[1];
    for (const [backend, server] of [['algolia', 'local server'], ['elasticsearch', 'in-memory fake']] as const) {
      expect(stdout).toMatch(new RegExp(`^${backend}: search "editing" found 1 review\\(s\\): ${editing}$`, 'm'));
      expect(stdout).toMatch(new RegExp(`^  ${backend} +${server} +1 +${editing} "Great editing, long intros"$`, 'm'));
    }
    for (const provider of ['kafka', 'elasticsearch']) expect(stdout).toMatch(row(provider, 'up', 'in-memory fake'));
    for (const provider of ['redis', 'mongodb', 'algolia']) expect(stdout).toMatch(row(provider, 'up', 'local server'));
    expect(stdout).toMatch(/^disposal: ok /m);
    expect(stoppedPids(stdout).filter(alive)).toEqual([]);
    expect(stdout).not.toMatch(/^problem: /m);
    expect(stdout.trimEnd().endsWith('demo OK')).toBe(true);
  }, TEST_MS);

  it('on SIGTERM while its servers start, stops every one of them once they are up and exits 1', async () => {
    const path = pathWith(join(binDir, 'signal'), ['redis-server', 'openssl']);
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN], { env: { ...process.env, PATH: path, LOG_LEVEL: 'warn', ...NO_ES_JAVA_HOME }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let signalled = false;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      // Servers start in parallel and cannot be cut short: the signal lands while they are starting.
      if (stdout.includes('servers:\n') && !signalled) signalled = child.kill('SIGTERM');
    });
    const guard = setTimeout(() => child.kill('SIGKILL'), GUARD_MS);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('exit', (c, s) => resolve([c, s])));
    clearTimeout(guard);
    expect(signal, stdout).toBeNull();
    expect(code).toBe(1);
    expect(stdout).toContain('SIGTERM: stopping after the current step');
    expect(stdout).toContain('interrupted by SIGTERM');
    expect(stdout).not.toContain('reviews (');
    const pids = stoppedPids(stdout);
    expect(pids).toHaveLength(2);
    expect(pids.filter(alive)).toEqual([]);
    expect(stdout.trimEnd().endsWith('demo interrupted')).toBe(true);
  });

  it('on a second SIGTERM exits at once and kills the servers that are up', async () => {
    const path = pathWith(join(binDir, 'twice'), ['redis-server', 'openssl']);
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN], { env: { ...process.env, PATH: path, LOG_LEVEL: 'warn', ...NO_ES_JAVA_HOME }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let signals = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      // The first signal once the servers are up and the flow runs on the fake Kafka, the second right after.
      if (stdout.includes('in-memory fakes') && signals === 0) {
        signals += Number(child.kill('SIGTERM'));
        setTimeout(() => (signals += Number(child.kill('SIGTERM'))), 0);
      }
    });
    const guard = setTimeout(() => child.kill('SIGKILL'), GUARD_MS);
    const [code] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('exit', (c, s) => resolve([c, s])));
    clearTimeout(guard);
    const pids = [...stdout.matchAll(/^ {2}\w+: .* pid (\d+)$/gm)].map((match) => Number(match[1]));
    expect(pids).toHaveLength(2);
    await vi.waitFor(() => expect(pids.filter(alive)).toEqual([]));
    expect(code).toBe(1);
  });

  it('when the flow fails, still stops every server it started (both JVMs and the Elasticsearch launcher too) and exits 1', async () => {
    // An invalid LOG_LEVEL makes the configuration fail after the servers started, all five of them.
    const outcome = await runDemo({ LOG_LEVEL: 'loud' });
    expect(outcome.code).toBe(1);
    expect(outcome.stdout).toMatch(/^error: Invalid database configuration:\n {2}- LOG_LEVEL: /m);
    const elastic = elasticsearchPids(outcome.stdout);
    const pids = stoppedPids(outcome.stdout);
    expect(pids).toHaveLength(4);
    expect(pids).toContain(elastic.node);
    expect([...pids, elastic.launcher].filter(alive)).toEqual([]);
    expect(outcome.stdout.trimEnd().endsWith('demo FAILED')).toBe(true);
  }, TEST_MS);
});
