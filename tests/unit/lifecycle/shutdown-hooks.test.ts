import { afterEach, describe, expect, it, vi } from 'vitest';
import type { DependencyContainer } from 'tsyringe';
import { createDbContainer, lastDisposalReport, lifecycleOf } from '../../../src/container.js';
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

  it('a container the application disposes leaves the registry by itself: nothing keeps it reachable', async () => {
    const before = process.listenerCount('SIGUSR2');
    const ctx = setup(async () => undefined);
    const other = setup(async () => undefined);
    expect(process.listenerCount('SIGUSR2')).toBe(before + 1);
    await ctx.container.dispose();
    await other.container.dispose();
    await sleep(0);
    // Both entries are gone (the listener went with the last one), without calling the removers.
    expect(process.listenerCount('SIGUSR2')).toBe(before);
    // A later signal finds no container to dispose and calls no exit.
    const third = setup(async () => undefined);
    process.emit('SIGUSR2', 'SIGUSR2');
    expect(await third.exitedOnce).toBe(0);
    expect([ctx.exits, other.exits]).toEqual([[], []]);
  });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Container `name` whose one store records its closing in `events` (after `ms`, failing when `fail`). */
function storeContainer(name: string, events: string[], store: { ms?: number; fail?: boolean } = {}, timeout = '2000') {
  const token = Symbol(name);
  const logs = captureLogs();
  const dispose = async () => {
    if (store.ms) await sleep(store.ms);
    events.push(`${name} closed`);
    if (store.fail) throw new Error(`${name} close failed`);
  };
  const container = createDbContainer({
    config: loadConfig({ DB_SHUTDOWN_TIMEOUT_MS: timeout }),
    logger: logs.logger,
    overrides: [[token, { name: `${name}-store`, disposePhase: 'stores', dispose }]],
  });
  container.resolve(token);
  return { container, logs };
}

/** An exit function recording `exit:<code>` in `events`, and a promise of its first call. */
function recordingExit(events: string[]) {
  const codes: number[] = [];
  let first: (code: number) => void = () => undefined;
  const called = new Promise<number>((resolve) => (first = resolve));
  const exit = (code: number) => {
    codes.push(code);
    events.push(`exit:${code}`);
    first(code);
  };
  return { exit, codes, called };
}

function hook(container: DependencyContainer, options: Parameters<typeof installShutdownHooks>[1]) {
  const remove = installShutdownHooks(container, options);
  removers.push(remove);
  return remove;
}

const jsonLines = (lines: string[]) => lines.map((line) => JSON.parse(line) as Record<string, unknown>);

describe('installShutdownHooks with several containers in one process', () => {
  it('one signal disposes every container; exit is called once, after the slower one finished', async () => {
    const events: string[] = [];
    const fast = storeContainer('fast', events);
    const slow = storeContainer('slow', events, { ms: 200 });
    const exit = recordingExit(events);
    hook(slow.container, { signals: ['SIGTERM'], exit: exit.exit });
    hook(fast.container, { signals: ['SIGTERM'], exit: exit.exit });
    process.emit('SIGTERM');
    expect(await exit.called).toBe(0);
    // The fast container finishing first did not end the process under the slow one.
    expect(events).toEqual(['fast closed', 'slow closed', 'exit:0']);
    expect(lastDisposalReport(fast.container)?.ok).toBe(true);
    expect(lastDisposalReport(slow.container)?.ok).toBe(true);
    await sleep(300);
    expect(exit.codes).toEqual([0]);
  });

  it.each([
    ['the fast one', { fast: true, slow: false }],
    ['the slow one', { fast: false, slow: true }],
  ])('exits 1, once and after both finished, when %s fails to close', async (_, fails) => {
    const events: string[] = [];
    const fast = storeContainer('fast', events, { fail: fails.fast });
    const slow = storeContainer('slow', events, { ms: 200, fail: fails.slow });
    const exit = recordingExit(events);
    hook(fast.container, { signals: ['SIGTERM'], exit: exit.exit });
    hook(slow.container, { signals: ['SIGTERM'], exit: exit.exit });
    process.emit('SIGTERM');
    expect(await exit.called).toBe(1);
    expect(events).toEqual(['fast closed', 'slow closed', 'exit:1']);
    expect(lastDisposalReport(fast.container)?.ok).toBe(!fails.fast);
    expect(lastDisposalReport(slow.container)?.ok).toBe(!fails.slow);
    await sleep(300);
    expect(exit.codes).toEqual([1]);
  });

  it('calls each distinct exit function once, with the combined code', async () => {
    const events: string[] = [];
    const a = storeContainer('a', events);
    const b = storeContainer('b', events, { ms: 100, fail: true });
    const c = storeContainer('c', events, { ms: 50 });
    const shared = recordingExit([]);
    const own = recordingExit([]);
    hook(a.container, { signals: ['SIGTERM'], exit: shared.exit });
    hook(b.container, { signals: ['SIGTERM'], exit: shared.exit });
    hook(c.container, { signals: ['SIGTERM'], exit: own.exit });
    process.emit('SIGTERM');
    await Promise.all([shared.called, own.called]);
    await sleep(200);
    expect(shared.codes).toEqual([1]);
    expect(own.codes).toEqual([1]); // c closed cleanly, but the process exits once, for all of them
  });

  it('logs shutdown started per container and one line with the number of containers and the outcome', async () => {
    const events: string[] = [];
    const first = storeContainer('first', events, { fail: true });
    const second = storeContainer('second', events, { ms: 50 });
    const exit = recordingExit(events);
    hook(first.container, { signals: ['SIGTERM'], exit: exit.exit });
    hook(second.container, { signals: ['SIGTERM'], exit: exit.exit });
    process.emit('SIGTERM');
    await exit.called;
    for (const { logs } of [first, second]) {
      const lines = jsonLines(logs.lines);
      expect(lines.filter((line) => line.msg === 'shutdown started')).toHaveLength(1);
      expect(lines.filter((line) => /^container disposed/.test(String(line.msg)))).toHaveLength(1);
    }
    const combined = jsonLines([...first.logs.lines, ...second.logs.lines]).filter((line) => 'containers' in line);
    expect(combined).toEqual([expect.objectContaining({ containers: 2, failed: 1, code: 1, signal: 'SIGTERM' })]);
    expect(String(combined[0]!.msg)).toMatch(/1 of 2 container/);
  });

  it('waits for the largest exit guard among the containers, not the first to expire', async () => {
    const events: string[] = [];
    const short = storeContainer('short', events, {}, '100');
    const long = storeContainer('long', events, {}, '1000');
    // The short one's disposal hangs: only its guard (100 + 1000 ms) or the long one's (1000 + 1000 ms) can end it.
    short.container.dispose = () => new Promise<void>(() => undefined);
    const exit = recordingExit(events);
    hook(short.container, { signals: ['SIGTERM'], exit: exit.exit });
    hook(long.container, { signals: ['SIGTERM'], exit: exit.exit });
    const signalled = Date.now();
    process.emit('SIGTERM');
    await sleep(1500);
    expect(exit.codes).toEqual([]);
    expect(await exit.called).toBe(1);
    expect(Date.now() - signalled).toBeGreaterThanOrEqual(1900);
    expect(exit.codes).toEqual([1]);
    const guardLine = jsonLines(short.logs.lines).find((line) => line.level === 50);
    expect(guardLine).toEqual(expect.objectContaining({ containers: 2, guardMs: 2000 }));
  });

  it('a second signal during the shutdown of several containers exits 1 at once, and only once', async () => {
    const events: string[] = [];
    const a = storeContainer('a', events, { ms: 400 });
    const b = storeContainer('b', events, { ms: 400 });
    const exit = recordingExit(events);
    hook(a.container, { signals: ['SIGTERM', 'SIGUSR2'], exit: exit.exit });
    hook(b.container, { signals: ['SIGTERM'], exit: exit.exit });
    process.emit('SIGTERM');
    await sleep(20);
    expect(exit.codes).toEqual([]);
    process.emit('SIGUSR2'); // another signal of the hooks counts as a second signal too
    expect(exit.codes).toEqual([1]);
    process.emit('SIGTERM');
    await sleep(500);
    expect(events).toEqual(['exit:1', 'a closed', 'b closed']);
    expect(exit.codes).toEqual([1]);
  });

  it('each container drains for its own drainMs; exit waits for the longest', async () => {
    const events: string[] = [];
    const draining = storeContainer('draining', events);
    const direct = storeContainer('direct', events);
    const exit = recordingExit(events);
    hook(draining.container, { signals: ['SIGTERM'], drainMs: 300, exit: exit.exit });
    hook(direct.container, { signals: ['SIGTERM'], exit: exit.exit });
    process.emit('SIGTERM');
    expect((await checkHealth(draining.container)).status).toBe('shutting_down');
    await sleep(150);
    expect(events).toEqual(['direct closed']);
    expect(await exit.called).toBe(0);
    expect(events).toEqual(['direct closed', 'draining closed', 'exit:0']);
  });

  it('a container whose hooks were removed is left alone by the signal', async () => {
    const events: string[] = [];
    const gone = storeContainer('gone', events);
    const kept = storeContainer('kept', events);
    const exit = recordingExit(events);
    const remove = hook(gone.container, { signals: ['SIGTERM'], exit: exit.exit });
    hook(kept.container, { signals: ['SIGTERM'], exit: exit.exit });
    remove();
    remove(); // harmless twice
    process.emit('SIGTERM');
    expect(await exit.called).toBe(0);
    expect(events).toEqual(['kept closed', 'exit:0']);
    expect(lastDisposalReport(gone.container)).toBeUndefined();
    expect(lifecycleOf(gone.container).shuttingDown).toBe(false);
  });

  it('one process listener per signal whatever the number of containers; the last remover takes it away', () => {
    const before = { term: process.listenerCount('SIGTERM'), usr2: process.listenerCount('SIGUSR2') };
    const a = storeContainer('a', []);
    const b = storeContainer('b', []);
    const c = storeContainer('c', []);
    const exit = recordingExit([]);
    const removeA = hook(a.container, { signals: ['SIGTERM', 'SIGUSR2'], exit: exit.exit });
    const removeB = hook(b.container, { signals: ['SIGTERM'], exit: exit.exit });
    const removeC = hook(c.container, { signals: ['SIGTERM'], exit: exit.exit });
    expect(process.listenerCount('SIGTERM')).toBe(before.term + 1);
    expect(process.listenerCount('SIGUSR2')).toBe(before.usr2 + 1);
    // Installing again for a container keeps the first hooks and hands back their remover.
    expect(installShutdownHooks(b.container, { signals: ['SIGUSR2'] })).toBe(removeB);
    expect(process.listenerCount('SIGUSR2')).toBe(before.usr2 + 1);

    removeA();
    expect(process.listenerCount('SIGTERM')).toBe(before.term + 1);
    expect(process.listenerCount('SIGUSR2')).toBe(before.usr2);
    removeB();
    expect(process.listenerCount('SIGTERM')).toBe(before.term + 1);
    removeC();
    expect(process.listenerCount('SIGTERM')).toBe(before.term);
    // Once removed, installing again makes new hooks.
    const again = hook(b.container, { signals: ['SIGTERM'], exit: exit.exit });
    expect(again).not.toBe(removeB);
    expect(process.listenerCount('SIGTERM')).toBe(before.term + 1);
    again();
    expect(process.listenerCount('SIGTERM')).toBe(before.term);
    expect(exit.codes).toEqual([]);
  });

  it('two evaluations of the module share one registry: one listener, one exit after both containers', async () => {
    vi.resetModules();
    const reloaded = await import('../../../src/lifecycle/shutdown-hooks.js');
    expect(reloaded.installShutdownHooks).not.toBe(installShutdownHooks);
    const before = process.listenerCount('SIGTERM');
    const events: string[] = [];
    const a = storeContainer('a', events);
    const b = storeContainer('b', events, { ms: 150 });
    const exit = recordingExit(events);
    hook(a.container, { signals: ['SIGTERM'], exit: exit.exit });
    const removeB = reloaded.installShutdownHooks(b.container, { signals: ['SIGTERM'], exit: exit.exit });
    removers.push(removeB);
    expect(process.listenerCount('SIGTERM')).toBe(before + 1);
    expect(reloaded.installShutdownHooks(a.container)).toBe(removers[0]); // idempotence sees the other evaluation's hooks
    expect((globalThis as Record<symbol, unknown>)[Symbol.for('@ratecreator/db:shutdown-registry')]).toBeDefined();
    process.emit('SIGTERM');
    expect(await exit.called).toBe(0);
    expect(events).toEqual(['a closed', 'b closed', 'exit:0']);
    await sleep(50);
    expect(exit.codes).toEqual([0]);
  });
});
