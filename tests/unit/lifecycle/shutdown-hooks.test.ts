import { afterEach, describe, expect, it } from 'vitest';
import { createDbContainer, lastDisposalReport } from '../../../src/container.js';
import { loadConfig } from '../../../src/config/index.js';
import { checkHealth } from '../../../src/lifecycle/health.js';
import { installShutdownHooks } from '../../../src/lifecycle/shutdown-hooks.js';
import { RedisProvider } from '../../../src/providers/redis.js';
import { captureLogs } from '../../helpers/logs.js';

const removers: Array<() => void> = [];
afterEach(() => removers.splice(0).forEach((remove) => remove()));

function setup(dispose: () => Promise<void>, signals: NodeJS.Signals[] = ['SIGUSR2']) {
  const events: string[] = [];
  const fake = { name: 'slow-store', disposePhase: 'stores', dispose };
  const token = Symbol('store');
  const logs = captureLogs();
  const container = createDbContainer({ config: loadConfig({ DB_SHUTDOWN_TIMEOUT_MS: '2000' }), logger: logs.logger, overrides: [[token, fake]] });
  container.resolve(token);
  const exits: number[] = [];
  let exited: (code: number) => void = () => undefined;
  const exitedOnce = new Promise<number>((resolve) => (exited = resolve));
  removers.push(installShutdownHooks(container, { signals, exit: (code) => { exits.push(code); exited(code); } }));
  return { container, events, exits, exitedOnce, logs };
}

describe('installShutdownHooks', () => {
  it('flips health to shutting_down before anything closes, disposes, and exits 0 when clean', async () => {
    let healthSeenByDispose: string | undefined;
    const ctx = setup(async () => {
      healthSeenByDispose = (await checkHealth(ctx.container)).status;
    });
    process.emit('SIGUSR2', 'SIGUSR2');
    expect(await ctx.exitedOnce).toBe(0);
    expect(healthSeenByDispose).toBe('shutting_down');
    expect(lastDisposalReport(ctx.container)?.providers).toEqual([expect.objectContaining({ provider: 'slow-store', status: 'closed' })]);
    expect(() => ctx.container.resolve(RedisProvider)).toThrow(/disposed/);
  });

  it('exits 1 when a client fails to close', async () => {
    const ctx = setup(async () => {
      throw new Error('close failed');
    });
    process.emit('SIGUSR2', 'SIGUSR2');
    expect(await ctx.exitedOnce).toBe(1);
  });

  it('a second signal during a slow shutdown exits 1 at once, and only once', async () => {
    const ctx = setup(() => new Promise<void>((resolve) => setTimeout(resolve, 1500)));
    process.emit('SIGUSR2', 'SIGUSR2');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(ctx.exits).toEqual([]);
    process.emit('SIGUSR2', 'SIGUSR2');
    expect(ctx.exits).toEqual([1]);
    await new Promise((resolve) => setTimeout(resolve, 1600));
    expect(ctx.exits).toEqual([1]); // the finished disposal does not exit again
  });

  it('the returned function removes the hooks', () => {
    const before = process.listenerCount('SIGUSR2');
    const ctx = setup(async () => undefined);
    expect(process.listenerCount('SIGUSR2')).toBe(before + 1);
    removers.pop()!();
    expect(process.listenerCount('SIGUSR2')).toBe(before);
    expect(ctx.exits).toEqual([]);
  });
});
