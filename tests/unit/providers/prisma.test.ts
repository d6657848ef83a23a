import 'reflect-metadata';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createDbContainer, disposeWithReport } from '../../../src/container.js';
import { loadConfig } from '../../../src/config/index.js';
import { ConfigError, DisposedError, ProviderError } from '../../../src/errors.js';
import { PrismaProvider } from '../../../src/providers/prisma.js';
import { captureLogs } from '../../helpers/logs.js';

// These tests use the real generated client with its query engine made unavailable on purpose (a path that does
// not exist), whatever this machine has: Prisma reads PRISMA_QUERY_ENGINE_LIBRARY when the client is constructed.
const NO_ENGINE = join(tmpdir(), 'ratecreator-db-no-such-dir', 'libquery_engine-missing.so.node');
const PASSWORD = 'S3cret-prisma-pw';
const URL = `mongodb://app:${PASSWORD}@127.0.0.1:9/ratecreator?serverSelectionTimeoutMS=200`;

/** Collects unhandled rejections while a test runs. */
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
/** Lets any rejection that nobody handles surface (Node reports them after the microtask queue drains). */
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

function setup(env: Record<string, string> = { DATABASE_URL_ONLINE: URL }) {
  const logs = captureLogs();
  const container = createDbContainer({ config: loadConfig({ PRISMA_RETRY_RETRIES: '2', ...env }), logger: logs.logger });
  return { logs, container, provider: container.resolve(PrismaProvider) };
}

beforeEach(() => {
  unhandled.length = 0;
  process.on('unhandledRejection', onUnhandled);
  vi.stubEnv('PRISMA_QUERY_ENGINE_LIBRARY', NO_ENGINE);
});

afterEach(async () => {
  await settle();
  process.off('unhandledRejection', onUnhandled);
  vi.unstubAllEnvs();
  expect(unhandled).toEqual([]);
});

describe('PrismaProvider without configuration', () => {
  it('is registered, reports not_configured, and using it throws a ConfigError naming DATABASE_URL_ONLINE', async () => {
    const { container, provider } = setup({});
    expect(provider.isConfigured).toBe(false);
    expect(await provider.health()).toMatchObject({ status: 'not_configured' });
    expect(() => provider.client).toThrow(ConfigError);
    expect(() => provider.client).toThrow(/DATABASE_URL_ONLINE/);
    const report = await disposeWithReport(container);
    expect(report.providers.find((row) => row.provider === 'prisma')).toMatchObject({ status: 'not_initialized' });
  });
});

describe('PrismaProvider when the query engine is missing', () => {
  it('resolving builds nothing; disposal reports not_initialized', async () => {
    const { container, provider } = setup();
    expect(provider.isBuilt).toBe(false);
    expect(await provider.health()).toMatchObject({ status: 'not_initialized' });
    const report = await disposeWithReport(container);
    expect(report.providers.find((row) => row.provider === 'prisma')).toMatchObject({ status: 'not_initialized' });
  });

  it('a client built and never used leaves no unhandled rejection and disposes cleanly', async () => {
    const { container, provider } = setup();
    expect(provider.client.review).toBeDefined();
    await settle();
    expect(unhandled).toEqual([]);
    const report = await disposeWithReport(container);
    expect(report.ok).toBe(true);
    expect(report.providers.find((row) => row.provider === 'prisma')).toMatchObject({ status: 'closed' });
  });

  it('a query fails with a ProviderError that says the engine is missing and how to fix it', async () => {
    const { container, provider, logs } = setup();
    const error = await provider.client.review.findMany({ where: { stars: 5 } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).provider).toBe('prisma');
    expect((error as Error).message).toMatch(/^\[prisma\] Prisma query engine is not available \(.*\); to fix: set PRISMA_QUERY_ENGINE_LIBRARY/);
    expect((error as Error).message).toContain('libquery_engine-missing.so.node');
    expect(((error as Error).cause as Error).name).toBe('PrismaClientInitializationError');
    // Soft deletes and raw commands go through the same translation.
    await expect(provider.client.review.delete({ where: { id: '000000000000000000000001' } })).rejects.toThrow(/query engine is not available/);
    await expect(provider.client.$runCommandRaw({ ping: 1 })).rejects.toBeInstanceOf(ProviderError);
    await expect(provider.client.$transaction([provider.client.user.count()])).rejects.toThrow(/query engine is not available/);
    await disposeWithReport(container);
    expect(logs.text()).not.toContain(PASSWORD);
    expect((error as Error).message).not.toContain(PASSWORD);
  });

  it('connect() fails at once (no retries) with the same explanation', async () => {
    const { container, provider, logs } = setup();
    const error = await provider.connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as Error).message).toMatch(/query engine is not available.*PRISMA_QUERY_ENGINE_LIBRARY/s);
    expect(logs.lines.filter((line) => line.includes('connect attempt failed'))).toHaveLength(1);
    await disposeWithReport(container);
    expect(logs.text()).not.toContain(PASSWORD);
  });

  it('health() reports down with the reason instead of throwing', async () => {
    const { container, provider } = setup();
    void provider.client;
    const health = await provider.health({ timeoutMs: 2000 });
    expect(health).toMatchObject({ provider: 'prisma', status: 'down' });
    expect(health.error).toMatch(/query engine is not available/);
    expect(health.error).not.toContain(PASSWORD);
    await disposeWithReport(container);
  });

  it('disposal after failed use closes cleanly, twice, and the client is then refused', async () => {
    const { container, provider } = setup();
    await provider.client.user.findFirst().catch(() => undefined);
    const [first, second] = await Promise.all([provider.dispose(), provider.dispose()]);
    expect(first).toBe(second);
    const report = await disposeWithReport(container);
    expect(report.providers.find((row) => row.provider === 'prisma')).toMatchObject({ status: 'closed' });
    // Built before, but closed now: handing it out again would only move the failure somewhere less clear.
    expect(() => provider.client).toThrow(DisposedError);
  });
});

describe('a whole process without a query engine', () => {
  // The script is a file of the repository's so that tsx compiles the sources it imports (src/ is CommonJS: an
  // `-e` script does not get tsx's named exports from it).
  const run = (script: string) => {
    const file = join(fileURLToPath(new globalThis.URL('../../..', import.meta.url)), `.prisma-child-${process.pid}-${Date.now()}.mts`);
    writeFileSync(file, script);
    try {
      return spawnSync(process.execPath, ['--import', 'tsx', file], {
        cwd: dirname(file),
        env: { ...process.env, PRISMA_QUERY_ENGINE_LIBRARY: NO_ENGINE, DATABASE_URL_ONLINE: URL, LOG_LEVEL: 'silent' },
        encoding: 'utf8',
        timeout: 60_000,
      });
    } finally {
      rmSync(file, { force: true });
    }
  };
  const WATCH = "process.on('unhandledRejection', (e) => { console.log('UNHANDLED ' + String(e).split('\\n')[0]); process.exitCode = 7; });";

  it('control: a bare generated client built without an engine leaks an unhandled rejection', () => {
    const result = run(`${WATCH}
      import { createRequire } from 'node:module';
      const { PrismaClient } = createRequire(import.meta.url)('./generated/prisma/index.js');
      new PrismaClient();`);
    expect(result.stdout).toContain('UNHANDLED');
  });

  it('builds, uses, fails and disposes through the provider, then exits by itself with no unhandled rejection', () => {
    const result = run(`${WATCH}
      import 'reflect-metadata';
      import { createDbContainer } from './src/container.ts';
      import { PrismaProvider } from './src/providers/prisma.ts';
      const idle = createDbContainer();
      void idle.resolve(PrismaProvider).client;
      const used = createDbContainer();
      const prisma = used.resolve(PrismaProvider);
      const failure = await prisma.client.review.findMany().catch((e) => e);
      console.log('QUERY ' + failure.name);
      await new Promise((r) => setTimeout(r, 100));
      await idle.dispose();
      await used.dispose();
      console.log('DONE');`);
    expect(result.stderr).not.toMatch(/Error|Warning/);
    expect(result.stdout).toContain('QUERY ProviderError');
    expect(result.stdout).toContain('DONE');
    expect(result.stdout).not.toContain('UNHANDLED');
    expect(result.status).toBe(0);
  });
});
