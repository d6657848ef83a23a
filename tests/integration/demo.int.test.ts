import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_SECRET_PREFIX } from '../../examples/reviews-service/local-servers.js';
import { runTsChild, type ChildOutcome } from '../helpers/run-child.js';

const MAIN = fileURLToPath(new URL('../../examples/reviews-service/main.ts', import.meta.url));
/** A deadline for a run that starts a JVM on two shared cores, not a measurement. */
const GUARD_MS = 150_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
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

function expectNoSecret(outcome: ChildOutcome): void {
  expect(outcome.stdout).not.toContain(DEMO_SECRET_PREFIX);
  expect(outcome.stderr).not.toContain(DEMO_SECRET_PREFIX);
}

const row = (provider: string, status: string, backend: string) => new RegExp(`^  ${provider} +${status} +\\d+ ms +${backend}`, 'm');

describe('npm run demo (examples/reviews-service/main.ts)', () => {
  const binDir = mkdtempSync(join(tmpdir(), 'ratecreator-db-demo-path-'));
  afterAll(() => rmSync(binDir, { recursive: true, force: true }));

  it('runs the flow on real local servers, prints health and the disposal report, stops the servers and exits 0', async () => {
    const outcome = await runTsChild(MAIN, { ...process.env, LOG_LEVEL: 'warn' }, GUARD_MS);
    expect(outcome.signal, `killed by the guard; stdout:\n${outcome.stdout}`).toBeNull();
    expect(outcome.code, `${outcome.stdout}\n${outcome.stderr}`).toBe(0);
    const { stdout } = outcome;
    expect(stdout).toMatch(/^ {2}redis: redis-server on 127\.0\.0\.1:\d+, pid \d+$/m);
    expect(stdout).toMatch(/^ {2}kafka: Kafka [\d.]+ broker \(KRaft\) on 127\.0\.0\.1:\d+, pid \d+$/m);
    expect(stdout).toMatch(/^ {2}mongodb: FerretDB v[\d.]+ .* on 127\.0\.0\.1:\d+, pid \d+$/m);
    expect(stdout).toMatch(/^ {2}algolia: local Algolia server on http:\/\/127\.0\.0\.1:\d+, in this process$/m);
    expect(stdout).not.toContain('in-memory fake');
    expect(stdout.match(/^ {2}review [0-9a-f]{24}: /gm)).toHaveLength(4);
    expect(stdout).toContain('consumer: received 4 of 4 review.created events');
    expect(stdout).toContain('mongodb: 4 of 4 reviews read back');
    expect(stdout).toMatch(/^algolia: search "editing" found 1 review\(s\): [0-9a-f]{24}$/m);
    expect(stdout).toContain('health: up (HTTP 200)');
    for (const provider of ['redis', 'kafka', 'mongodb', 'algolia']) expect(stdout).toMatch(row(provider, 'up', 'local server'));
    expect(stdout).toMatch(/^disposal: ok in \d+ ms/m);
    for (const provider of ['kafka-consumers', 'kafka', 'mongodb', 'redis', 'algolia']) {
      expect(stdout).toMatch(new RegExp(`^  ${provider} +\\w+ +closed `, 'm'));
    }
    const pids = stoppedPids(stdout);
    expect(pids).toHaveLength(3);
    expect(pids.filter(alive)).toEqual([]);
    expect(stdout).not.toMatch(/^problem: /m);
    expect(stdout.trimEnd().endsWith('demo OK')).toBe(true);
    expectNoSecret(outcome);
  });

  it('on a machine without Java says Kafka could not start, runs that part on the in-memory fake and still exits 0', async () => {
    const path = pathWith(join(binDir, 'no-java'), ['redis-server', 'openssl']);
    const outcome = await runTsChild(MAIN, { ...process.env, PATH: path, LOG_LEVEL: 'warn' }, GUARD_MS);
    expect(outcome.signal, `killed by the guard; stdout:\n${outcome.stdout}`).toBeNull();
    expect(outcome.code, `${outcome.stdout}\n${outcome.stderr}`).toBe(0);
    const { stdout } = outcome;
    expect(stdout).toMatch(/^ {2}kafka: not started, its part runs on the in-memory fake: java was not found on PATH/m);
    expect(stdout).toContain('in-memory fakes (createTestContainer): kafka');
    expect(stdout).toContain('consumer: received 4 of 4 review.created events');
    expect(stdout).toMatch(row('kafka', 'up', 'in-memory fake'));
    for (const provider of ['redis', 'mongodb', 'algolia']) expect(stdout).toMatch(row(provider, 'up', 'local server'));
    expect(stdout).toMatch(/^disposal: ok /m);
    expect(stoppedPids(stdout).filter(alive)).toEqual([]);
    expect(stdout.trimEnd().endsWith('demo OK')).toBe(true);
    expectNoSecret(outcome);
  });

  it('when the flow fails, still stops every server it started and exits 1', async () => {
    const path = pathWith(join(binDir, 'failing'), ['redis-server', 'openssl']);
    // An invalid LOG_LEVEL makes the configuration fail after the servers started.
    const outcome = await runTsChild(MAIN, { ...process.env, PATH: path, LOG_LEVEL: 'loud' }, GUARD_MS);
    expect(outcome.signal, `killed by the guard; stdout:\n${outcome.stdout}`).toBeNull();
    expect(outcome.code).toBe(1);
    expect(outcome.stdout).toMatch(/^error: Invalid database configuration:\n {2}- LOG_LEVEL: /m);
    const pids = stoppedPids(outcome.stdout);
    expect(pids).toHaveLength(2);
    expect(pids.filter(alive)).toEqual([]);
    expect(outcome.stdout.trimEnd().endsWith('demo FAILED')).toBe(true);
    expectNoSecret(outcome);
  });
});
