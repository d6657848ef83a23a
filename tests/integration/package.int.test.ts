import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

// Runs against dist/ (npm test builds first), through the package's own name and exports map, as apps import it.
describe('the built package', () => {
  it('imports by package name, resolves providers with injected dependencies, and shares one default container', () => {
    const script = `
      const api = await import('@ratecreator/db');
      const redisDo = await import('@ratecreator/db/redis-do');
      const testing = await import('@ratecreator/db/testing');
      const c = api.createDbContainer({ env: { REDIS_HOST: '127.0.0.1', LOG_LEVEL: 'silent' } });
      const redis = c.resolve(api.RedisProvider);
      const fake = testing.createTestContainer().resolve(api.RedisProvider);
      await fake.client.set('k', 'v');
      const out = {
        status: redis.client.status,
        shared: redisDo.getRedisClient() === api.getDefaultContainer().resolve(api.RedisProvider).client,
        fake: await fake.client.get('k'),
      };
      await c.dispose();
      await api.getDefaultContainer().dispose();
      process.stdout.write(JSON.stringify(out));
    `;
    const stdout = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: root,
      env: { ...process.env, REDIS_HOST: '127.0.0.1', LOG_LEVEL: 'silent' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(JSON.parse(stdout)).toEqual({ status: 'wait', shared: true, fake: 'v' });
  });
});
