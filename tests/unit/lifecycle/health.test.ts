import { describe, expect, it } from 'vitest';
import { createDbContainer } from '../../../src/container.js';
import { checkHealth } from '../../../src/lifecycle/health.js';
import { createTestContainer } from '../../../src/testing/index.js';
import { RedisProvider } from '../../../src/providers/redis.js';
import { captureLogs } from '../../helpers/logs.js';

describe('checkHealth', () => {
  it('on a fresh container builds nothing and is up', async () => {
    const c = createDbContainer({ env: { REDIS_HOST: '127.0.0.1', REDIS_PORT: '1' }, logger: captureLogs().logger });
    const health = await checkHealth(c);
    expect(health.status).toBe('up');
    expect(health.httpStatus).toBe(200);
    expect(health.providers.find((p) => p.provider === 'redis')?.status).toBe('not_initialized');
    expect(c.resolve(RedisProvider).isBuilt).toBe(false);
    await c.dispose();
  });

  it('with probeUnused connects configured providers and reports a down one as 503', async () => {
    const c = createDbContainer({ env: { REDIS_HOST: '127.0.0.1', REDIS_PORT: '1', REDIS_RETRY_RETRIES: '0' }, logger: captureLogs().logger });
    const health = await checkHealth(c, { probeUnused: true, timeoutMs: 1000 });
    expect(health.status).toBe('down');
    expect(health.httpStatus).toBe(503);
    expect(health.providers.find((p) => p.provider === 'redis')).toMatchObject({ status: 'down', error: expect.stringMatching(/ECONNREFUSED/) });
    await c.dispose();
  });

  it('reports each used provider of a test container, and shutting_down once disposal began', async () => {
    const c = createTestContainer();
    await c.resolve(RedisProvider).client.set('k', 'v');
    const health = await checkHealth(c);
    expect(health.providers.find((p) => p.provider === 'redis')?.status).toBe('up');
    const disposing = c.dispose();
    expect(await checkHealth(c)).toEqual({ status: 'shutting_down', httpStatus: 503, providers: [] });
    await disposing;
  });
});
