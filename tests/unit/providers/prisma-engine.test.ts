import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import type { PrismaClient } from '../../../generated/prisma/index.js';
import { loadConfig } from '../../../src/config/index.js';
import { ProviderError } from '../../../src/errors.js';
import { ContainerLifecycle } from '../../../src/lifecycle/container-lifecycle.js';
import { PrismaProvider, type GeneratedPrismaModule, type PrismaClientOptions } from '../../../src/providers/prisma.js';
import { fakeEngine, type FakeEngine } from '../../helpers/prisma-engine.js';
import { captureLogs } from '../../helpers/logs.js';

// The provider with the real generated client whose query engine is an in-memory recorder (the seam is the
// provider's createBaseClient): what the provider builds, connects, probes and closes is observable.
const PASSWORD = 'Pw-engine-7-secret';
const URL = `mongodb://app:${PASSWORD}@127.0.0.1:9/ratecreator`;

class ObservedPrisma extends PrismaProvider {
  engine: FakeEngine | undefined;
  options: PrismaClientOptions | undefined;
  protected override createBaseClient(generated: GeneratedPrismaModule, options: PrismaClientOptions): PrismaClient {
    const base = super.createBaseClient(generated, options);
    this.options = options;
    this.engine = fakeEngine(base);
    return base;
  }
}

function setup(env: Record<string, string> = {}, shutdownMs = 2000) {
  const logs = captureLogs();
  const config = loadConfig({ DATABASE_URL_ONLINE: URL, PRISMA_RETRY_INITIAL_DELAY_MS: '10', PRISMA_RETRY_MAX_DELAY_MS: '40', ...env });
  const lifecycle = new ContainerLifecycle(shutdownMs, logs.logger);
  const provider = new ObservedPrisma(config, logs.logger, lifecycle);
  const client = provider.client;
  const engine = provider.engine as FakeEngine;
  return { logs, lifecycle, provider, client, engine };
}

describe('PrismaProvider over a recorded engine', () => {
  it('builds the client from DATABASE_URL_ONLINE with event logging and minimal error format', () => {
    const { provider } = setup({ PRISMA_LOG_QUERIES: 'true' });
    expect(provider.options).toMatchObject({ datasourceUrl: URL, errorFormat: 'minimal' });
    expect(provider.options?.log.map((entry) => `${entry.emit}:${entry.level}`)).toEqual(['event:error', 'event:warn', 'event:info', 'event:query']);
    expect(setup().provider.options?.log.map((entry) => entry.level)).toEqual(['error', 'warn', 'info']);
  });

  it('hands out the soft-delete client: delete on a soft-deleted model is an update', async () => {
    const { client, engine, lifecycle } = setup();
    await client.review.delete({ where: { id: '000000000000000000000001' } });
    await client.vote.delete({ where: { id: '000000000000000000000002' } });
    expect(engine.queries.map((q) => `${q.modelName}.${q.action}`)).toEqual(['Review.updateOne', 'Vote.deleteOne']);
    // Both extensions (engine errors, soft delete) keep batch transactions working.
    const [deleted, votes] = await client.$transaction([client.comment.delete({ where: { id: '000000000000000000000003' } }), client.vote.findMany()]);
    expect(deleted).toMatchObject({ id: '000000000000000000000001' });
    expect(votes).toEqual([]);
    expect(engine.queries.slice(2).map((q) => `${q.modelName}.${q.action}@${q.transaction}`)).toEqual(['Comment.updateOne@batch', 'Vote.findMany@batch']);
    await lifecycle.dispose();
  });

  it('connect() runs $connect then a ping', async () => {
    const { provider, engine, lifecycle } = setup();
    await provider.connect();
    expect(engine.calls.start).toBe(1);
    expect(engine.queries.map((q) => q.action)).toEqual(['runCommandRaw']);
    expect(engine.queries[0]?.args).toMatchObject({ command: { ping: 1 } });
    await lifecycle.dispose();
    expect(engine.calls.stop).toBe(1);
  });

  it('connect() retries with backoff until the server answers', async () => {
    const { provider, engine, logs, lifecycle } = setup({ PRISMA_RETRY_RETRIES: '5' });
    let failures = 0;
    engine.start = async () => {
      if (failures < 2) {
        failures += 1;
        throw new Error(`Server selection timeout: No available servers (attempt ${failures}) ${URL}`);
      }
    };
    await provider.connect();
    expect(engine.calls.start).toBe(3);
    const attempts = logs.lines.filter((line) => line.includes('connect attempt failed'));
    expect(attempts).toHaveLength(2);
    expect(logs.text()).not.toContain(PASSWORD);
    await lifecycle.dispose();
  });

  it('connect() gives up after PRISMA_RETRY_RETRIES with a ProviderError keeping a scrubbed copy of the cause', async () => {
    const { provider, engine, lifecycle } = setup({ PRISMA_RETRY_RETRIES: '2' });
    const cause = new Error(`Server selection timeout for ${URL}`);
    engine.start = async () => {
      throw cause;
    };
    const error = await provider.connect().catch((e: unknown) => e);
    expect(engine.calls.start).toBe(3);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as Error).message).toMatch(/^\[prisma\] connect failed: Server selection timeout/);
    expect((error as Error).message).not.toContain(PASSWORD);
    // The cause is a copy (same class, same fields) with the credentials removed; the original is left alone.
    const kept = (error as Error).cause as Error;
    expect(kept).not.toBe(cause);
    expect(Object.getPrototypeOf(kept)).toBe(Object.getPrototypeOf(cause));
    expect(kept.message).toBe('Server selection timeout for mongodb://***@127.0.0.1:9/ratecreator');
    expect(kept.stack).not.toContain(PASSWORD);
    expect(cause.message).toContain(PASSWORD);
    await lifecycle.dispose();
  });

  it('connect() does not retry an authentication failure', async () => {
    const { provider, engine, lifecycle } = setup({ PRISMA_RETRY_RETRIES: '5' });
    engine.start = async () => {
      throw new Error('Authentication failed against database server');
    };
    await expect(provider.connect()).rejects.toThrow(/Authentication failed/);
    expect(engine.calls.start).toBe(1);
    // Prisma's own code for an invalid connection string stops the retries as well.
    engine.start = async () => {
      throw Object.assign(new Error('The provided database string is invalid.'), { errorCode: 'P1013' });
    };
    await expect(provider.connect()).rejects.toThrow(/database string is invalid/);
    expect(engine.calls.start).toBe(2);
    await lifecycle.dispose();
  });

  it('disposal stops a connect() that is waiting to retry', async () => {
    const { provider, engine, lifecycle } = setup({ PRISMA_RETRY_RETRIES: '50', PRISMA_RETRY_INITIAL_DELAY_MS: '200', PRISMA_RETRY_MAX_DELAY_MS: '200' });
    engine.start = async () => {
      throw new Error('No available servers');
    };
    const connecting = provider.connect().catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const report = await lifecycle.dispose();
    expect(await connecting).toBeInstanceOf(ProviderError);
    expect(engine.calls.start).toBeLessThan(5);
    expect(report.providers[0]).toMatchObject({ provider: 'prisma', status: 'closed' });
  });

  it('health() pings: up when answered, down (not thrown) when failing or hanging', async () => {
    const { provider, engine, lifecycle } = setup();
    expect(await provider.health()).toMatchObject({ provider: 'prisma', status: 'up' });
    expect(engine.queries.at(-1)).toMatchObject({ action: 'runCommandRaw', args: { command: { ping: 1 } } });
    engine.answer = () => new Error(`connection refused ${URL}`);
    const down = await provider.health();
    expect(down).toMatchObject({ status: 'down' });
    expect(down.error).not.toContain(PASSWORD);
    expect(down.error).toMatch(/^\[prisma\] ping failed: connection refused mongodb:\/\/\*\*\*@/);
    const hanging = setup();
    (hanging.client as unknown as { _engine: { request: () => Promise<never> } })._engine.request = () => new Promise<never>(() => undefined);
    const started = Date.now();
    const slow = await hanging.provider.health({ timeoutMs: 100 });
    expect(slow).toMatchObject({ status: 'down' });
    expect(slow.error).toMatch(/timed out after 100 ms/);
    expect(Date.now() - started).toBeLessThan(5000);
    await Promise.all([lifecycle.dispose(), hanging.lifecycle.dispose()]);
  });

  it('disposal is bounded: a $disconnect that never ends is reported timed_out within the budget', async () => {
    const { engine, lifecycle } = setup({}, 150);
    engine.stop = () => new Promise<void>(() => undefined);
    const started = Date.now();
    const report = await lifecycle.dispose();
    expect(report.providers[0]).toMatchObject({ provider: 'prisma', status: 'timed_out' });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('a failing $disconnect is reported failed, not thrown', async () => {
    const { engine, lifecycle } = setup();
    engine.stop = async () => {
      throw new Error('engine crashed while stopping');
    };
    const report = await lifecycle.dispose();
    expect(report.providers[0]).toMatchObject({ provider: 'prisma', status: 'failed', error: 'engine crashed while stopping' });
  });

  it('Prisma log events reach the provider logger, with credentials stripped', async () => {
    const { client, engine, logs, lifecycle } = setup({ PRISMA_LOG_QUERIES: 'true' });
    engine.answer = () => new Error(`cannot reach ${URL}`);
    await client.user.findMany().catch(() => undefined);
    const line = logs.lines.map((text) => JSON.parse(text) as Record<string, unknown>).find((entry) => entry.provider === 'prisma' && entry.level === 50);
    expect(line?.msg).toContain('mongodb://***@127.0.0.1:9/ratecreator');
    expect(line).toMatchObject({ target: 'mongodb://127.0.0.1:9/ratecreator', prismaTarget: 'user.findMany' });
    expect(logs.text()).not.toContain(PASSWORD);
    await lifecycle.dispose();
  });
});
