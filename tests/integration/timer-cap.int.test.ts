// Issue 20, part 5, against the real Redis: DB_SHUTDOWN_TIMEOUT_MS at Node's timer cap (2147483647) disposes a healthy
// client normally. Before, the coordinator's timer (budget + grace) overflowed and fired after 1 ms: the client was
// reported timed_out and hard-closed, and a process with shutdown hooks exited 1 within milliseconds of SIGTERM.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';
import { createDbContainer, disposeWithReport } from '../../src/container.js';
import { RedisProvider } from '../../src/providers/redis.js';
import { captureLogs } from '../helpers/logs.js';
import { signalWhenReady } from '../helpers/run-child.js';
import '../helpers/servers.js';

const servers = inject('servers');
const CAP = '2147483647';
const redisEnv = () => ({ REDIS_HOST: '127.0.0.1', REDIS_PORT: String(servers.redis.plain), DB_SHUTDOWN_TIMEOUT_MS: CAP });

describe('DB_SHUTDOWN_TIMEOUT_MS at the timer cap, with the real Redis', () => {
  it('a connected Redis is disposed normally: closed, not timed_out', async () => {
    const container = createDbContainer({ env: redisEnv(), logger: captureLogs().logger });
    const redis = container.resolve(RedisProvider);
    await redis.connect();
    await redis.client.set('timer-cap', '1');
    const report = await disposeWithReport(container);
    expect(report.providers).toEqual([expect.objectContaining({ provider: 'redis', status: 'closed' })]);
    expect(report.ok).toBe(true);
  });

  it('SIGTERM to a process with shutdown hooks and a connected Redis: exit 0, Redis closed', async () => {
    const resultFile = join(mkdtempSync(join(tmpdir(), 'timer-cap-')), 'result.json');
    const fixture = fileURLToPath(new URL('../fixtures/sigterm-at-timer-cap.ts', import.meta.url));
    const { code, stderr } = await signalWhenReady(fixture, { ...process.env, LOG_LEVEL: 'silent', ...redisEnv(), RESULT_FILE: resultFile });
    expect(code, stderr).toBe(0);
    expect(stderr).not.toMatch(/TimeoutOverflowWarning/);
    const result = JSON.parse(readFileSync(resultFile, 'utf8')) as { report: { providers: Array<{ provider: string; status: string }> } };
    expect(Object.fromEntries(result.report.providers.map((row) => [row.provider, row.status]))).toEqual({ redis: 'closed', 'slow-store': 'closed' });
  });
});
