import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, inject, it } from 'vitest';
import type { DependencyContainer } from 'tsyringe';
import { createDbContainer, disposeWithReport } from '../../src/container.js';
import { DisposedError, ProviderError } from '../../src/errors.js';
import { RedisProvider } from '../../src/providers/redis.js';
import { captureLogs } from '../helpers/logs.js';
import '../helpers/servers.js';

const servers = inject('servers');
const open: DependencyContainer[] = [];

function redisContainer(env: Record<string, string>, logger = captureLogs().logger) {
  const c = createDbContainer({ env: { REDIS_RETRY_RETRIES: '1', REDIS_RETRY_MAX_DELAY_MS: '200', ...env }, logger });
  open.push(c);
  return c.resolve(RedisProvider);
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.dispose()));
});

describe('RedisProvider against real Redis', () => {
  it('sets and gets on a plain server, with the key prefix and database applied', async () => {
    const redis = redisContainer({ REDIS_HOST: '127.0.0.1', REDIS_PORT: String(servers.redis.plain), REDIS_DB: '3', REDIS_KEY_PREFIX: 'rc:' });
    await redis.client.set('plain', 'value-1');
    expect(await redis.client.get('plain')).toBe('value-1');
    const raw = redisContainer({ REDIS_URL: `redis://127.0.0.1:${servers.redis.plain}/3` });
    expect(await raw.client.get('rc:plain')).toBe('value-1');
    expect(await raw.client.get('plain')).toBeNull();
    expect(await redis.health()).toMatchObject({ provider: 'redis', status: 'up' });
  });

  it('authenticates as an ACL user with REDIS_USERNAME/REDIS_PASSWORD and through REDIS_URL', async () => {
    const { port, username, password } = servers.redis.acl;
    const byParts = redisContainer({ REDIS_HOST: '127.0.0.1', REDIS_PORT: String(port), REDIS_USERNAME: username, REDIS_PASSWORD: password });
    await byParts.connect();
    await byParts.client.set('acl', 'ok');
    const byUrl = redisContainer({ REDIS_URL: `redis://${username}:${encodeURIComponent(password)}@127.0.0.1:${port}` });
    expect(await byUrl.client.get('acl')).toBe('ok');
  });

  it('fails a wrong password with a ProviderError naming Redis, and the password is in no error or log line', async () => {
    const { port, username } = servers.redis.acl;
    const wrong = 'not-the-password-4711';
    const logs = captureLogs();
    const redis = redisContainer({ REDIS_HOST: '127.0.0.1', REDIS_PORT: String(port), REDIS_USERNAME: username, REDIS_PASSWORD: wrong }, logs.logger);
    const error = await redis.connect().then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).provider).toBe('redis');
    expect((error as Error).message).toMatch(/^\[redis\] connect failed: .*(WRONGPASS|invalid username-password)/);
    const seen = JSON.stringify({ message: (error as Error).message, stack: (error as Error).stack, cause: String((error as Error).cause) });
    expect(seen).not.toContain(wrong);
    await redis.dispose();
    expect(logs.text()).not.toContain(wrong);
    expect(logs.text()).toContain('connection error');
  });

  it('connects over TLS with the right CA (inline PEM and file) and fails with a wrong CA', async () => {
    const { certs } = servers;
    const base = { REDIS_HOST: 'localhost', REDIS_PORT: String(servers.redis.tls), REDIS_TLS: 'true' };
    const viaFile = redisContainer({ ...base, REDIS_TLS_CA_FILE: certs.caFile });
    await viaFile.client.set('tls', 'secure');
    const inline = readFileSync(certs.caFile, 'utf8').replace(/\n/g, '\\n');
    const viaInline = redisContainer({ ...base, REDIS_TLS_CA: inline });
    expect(await viaInline.client.get('tls')).toBe('secure');

    const wrongCa = redisContainer({ ...base, REDIS_TLS_CA_FILE: certs.wrongCaFile });
    const error = await wrongCa.connect().then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as Error).message).toMatch(/^\[redis\] connect failed: .*certificate/i);
  });

  it('talks plain text to a TLS port only as a clear failure, not a hang', async () => {
    const redis = redisContainer({ REDIS_HOST: '127.0.0.1', REDIS_PORT: String(servers.redis.tls), REDIS_CONNECT_TIMEOUT_MS: '500' });
    const error = await redis.connect().then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as Error).message).toMatch(/^\[redis\] connect failed/);
  });

  it('gives up connecting to a closed port after the configured retries', async () => {
    const redis = redisContainer({ REDIS_HOST: '127.0.0.1', REDIS_PORT: '1', REDIS_RETRY_RETRIES: '2', REDIS_RETRY_INITIAL_DELAY_MS: '10' });
    const error = await redis.connect().then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as Error).message).toMatch(/gave up after 3 attempts: .*ECONNREFUSED/);
    expect((await redis.health()).status).toBe('down');
    expect(redis.client.status).toBe('end'); // no reconnection loop left running
  });

  it('reports health without building the client and disposes a built client as closed', async () => {
    const c = createDbContainer({ env: { REDIS_HOST: '127.0.0.1', REDIS_PORT: String(servers.redis.plain) }, logger: captureLogs().logger });
    const redis = c.resolve(RedisProvider);
    expect(await redis.health()).toMatchObject({ status: 'not_initialized' });
    expect(redis.isBuilt).toBe(false);
    const client = redis.client;
    await client.ping();
    const report = await disposeWithReport(c);
    expect(report.providers).toEqual([expect.objectContaining({ provider: 'redis', status: 'closed' })]);
    expect(client.status).toBe('end'); // the client built before is closed...
    expect(() => redis.client).toThrow(DisposedError); // ...and the provider refuses to hand it out
  });

  it('only disconnects a client that was built but never connected', async () => {
    const c = createDbContainer({ env: { REDIS_HOST: '127.0.0.1', REDIS_PORT: String(servers.redis.plain) }, logger: captureLogs().logger });
    const redis = c.resolve(RedisProvider);
    const client = redis.client;
    expect(client.status).toBe('wait');
    const report = await disposeWithReport(c);
    expect(report.providers[0]).toMatchObject({ status: 'closed' });
    expect(client.status).toBe('end');
  });
});
