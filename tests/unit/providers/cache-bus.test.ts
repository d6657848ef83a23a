import 'reflect-metadata';
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { TimeoutError } from '../../../src/errors.js';
import { MAX_BUS_MESSAGE_BYTES, parseBusMessage } from '../../../src/providers/cache-bus.js';
import { boundedDriver, RedisTierGuard } from '../../../src/providers/cache-guard.js';

describe('parseBusMessage: what a stranger on the same Redis can publish', () => {
  const valid = { busId: 'b1', payload: { type: 'delete', keys: ['a', 'b'], namespace: 'ns' } };

  it('keeps a well-formed envelope, copying only the fields bentocache reads', () => {
    const parsed = parseBusMessage(JSON.stringify({ ...valid, extra: 1, payload: { ...valid.payload, extra: { deep: true } } }));
    expect(parsed).toEqual(valid);
    expect(parseBusMessage(JSON.stringify({ busId: 'b1', payload: { type: 'clear', keys: [] } }))).toEqual({ busId: 'b1', payload: { type: 'clear', keys: [] } });
  });

  it.each([
    ['{"busId":"x","payload":null}', 'no payload object'],
    ['"a plain string"', 'not an object'],
    ['not json', 'not JSON'],
    ['null', 'not an object'],
    ['[]', 'not an object'],
    ['{"busId":"x"}', 'no payload object'],
    ['{"busId":"","payload":{"type":"set","keys":[]}}', 'no busId'],
    ['{"busId":7,"payload":{"type":"set","keys":[]}}', 'no busId'],
    ['{"busId":"x","payload":[]}', 'no payload object'],
    ['{"busId":"x","payload":{"type":"delete","keys":"k"}}', 'keys are not a list of strings'],
    ['{"busId":"x","payload":{"type":"delete","keys":[1]}}', 'keys are not a list of strings'],
    ['{"busId":"x","payload":{"type":"delete"}}', 'keys are not a list of strings'],
    ['{"busId":"x","payload":{"type":"drop","keys":[]}}', 'unknown type'],
    ['{"busId":"x","payload":{"type":"__proto__","keys":[]}}', 'unknown type'],
    ['{"busId":"x","payload":{"type":"clear","keys":[],"namespace":{}}}', 'namespace is not a string'],
  ])('%s is refused (%s)', (message, reason) => {
    expect(parseBusMessage(message)).toBe(reason);
  });

  it('a message over the size cap is refused without being parsed', () => {
    const big = JSON.stringify({ busId: 'x', payload: { type: 'delete', keys: ['k'.repeat(MAX_BUS_MESSAGE_BYTES)] } });
    expect(parseBusMessage(big)).toBe('too long');
  });
});

describe('RedisTierGuard', () => {
  it('fails a command that does not answer with a TimeoutError after its bound, and reports the recovery once', async () => {
    let recovered = 0;
    const guard = new RedisTierGuard(50, () => recovered++);
    const started = performance.now();
    const error = await guard.run('GET', () => new Promise(() => undefined)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as Error).message).toBe('cache: Redis GET timed out after 50 ms');
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
    expect(guard.failing).toBe(true);
    await expect(guard.run('SET', () => Promise.reject(new Error('Connection is closed.')))).rejects.toThrow('Connection is closed.');
    expect(recovered).toBe(0);
    expect(await guard.run('GET', async () => 'v')).toBe('v');
    expect(await guard.run('GET', async () => 'v')).toBe('v');
    expect(guard.failing).toBe(false);
    expect(recovered).toBe(1);
  });

  it('a command that rejects after its bound is not an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const guard = new RedisTierGuard(10);
      await guard.run('GET', () => new Promise((_, reject) => setTimeout(() => reject(new Error('late')), 40))).catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 80));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});

describe('boundedDriver', () => {
  class Driver extends EventEmitter {
    closed = false;
    constructor(readonly prefix = '') {
      super();
    }
    get(key: string): Promise<string> {
      return key === 'hang' ? new Promise(() => undefined) : Promise.resolve(`${this.prefix}${key}`);
    }
    clear(): Promise<void> {
      return new Promise((resolve) => setTimeout(resolve, 60));
    }
    namespace(name: string): Driver {
      return new Driver(`${name}:`);
    }
    async disconnect(): Promise<void> {
      this.closed = true;
    }
  }

  it('bounds each command, namespaced drivers too; clear gets 30 bounds; disconnect leaves the shared client alone', async () => {
    const guard = new RedisTierGuard(20);
    const driver = boundedDriver(new Driver(), guard);
    expect(await driver.get('k')).toBe('k');
    await expect(driver.get('hang')).rejects.toBeInstanceOf(TimeoutError);
    const namespaced = driver.namespace('users');
    expect(await namespaced.get('k')).toBe('users:k');
    await expect(namespaced.get('hang')).rejects.toThrow('cache: Redis GET timed out after 20 ms');
    await expect(driver.clear()).resolves.toBeUndefined();
    await driver.disconnect();
    await namespaced.disconnect();
    expect(driver.closed).toBe(false);
    expect(namespaced.closed).toBe(false);
  });
});

describe('RedisTierGuard at the largest CACHE_REDIS_TIMEOUT_MS', () => {
  it('clear()\'s 30 bounds stay within what a timer holds (no 1 ms overflow)', async () => {
    const guard = new RedisTierGuard(2_147_483_647);
    const outcome = await Promise.race([
      guard.run('SCAN/UNLINK', () => new Promise((resolve) => setTimeout(() => resolve('done'), 30)), 30),
      new Promise((resolve) => setTimeout(() => resolve('raced'), 200)),
    ]);
    expect(outcome).toBe('done');
  });
});
