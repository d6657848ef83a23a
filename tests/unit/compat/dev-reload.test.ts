import 'reflect-metadata';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { forgetDefaultContainer } from '../../helpers/default-slot.js';

// `next dev` evaluates a bundled package's modules again after an edit. vi.resetModules() does the same here: the
// second evaluation has classes of its own, and must still reach the clients the first one built.
async function evaluate() {
  vi.resetModules();
  return {
    redisDo: await import('../../../src/compat/redis-do.js'),
    kafka: await import('../../../src/compat/kafka-client.js'),
    api: await import('../../../src/index.js'),
  };
}

describe('the default container across module reloads', () => {
  vi.stubEnv('REDIS_HOST', '127.0.0.1');
  vi.stubEnv('REDIS_PORT', '9');
  vi.stubEnv('KAFKA_SERVICE_URI', '127.0.0.1:9');
  vi.stubEnv('LOG_LEVEL', 'silent');
  beforeEach(() => forgetDefaultContainer());
  afterAll(() => {
    vi.unstubAllEnvs();
    forgetDefaultContainer();
  });

  it('hands out the clients the first evaluation built, so a reload opens no second connection', async () => {
    const first = await evaluate();
    const redis = first.redisDo.getRedisClient();
    const kafka = first.kafka.getKafkaClient();
    const second = await evaluate();
    // A new evaluation: other class objects, which alone would resolve a second provider (and client).
    expect(second.api.RedisProvider).not.toBe(first.api.RedisProvider);
    expect(second.redisDo.getRedisClient()).toBe(redis);
    expect(second.kafka.getKafkaClient()).toBe(kafka);
    expect(second.api.getDefaultContainer()).toBe(first.api.getDefaultContainer());
    await first.api.getDefaultContainer().dispose();
    // Disposal through either evaluation is one disposal: the reloaded functions see it too.
    expect(() => second.redisDo.getRedisClient()).toThrow(/disposed/i);
  });

  it('a reloaded evaluation can install hooks, check health, dispose with a report and resolve by its own classes', async () => {
    const first = await evaluate();
    const redis = first.redisDo.getRedisClient();
    const removeHooks = first.api.installShutdownHooks(first.api.getDefaultContainer(), { signals: ['SIGUSR2'], exit: () => undefined });
    const listeners = process.listenerCount('SIGUSR2');
    const second = await evaluate();
    const container = second.api.getDefaultContainer();
    // The new evaluation's class resolves the provider the first one built, not a second unregistered one.
    expect(container.resolve(second.api.RedisProvider).client).toBe(redis);
    expect(container.resolve(second.api.RedisProvider)).toBe(container.resolve(first.api.RedisProvider));
    // Hooks: installing again from the reloaded module keeps the first set (no second listener).
    expect(second.api.installShutdownHooks(container, { signals: ['SIGUSR2'], exit: () => undefined })).toBe(removeHooks);
    expect(process.listenerCount('SIGUSR2')).toBe(listeners);
    // Health works on it (it threw "not created by createDbContainer()" when the lifecycle sat in a module's map).
    const health = await second.api.checkHealth(container, { timeoutMs: 200 });
    expect(health.providers.map((row) => [row.provider, row.status])).toEqual([
      ['redis', 'not_initialized'], ['kafka', 'not_initialized'], ['prisma', 'not_configured'], ['mongodb', 'not_configured'], ['algolia', 'not_configured'],
      ['elasticsearch', 'not_configured'], ['cache', 'not_initialized'],
    ]);
    const report = await second.api.disposeWithReport(container);
    expect(report.providers.find((row) => row.provider === 'redis')?.status).toBe('closed');
    expect(first.api.lastDisposalReport(container)).toBe(report);
    removeHooks();
    expect(process.listenerCount('SIGUSR2')).toBe(listeners - 1);
  });

  it('a fresh process (a forgotten slot) gets a new container', async () => {
    const before = (await evaluate()).api.getDefaultContainer();
    forgetDefaultContainer();
    const after = (await evaluate()).api.getDefaultContainer();
    expect(after).not.toBe(before);
    await after.dispose();
  });
});
