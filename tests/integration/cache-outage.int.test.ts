import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { freePort } from '../../scripts/servers/process.js';
import { startRedis, type RedisServer } from '../../scripts/servers/redis.js';
import { createDbContainer } from '../../src/container.js';
import { DEFAULT_CACHE_REDIS_TIMEOUT_MS } from '../../src/config/cache.js';
import { BUS_LOG } from '../../src/providers/cache-bus.js';
import { CACHE_LOG } from '../../src/providers/cache-logs.js';
import { CacheProvider } from '../../src/providers/cache.js';
import { captureLogs } from '../helpers/logs.js';

// The cache while its Redis is frozen, killed or refusing, and while a stranger publishes on its bus channel. Each
// case runs the built package in a child process with Node's default `--unhandled-rejections`, under a deadline guard:
// a hang is a kill by the guard, an escaped rejection is exit code 1.

const outageFixture = fileURLToPath(new URL('../fixtures/cache-outage.ts', import.meta.url));
const busFixture = fileURLToPath(new URL('../fixtures/cache-bus-child.ts', import.meta.url));
const servers = inject('servers');
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The documented bound of one cache call on Redis: one CACHE_REDIS_TIMEOUT_MS. */
const BOUND_MS = DEFAULT_CACHE_REDIS_TIMEOUT_MS;
/** Slack for a busy 2-core machine (timers fire late, 160 calls settle one after another). A guard, not a figure. */
const SLACK_MS = 1500;

interface Child {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The JSON after `<tag> ` on its line, if printed. */
  field<T>(tag: string): T | undefined;
  /** The package's log lines. */
  logs(): Array<{ level: number; msg: string; [key: string]: unknown }>;
}

/**
 * Runs a fixture; `onLine(tag, write)` sees each protocol line (`READY`, ...) and can answer on stdin. Killed after
 * `guardMs` (the outcome's `signal` says so).
 */
async function runFixture(
  file: string,
  args: string[],
  env: Record<string, string>,
  onLine: (tag: string, write: (text: string) => void) => void | Promise<void> = () => undefined,
  guardMs = 60_000,
): Promise<Child> {
  const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], {
    env: { ...process.env, LOG_LEVEL: 'debug', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let pending = '';
  const guard = setTimeout(() => child.kill('SIGKILL'), guardMs);
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const text of lines) {
      const tag = /^([A-Z0-9]+) /.exec(text)?.[1];
      if (tag) void onLine(tag, (answer) => child.stdin.write(answer));
    }
  });
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('exit', (c, s) => resolve([c, s])));
  clearTimeout(guard);
  const lines = stdout.split('\n');
  return {
    code,
    signal,
    stdout,
    stderr,
    field<T>(tag: string) {
      const found = lines.find((text) => text.startsWith(`${tag} `));
      return found === undefined ? undefined : (JSON.parse(found.slice(tag.length + 1)) as T);
    },
    logs: () => lines.filter((text) => text.startsWith('{')).map((text) => JSON.parse(text) as { level: number; msg: string }),
  };
}

const WARN = 40;
const warnings = (child: Child, msg: string) => child.logs().filter((entry) => entry.level === WARN && entry.msg === msg);

function expectExitedCleanly(child: Child): void {
  expect(child.signal, `killed by the deadline guard (a hang); stdout tail: ${child.stdout.slice(-2000)}`).toBeNull();
  expect(child.stderr, 'something escaped to stderr').not.toMatch(/Unhandled|TypeError|Error:/);
  expect(child.code, `exit code (1 = an unhandled rejection); stderr: ${child.stderr}`).toBe(0);
}

interface Call {
  kind: 'stale' | 'cold' | 'cold-failing' | 'get';
  ms: number;
  ok: boolean;
  value?: string;
  error?: string;
  code?: string;
}
interface Row {
  provider: string;
  status: string;
  ms: number;
}

type Fault = 'frozen' | 'killed';
const OUTAGES: ReadonlyArray<readonly [Fault, string]> = [
  ['frozen', 'default'],
  ['frozen', 'unlimited'],
  ['killed', 'default'],
  ['killed', 'unlimited'],
];

describe('the cache while Redis is frozen or killed (160 calls at once, then 160 more)', () => {
  it.each(OUTAGES)('Redis %s, REDIS_MAX_RETRIES_PER_REQUEST %s: every call settles within one bound, stale values are served, one warning', async (fault, retries) => {
    const server: RedisServer = await startRedis();
    let frozen = false;
    cleanups.push(async () => {
      if (frozen) process.kill(server.pid, 'SIGCONT');
      await server.stop();
    });
    const child = await runFixture(
      outageFixture,
      [],
      {
        REDIS_HOST: '127.0.0.1',
        REDIS_PORT: String(server.port),
        DB_SHUTDOWN_TIMEOUT_MS: '10000',
        ...(retries === 'unlimited' ? { REDIS_MAX_RETRIES_PER_REQUEST: 'unlimited' } : {}),
      },
      async (tag, write) => {
        if (tag !== 'READY') return;
        if (fault === 'frozen') {
          process.kill(server.pid, 'SIGSTOP');
          frozen = true;
        } else {
          await server.kill();
        }
        write('GO\n');
      },
    );
    expectExitedCleanly(child);
    const first = child.field<Call[]>('RESULT');
    const second = child.field<Call[]>('WAVE2');
    expect(first, 'the first wave never settled').toHaveLength(160);
    expect(second, 'the second wave never settled').toHaveLength(160);
    for (const call of [...first!, ...second!]) {
      expect(call.ms, `${call.kind} took ${call.ms} ms`).toBeLessThan(BOUND_MS + SLACK_MS);
      if (call.kind === 'cold-failing') {
        // No stale value and the factory fails: a clear error, not a wait.
        expect(call).toMatchObject({ ok: false, code: 'E_FACTORY_ERROR' });
      } else {
        expect(call.ok, JSON.stringify(call)).toBe(true);
      }
    }
    // The stale keys are served from the memory tier during the outage (the factory refreshes them in the background).
    for (const call of first!.filter((c) => c.kind === 'stale' || c.kind === 'get')) expect(call.value).toMatch(/^v1-\d+$/);
    for (const call of first!.filter((c) => c.kind === 'cold')) expect(call.value).toMatch(/^new-\d+$/);
    // The second wave comes while the circuit breaker is open: the memory tier answers without waiting for Redis.
    const slowestSecond = Math.max(...second!.map((c) => c.ms));
    expect(slowestSecond).toBeLessThan(BOUND_MS);
    // One warning for the outage, one for stale serving, one for 80 failing factories.
    expect(warnings(child, CACHE_LOG.tierDown)).toHaveLength(1);
    expect(warnings(child, CACHE_LOG.stale)).toHaveLength(1);
    expect(warnings(child, 'factory failed')).toHaveLength(1);
    expect(child.logs().filter((entry) => entry.level >= WARN).length).toBeLessThanOrEqual(6);
    // The cache's own disposal stays within its bound (the bus's QUIT), not the container's deadline.
    const disposed = child.field<{ ms: number; providers: Row[] }>('DISPOSED');
    const cacheRow = disposed!.providers.find((row) => row.provider === 'cache');
    expect(cacheRow, JSON.stringify(disposed)).toMatchObject({ status: 'closed' });
    expect(cacheRow!.ms).toBeLessThan(BOUND_MS + SLACK_MS);
    const slowestFirst = Math.max(...first!.map((c) => c.ms));
    console.log(`FIGURES ${JSON.stringify({ test: 'cache-outage', fault, retries, slowestFirstWaveMs: slowestFirst, slowestSecondWaveMs: slowestSecond, cacheDisposalMs: cacheRow!.ms, disposal: disposed })}`);
  }, 90_000);
});

/** Shapes a stranger on the same Redis might publish on the cache's channel. */
const MALFORMED = [
  '{"busId":"x","payload":null}',
  '"a plain string"',
  'not json at all',
  'null',
  '[]',
  '{"busId":"x"}',
  '{"payload":{"type":"delete","keys":["shared"]}}',
  '{"busId":"x","payload":"delete"}',
  '{"busId":"x","payload":{"type":"delete","keys":"shared"}}',
  '{"busId":"x","payload":{"type":"delete","keys":[1,2]}}',
  '{"busId":"x","payload":{"type":"delete","keys":null}}',
  '{"busId":"x","payload":{"type":"explode","keys":["shared"]}}',
  '{"busId":"x","payload":{"type":"clear","keys":[],"namespace":{"toString":1}}}',
  '{"busId":"x","payload":{"type":"set","keys":[{"MARKER-PAYLOAD-7f3a":1}]}}',
  `{"busId":"x","payload":{"type":"delete","keys":["${'k'.repeat(2 * 1024 * 1024)}"]}}`,
];

describe('the cache bus', () => {
  it('a stranger publishing malformed messages on the channel crashes no process; each warns once and keeps serving; real invalidations still arrive', async () => {
    const keyPrefix = `t${randomUUID().slice(0, 8)}`;
    const env = { REDIS_HOST: '127.0.0.1', REDIS_PORT: String(servers.redis.plain), CACHE_KEY_PREFIX: keyPrefix };
    const stranger = new Redis({ port: servers.redis.plain, host: '127.0.0.1', lazyConnect: true });
    cleanups.push(() => stranger.quit());
    const writerLogs = captureLogs();
    const writer = createDbContainer({ env, logger: writerLogs.logger });
    cleanups.push(() => writer.dispose());
    let ready = 0;
    const stops: Array<(text: string) => void> = [];
    let bothReady = () => undefined as void;
    const allReady = new Promise<void>((resolve) => (bothReady = resolve));
    const onLine = (tag: string, write: (text: string) => void) => {
      if (tag !== 'READY') return;
      stops.push(write);
      if (++ready === 2) bothReady();
    };
    const children = [runFixture(busFixture, ['serve'], env, onLine), runFixture(busFixture, ['serve'], env, onLine)];
    await Promise.race([allReady, Promise.all(children)]);
    expect(ready, 'a child did not get ready').toBe(2);

    const channels = (await stranger.pubsub('CHANNELS', `${keyPrefix}:*`)) as string[];
    expect(channels, 'the bus channel carries the key prefix').toHaveLength(1);
    let receivers = 0;
    for (let round = 0; round < 3; round += 1) {
      for (const message of MALFORMED) receivers = Math.max(receivers, await stranger.publish(channels[0]!, message));
    }
    expect(receivers, 'both children are subscribed').toBeGreaterThanOrEqual(2);
    // A real change from another container still reaches both memory tiers after the garbage.
    await writer.resolve(CacheProvider).client.set({ key: 'shared', value: 'new', ttl: 600_000 });
    await new Promise((resolve) => setTimeout(resolve, 700));
    for (const stop of stops) stop('STOP\n');
    const results = await Promise.all(children);
    for (const child of results) {
      expectExitedCleanly(child);
      const done = child.field<{ served: number; failed: number; shared: string }>('DONE');
      expect(done, child.stdout.slice(-2000)).toBeDefined();
      expect(done!.served).toBeGreaterThan(5);
      expect(done!.failed).toBe(0);
      expect(done!.shared).toBe('new');
      const dropped = warnings(child, BUS_LOG.dropped);
      expect(dropped, 'one warning for 45 malformed messages').toHaveLength(1);
      // Neither the message nor its payload is echoed.
      expect(child.stdout).not.toContain('MARKER-PAYLOAD-7f3a');
      expect(child.stdout).not.toContain('a plain string');
      const debugDrops = child.logs().filter((entry) => entry.msg === BUS_LOG.dropped);
      expect(Math.max(...debugDrops.map((entry) => Number(entry.dropped)))).toBe(MALFORMED.length * 3);
    }
  }, 90_000);

  it('subscription failures (closed port, wrong password) are no unhandled rejection: calls are answered, health says down with the reason', async () => {
    const closedPort = await freePort();
    const acl = await startRedis({ user: { name: 'app', password: 'right-password' } });
    cleanups.push(() => acl.stop());
    const cases: Array<{ name: string; env: Record<string, string>; reason: RegExp }> = [
      { name: 'closed port', env: { REDIS_HOST: '127.0.0.1', REDIS_PORT: String(closedPort) }, reason: /ECONNREFUSED|reconnecting|connecting|end|close/ },
      { name: 'wrong password', env: { REDIS_HOST: '127.0.0.1', REDIS_PORT: String(acl.port), REDIS_USERNAME: 'app', REDIS_PASSWORD: 'wrong-password-9c1d' }, reason: /WRONGPASS|auth|reconnecting|connecting|end|close/i },
    ];
    for (const scenario of ['connect-first', 'use'] as const) {
      for (const { name, env, reason } of cases) {
        const child = await runFixture(busFixture, [scenario], { ...env, REDIS_RETRY_RETRIES: '1', REDIS_RETRY_MAX_DELAY_MS: '200' });
        expectExitedCleanly(child);
        const done = child.field<{ connectError?: string; outcomes: string[]; health: { status: string; error?: string; components?: Array<{ provider: string; status: string; error?: string }> } }>('DONE');
        expect(done, `${scenario} / ${name}: ${child.stdout.slice(-1500)}`).toBeDefined();
        if (scenario === 'connect-first') expect(done!.connectError).toMatch(/ProviderError|TimeoutError/);
        // Each call is answered (the factory's value from the memory tier), none hangs.
        expect(done!.outcomes).toEqual(Array(6).fill('loaded'));
        expect(done!.health.status, `${scenario} / ${name}`).toBe('down');
        expect(done!.health.error, `${scenario} / ${name}`).toMatch(reason);
        expect(child.stdout).not.toContain('wrong-password-9c1d');
      }
    }
  }, 120_000);

  it('Redis frozen while the bus subscribes, then killed and restarted: no unhandled rejection, and the bus subscribes again (health up)', async () => {
    const server = await startRedis();
    let frozen = true;
    cleanups.push(async () => {
      if (frozen) process.kill(server.pid, 'SIGCONT');
      await server.stop();
    });
    process.kill(server.pid, 'SIGSTOP');
    const child = await runFixture(busFixture, ['recover'], { REDIS_HOST: '127.0.0.1', REDIS_PORT: String(server.port), REDIS_RETRY_MAX_DELAY_MS: '200' }, async (tag, write) => {
      if (tag !== 'READY') return;
      await new Promise((resolve) => setTimeout(resolve, 800));
      await server.kill();
      frozen = false;
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await server.restart();
      write('STOP\n');
    });
    expectExitedCleanly(child);
    const done = child.field<{ outcomes: string[]; health: { status: string }; healthAfter: { status: string; components?: unknown[] } }>('DONE');
    expect(done, child.stdout.slice(-1500)).toBeDefined();
    expect(done!.outcomes).toEqual(Array(3).fill('loaded'));
    expect(done!.healthAfter, JSON.stringify(done)).toMatchObject({ status: 'up' });
  }, 90_000);
});
