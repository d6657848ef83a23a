import 'reflect-metadata';
import { afterAll, describe, expect, it, vi } from 'vitest';
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

  it('a fresh process (a forgotten slot) gets a new container', async () => {
    const before = (await evaluate()).api.getDefaultContainer();
    forgetDefaultContainer();
    const after = (await evaluate()).api.getDefaultContainer();
    expect(after).not.toBe(before);
    await after.dispose();
  });
});
