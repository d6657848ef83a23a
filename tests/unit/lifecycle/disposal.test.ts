import 'reflect-metadata';
import { container as globalContainer, injectable, type DependencyContainer } from 'tsyringe';
import { describe, expect, it } from 'vitest';
import { createDbContainer, disposeWithReport, lastDisposalReport } from '../../../src/container.js';
import { loadConfig } from '../../../src/config/index.js';
import { DisposedError } from '../../../src/errors.js';
import { RedisProvider } from '../../../src/providers/redis.js';
import { captureLogs } from '../../helpers/logs.js';

const silentConfig = (env: Record<string, string> = {}) => loadConfig({ LOG_LEVEL: 'silent', ...env });

/** A disposable fake that records when it closed. */
function member(name: string, phase: string, events: string[], behaviour: 'ok' | 'throw' | 'hang' | 'reject' = 'ok') {
  return {
    name,
    disposePhase: phase,
    disposeCalls: 0,
    dispose() {
      this.disposeCalls++;
      events.push(`start:${name}`);
      if (behaviour === 'throw') throw new Error(`${name} exploded`);
      if (behaviour === 'hang') return new Promise<void>(() => undefined);
      if (behaviour === 'reject') return Promise.reject(new Error(`${name} refused`));
      return new Promise<void>((resolve) => setTimeout(() => {
        events.push(`end:${name}`);
        resolve();
      }, 10));
    },
  };
}

const tokens = {
  consumer: Symbol('consumer'),
  producer: Symbol('producer'),
  store: Symbol('store'),
  agent: Symbol('agent'),
  hang: Symbol('hang'),
  thrower: Symbol('thrower'),
};

describe('container disposal', () => {
  it('closes members in phase order: consumers, producers, stores, agents', async () => {
    const events: string[] = [];
    const c = createDbContainer({
      config: silentConfig(),
      overrides: [
        [tokens.agent, member('agent', 'agents', events)],
        [tokens.store, member('store', 'stores', events)],
        [tokens.producer, member('producer', 'producers', events)],
        [tokens.consumer, member('consumer', 'consumers', events)],
      ],
    });
    for (const token of Object.values(tokens).slice(0, 4)) c.resolve(token);
    const report = await disposeWithReport(c);
    expect(events).toEqual([
      'start:consumer', 'end:consumer', 'start:producer', 'end:producer',
      'start:store', 'end:store', 'start:agent', 'end:agent',
    ]);
    expect(report.ok).toBe(true);
    expect(report.providers.map((row) => `${row.provider}:${row.status}`)).toEqual([
      'consumer:closed', 'producer:closed', 'store:closed', 'agent:closed',
    ]);
  });

  it('a second dispose() is a no-op and resolving afterwards throws tsyringe’s disposed error', async () => {
    const events: string[] = [];
    const fake = member('store', 'stores', events);
    const c = createDbContainer({ config: silentConfig(), overrides: [[tokens.store, fake]] });
    c.resolve(tokens.store);
    const first = c.dispose();
    const second = c.dispose();
    expect(second).toBe(first);
    await first;
    await c.dispose();
    expect(fake.disposeCalls).toBe(1);
    expect(() => c.resolve(RedisProvider)).toThrow(/disposed/);
  });

  it('tsyringe alone re-runs disposers on a second call (the behaviour ours replaces)', async () => {
    let calls = 0;
    @injectable()
    class Plain {
      dispose() {
        calls++;
      }
    }
    const raw = globalContainer.createChildContainer();
    raw.registerSingleton(Plain);
    raw.resolve(Plain);
    await raw.dispose();
    await raw.dispose();
    expect(calls).toBe(2);
  });

  it('disposes value and factory-built overrides once resolved, and never ones that were not resolved', async () => {
    const events: string[] = [];
    const used = member('used', 'stores', events);
    const unused = member('unused', 'stores', events);
    const c = createDbContainer({ config: silentConfig(), overrides: [[tokens.store, used], [tokens.agent, unused]] });
    c.resolve(tokens.store);
    await c.dispose();
    expect(used.disposeCalls).toBe(1);
    expect(unused.disposeCalls).toBe(0);
  });

  it('one member that throws synchronously and one that hangs do not stop the others, and the deadline holds', async () => {
    const events: string[] = [];
    const c = createDbContainer({
      config: silentConfig({ DB_SHUTDOWN_TIMEOUT_MS: '300' }),
      overrides: [
        [tokens.thrower, member('thrower', 'stores', events, 'throw')],
        [tokens.hang, member('hanger', 'stores', events, 'hang')],
        [tokens.consumer, member('rejecter', 'consumers', events, 'reject')],
        [tokens.store, member('store', 'stores', events)],
        [tokens.agent, member('agent', 'agents', events)],
      ],
    });
    for (const token of [tokens.thrower, tokens.hang, tokens.consumer, tokens.store, tokens.agent]) c.resolve(token);
    const started = Date.now();
    const report = await disposeWithReport(c);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeLessThan(300 + 1000); // deadline guard, generous on purpose
    const byName = Object.fromEntries(report.providers.map((row) => [row.provider, row]));
    expect(byName.thrower).toMatchObject({ status: 'failed', error: 'thrower exploded' });
    expect(byName.rejecter).toMatchObject({ status: 'failed', error: 'rejecter refused' });
    expect(byName.hanger).toMatchObject({ status: 'timed_out' });
    expect(byName.store).toMatchObject({ status: 'closed' });
    expect(byName.agent?.status).toBe('timed_out'); // the hang used the whole deadline: nothing left for agents
    expect(events).toContain('end:store');
    expect(report.ok).toBe(false);
  });

  it('does not build an unused provider and reports it not_initialized', async () => {
    const c = createDbContainer({ config: silentConfig({ REDIS_HOST: '127.0.0.1', REDIS_PORT: '1' }) });
    const redis = c.resolve(RedisProvider);
    const report = await disposeWithReport(c);
    expect(redis.isBuilt).toBe(false);
    expect(report.providers).toEqual([{ provider: 'redis', phase: 'stores', status: 'not_initialized', ms: 0 }]);
    expect(() => redis.client).toThrow(DisposedError);
  });

  it('keeps the report for callers and logs it', async () => {
    const logs = captureLogs();
    const c: DependencyContainer = createDbContainer({ config: silentConfig(), logger: logs.logger });
    expect(lastDisposalReport(c)).toBeUndefined();
    await c.dispose();
    expect(lastDisposalReport(c)?.ok).toBe(true);
    expect(logs.text()).toContain('container disposed');
  });

  it('health reports shutting_down once disposal has begun', async () => {
    const c = createDbContainer({ config: silentConfig({ REDIS_HOST: '127.0.0.1' }) });
    const redis = c.resolve(RedisProvider);
    expect((await redis.health()).status).toBe('not_initialized');
    const done = c.dispose();
    expect((await redis.health()).status).toBe('shutting_down');
    await done;
  });
});

describe('resolve guard', () => {
  it('passes tsyringe its optional-injection flag: @inject(token, { isOptional: true }) of a missing token is undefined', async () => {
    const { inject } = await import('tsyringe');
    const MISSING = Symbol('not registered');
    @injectable()
    class WantsOptional {
      constructor(@inject(MISSING, { isOptional: true }) readonly value: unknown) {}
    }
    const c = createDbContainer({ config: silentConfig() });
    expect(c.resolve(WantsOptional).value).toBeUndefined();
    await c.dispose();
    expect(() => c.resolve(WantsOptional)).toThrow(DisposedError);
  });
});
