import { randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { startRedis, type RedisServer } from '../../scripts/servers/redis.js';
import { createDbContainer, disposeWithReport, type DbContainer } from '../../src/container.js';
import { checkHealth } from '../../src/lifecycle/health.js';
import { CacheProvider } from '../../src/providers/cache.js';
import { CACHE_LOG } from '../../src/providers/cache-logs.js';
import { RedisProvider } from '../../src/providers/redis.js';
import { captureLogs } from '../helpers/logs.js';

const servers = inject('servers');
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const raw = new Redis({ host: '127.0.0.1', port: servers.redis.plain, lazyConnect: true });
afterAll(() => raw.quit());

function container(env: Record<string, string> = {}, port = servers.redis.plain, logs = captureLogs()): DbContainer {
  const c = createDbContainer({ env: { REDIS_HOST: '127.0.0.1', REDIS_PORT: String(port), ...env }, logger: logs.logger });
  cleanups.push(() => c.dispose());
  return c;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** A unique key prefix per test: the shared server keeps every other test's keys. */
const prefix = () => `t${randomUUID().slice(0, 8)}`;
const messages = (lines: string[], msg: string) => lines.filter((line) => (JSON.parse(line) as { msg?: string }).msg === msg);

async function until(probe: () => Promise<boolean> | boolean, timeoutMs = 15_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) return true;
    await sleep(50);
  }
  return false;
}

describe('CacheProvider on the real Redis', () => {
  it('1,000 concurrent getOrSet calls for one cold key run the factory once, and the value lands in Redis', async () => {
    const keyPrefix = prefix();
    const cache = container({ CACHE_KEY_PREFIX: keyPrefix }).resolve(CacheProvider);
    let runs = 0;
    const started = performance.now();
    const values = await Promise.all(Array.from({ length: 1000 }, () => cache.getOrSet({
      key: 'account:42',
      ttl: 60_000,
      factory: async () => {
        runs += 1;
        await sleep(100);
        return { id: 42, name: 'creator' };
      },
    })));
    const ms = Math.round(performance.now() - started);
    console.log(`FIGURES ${JSON.stringify({ test: 'stampede-1-process', calls: 1000, factoryRuns: runs, ms })}`);
    expect(runs).toBe(1);
    expect(values.every((value) => value.name === 'creator')).toBe(true);
    const stored = await raw.get(`${keyPrefix}:account:42`);
    expect(JSON.parse(stored!)).toMatchObject({ value: { id: 42, name: 'creator' } });
    // The health row shows the Redis tier and the bus.
    const health = await cache.health();
    expect(health.status).toBe('up');
    expect(health.components?.map((part) => `${part.provider}:${part.status}`)).toEqual(['cache.redis:up', 'cache.bus:up']);
  });

  it('three processes hitting one cold key: at most one factory run per process; one in all when they arrive in turn', async () => {
    const fixture = fileURLToPath(new URL('../fixtures/cache-stampede.ts', import.meta.url));
    const runTrio = async (staggerMs: number) => {
      const run = prefix();
      const env = { ...process.env, REDIS_HOST: '127.0.0.1', REDIS_PORT: String(servers.redis.plain), CACHE_KEY_PREFIX: run };
      const children = [0, 1, 2].map(() => {
        const child = spawn(process.execPath, ['--import', 'tsx', fixture, run, '300'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
        const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
        const exited = new Promise<{ code: number | null; stdout: string }>((resolve) => child.once('exit', (code) => {
          clearTimeout(guard);
          resolve({ code, stdout });
        }));
        cleanups.push(() => child.exitCode === null && child.kill('SIGKILL'));
        return exited;
      });
      expect(await until(async () => Number(await raw.get(`${run}:ready`)) === 3, 45_000)).toBe(true);
      // One go each: at once (one LPUSH of three tokens), or the first alone and the others once its value is stored.
      if (staggerMs === 0) await raw.lpush(`${run}:go`, 'a', 'b', 'c');
      else {
        await raw.lpush(`${run}:go`, 'a');
        await sleep(staggerMs);
        await raw.lpush(`${run}:go`, 'b', 'c');
      }
      const outcomes = await Promise.all(children);
      const results = outcomes.map((outcome) => {
        expect(outcome.code).toBe(0);
        return JSON.parse(outcome.stdout.trim()) as { ran: boolean; value: { loadedBy: number }; ms: number; ok: boolean };
      });
      const runs = Number(await raw.get(`${run}:runs`));
      return { runs, ranPerProcess: results.map((r) => r.ran), ms: results.map((r) => r.ms), ok: results.every((r) => r.ok), loadedBy: new Set(results.map((r) => r.value.loadedBy)).size };
    };
    const together = await runTrio(0);
    const inTurn = await runTrio(1000);
    console.log(`FIGURES ${JSON.stringify({ test: 'stampede-3-processes', together, inTurn })}`);
    // bentocache's lock is per process: at most one run each, whatever the timing.
    expect(together.runs).toBeGreaterThanOrEqual(1);
    expect(together.runs).toBeLessThanOrEqual(3);
    expect(together.runs).toBe(together.ranPerProcess.filter(Boolean).length);
    expect(together.ok).toBe(true);
    // Arriving after the first process stored the value, the others read it from the Redis tier.
    expect(inTurn.runs).toBe(1);
    expect(inTurn.loadedBy).toBe(1);
  }, 120_000);

  it('Redis killed: stale values within the grace period, one warning; after Redis is back, values refresh', async () => {
    const server: RedisServer = await startRedis();
    cleanups.push(() => server.stop());
    const logs = captureLogs();
    const keyPrefix = prefix();
    const c = container({
      CACHE_KEY_PREFIX: keyPrefix, CACHE_GRACE_MS: '600000', CACHE_GRACE_BACKOFF_MS: '100', CACHE_L2_CIRCUIT_BREAKER_MS: '300',
      REDIS_MAX_RETRIES_PER_REQUEST: '1', REDIS_RETRY_INITIAL_DELAY_MS: '50', REDIS_RETRY_MAX_DELAY_MS: '200',
    }, server.port, logs);
    const cache = c.resolve(CacheProvider);
    await cache.connect();
    expect(await cache.getOrSet({ key: 'k', ttl: 200, factory: () => 'v1' })).toBe('v1');

    await server.kill();
    await sleep(300); // past the TTL, well within the grace period
    const failing = () => Promise.reject(new Error('database unreachable too'));
    const started = performance.now();
    const reads: string[] = [];
    for (let i = 0; i < 30; i += 1) reads.push(await cache.getOrSet({ key: 'k', ttl: 200, factory: failing }));
    const outageMs = Math.round(performance.now() - started);
    expect(reads).toEqual(Array(30).fill('v1'));
    expect(messages(logs.lines, CACHE_LOG.tierDown)).toHaveLength(1);
    expect(messages(logs.lines, CACHE_LOG.stale)).toHaveLength(1);
    expect((await checkHealth(c, { timeoutMs: 500 })).providers.find((row) => row.provider === 'cache')).toMatchObject({
      status: 'down', components: [expect.objectContaining({ provider: 'cache.redis', status: 'down' }), expect.objectContaining({ provider: 'cache.bus' })],
    });

    await server.restart();
    expect(await until(async () => (await c.resolve(RedisProvider).health({ timeoutMs: 500 })).status === 'up')).toBe(true);
    // A refresh while the circuit breaker still skips Redis would update the memory tier only (bentocache does not
    // write it to Redis later): wait for the breaker to close.
    await sleep(400);
    const refreshed = await until(async () => (await cache.getOrSet({ key: 'k', ttl: 60_000, factory: () => 'v2' })) === 'v2');
    expect(refreshed).toBe(true);
    // The refreshed value is written to the Redis tier again.
    expect(await until(async () => {
      const check = new Redis({ host: '127.0.0.1', port: server.port, lazyConnect: true });
      try {
        const stored = await check.get(`${keyPrefix}:k`);
        return stored !== null && (JSON.parse(stored) as { value: string }).value === 'v2';
      } finally {
        check.disconnect();
      }
    })).toBe(true);
    expect(messages(logs.lines, CACHE_LOG.tierBack)).toHaveLength(1);
    console.log(`FIGURES ${JSON.stringify({ test: 'redis-killed', reads: 30, outageReadsMs: outageMs, tierDownWarnings: 1, staleWarnings: 1 })}`);
  });

  it('invalidation in one container reaches the memory tier of another through the bus (and not without it)', async () => {
    const keyPrefix = prefix();
    const a = container({ CACHE_KEY_PREFIX: keyPrefix }).resolve(CacheProvider);
    const b = container({ CACHE_KEY_PREFIX: keyPrefix }).resolve(CacheProvider);
    const noBus = container({ CACHE_KEY_PREFIX: keyPrefix, CACHE_BUS: 'false' }).resolve(CacheProvider);
    await Promise.all([a.connect(), b.connect(), noBus.connect()]);
    const load = (value: string) => () => value;
    expect(await a.getOrSet({ key: 'creator:7', ttl: 60_000, factory: load('old') })).toBe('old');
    expect(await b.getOrSet({ key: 'creator:7', ttl: 60_000, factory: load('unused') })).toBe('old');
    expect(await noBus.getOrSet({ key: 'creator:7', ttl: 60_000, factory: load('unused') })).toBe('old');
    // Each now holds 'old' in its memory tier. A changes the value.
    const started = performance.now();
    await a.client.set({ key: 'creator:7', value: 'new', ttl: 60_000 });
    expect(await until(async () => (await b.client.get({ key: 'creator:7' })) === 'new', 5000)).toBe(true);
    const propagationMs = Math.round(performance.now() - started);
    await a.client.delete({ key: 'creator:7' });
    expect(await until(async () => (await b.client.get({ key: 'creator:7' })) === undefined, 5000)).toBe(true);
    // Without the bus the memory copy stays until its TTL.
    expect(await noBus.client.get({ key: 'creator:7' })).toBe('old');
    console.log(`FIGURES ${JSON.stringify({ test: 'bus-invalidation', propagationMs })}`);
  });

  it('a factory that hangs: the soft timeout serves the stale value, the hard timeout fails with a clear error', async () => {
    const cache = container({ CACHE_KEY_PREFIX: prefix() }).resolve(CacheProvider);
    const hang = () => new Promise<string>(() => undefined);
    expect(await cache.getOrSet({ key: 'slow', ttl: 100, grace: 60_000, factory: () => 'stale-ok' })).toBe('stale-ok');
    await sleep(150);
    let started = performance.now();
    expect(await cache.getOrSet({ key: 'slow', ttl: 100, grace: 60_000, timeout: 200, hardTimeout: 2000, factory: hang })).toBe('stale-ok');
    const softMs = Math.round(performance.now() - started);
    expect(softMs).toBeGreaterThanOrEqual(150);
    expect(softMs).toBeLessThan(2000);
    started = performance.now();
    const failure = await cache.getOrSet({ key: 'cold-slow', ttl: 100, timeout: 200, hardTimeout: 500, factory: hang }).catch((error: unknown) => error);
    const hardMs = Math.round(performance.now() - started);
    expect(failure).toBeInstanceOf(Error);
    expect(failure).toMatchObject({ code: 'E_FACTORY_HARD_TIMEOUT', key: 'cold-slow' });
    expect((failure as Error).message).toMatch(/timed out after waiting for hard timeout/);
    expect(hardMs).toBeGreaterThanOrEqual(450);
    console.log(`FIGURES ${JSON.stringify({ test: 'hanging-factory', softTimeoutServedStaleMs: softMs, hardTimeoutFailedMs: hardMs })}`);
  });

  it('disposal with writes in flight loses no acknowledged write and leaves no connection open', async () => {
    const keyPrefix = prefix();
    const clientsBefore = Number(/connected_clients:(\d+)/.exec(await raw.info('clients'))![1]);
    const tcpBefore = process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
    const c = createDbContainer({ env: { REDIS_HOST: '127.0.0.1', REDIS_PORT: String(servers.redis.plain), CACHE_KEY_PREFIX: keyPrefix }, logger: captureLogs().logger });
    const cache = c.resolve(CacheProvider);
    await cache.connect();
    // 500 writes of 64 KiB (32 MiB): still in flight, on the socket or in Redis, when disposal begins.
    const payload = 'x'.repeat(64 * 1024);
    const writes = Array.from({ length: 500 }, (_, i) => cache.client.set({ key: `w${i}`, value: { i, payload }, ttl: 60_000 }).then(
      (ok) => (ok ? i : undefined),
      () => undefined,
    ));
    const report = await disposeWithReport(c);
    const acknowledged = (await Promise.all(writes)).filter((i): i is number => i !== undefined);
    expect(report.ok).toBe(true);
    expect(report.providers.filter((row) => row.status !== 'not_initialized').map((row) => `${row.phase}:${row.provider}:${row.status}`))
      .toEqual(['cache:cache:closed', 'stores:redis:closed']);
    expect(acknowledged.length).toBe(500);
    const stored = await raw.mget(acknowledged.map((i) => `${keyPrefix}:w${i}`));
    const missing = acknowledged.filter((_, index) => stored[index] === null);
    console.log(`FIGURES ${JSON.stringify({ test: 'dispose-in-flight', writes: 500, acknowledged: acknowledged.length, missing: missing.length, cacheDrainMs: report.providers.find((r) => r.provider === 'cache')?.ms, detail: report.providers.find((r) => r.provider === 'cache')?.detail })}`);
    expect(missing).toEqual([]);
    // The shared connection and both bus connections are gone, on the server's side and in this process.
    expect(await until(async () => Number(/connected_clients:(\d+)/.exec(await raw.info('clients'))![1]) <= clientsBefore, 5000)).toBe(true);
    await sleep(20);
    expect(process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length).toBeLessThanOrEqual(tcpBefore);
  });

  it('the cache provider disposed alone (`await using`) waits for its writes, and leaves the Redis connection open', async () => {
    const keyPrefix = prefix();
    const c = container({ CACHE_KEY_PREFIX: keyPrefix });
    const redis = c.resolve(RedisProvider);
    let acknowledged: number[] = [];
    {
      await using cache = c.resolve(CacheProvider);
      await cache.connect();
      // Not awaited: the block ends (and disposal starts) while every one of them is still on its way to Redis.
      const writes = Array.from({ length: 200 }, (_, i) => cache.client.set({ key: `a${i}`, value: i, ttl: 60_000 }).then((ok) => (ok ? i : -1)));
      void Promise.all(writes).then((done) => (acknowledged = done.filter((i) => i >= 0)));
    }
    await sleep(50);
    expect(acknowledged).toHaveLength(200);
    const stored = await raw.mget(acknowledged.map((i) => `${keyPrefix}:a${i}`));
    expect(stored.filter((value) => value === null)).toHaveLength(0);
    // The shared connection belongs to the RedisProvider: still usable until the container closes it.
    expect(redis.client.status).toBe('ready');
    expect(await redis.client.ping()).toBe('PONG');
  });
});
