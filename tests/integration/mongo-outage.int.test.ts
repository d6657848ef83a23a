import { afterEach, describe, expect, it } from 'vitest';
import type { DependencyContainer } from 'tsyringe';
import { startFerretDb, type FerretDbServer } from '../../scripts/servers/ferretdb.js';
import { createDbContainer } from '../../src/container.js';
import { ProviderError } from '../../src/errors.js';
import type { HealthStatus } from '../../src/lifecycle/types.js';
import { MongoProvider } from '../../src/providers/mongo.js';
import { captureLogs } from '../helpers/logs.js';

// Each test kills its own FerretDB (the shared one stays up for the other files).
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function ownServer(): Promise<FerretDbServer> {
  const server = await startFerretDb();
  cleanups.push(() => server.stop());
  return server;
}

function provider(url: string, env: Record<string, string> = {}, logger = captureLogs().logger): MongoProvider {
  const c: DependencyContainer = createDbContainer({
    env: {
      MONGODB_URL: url, MONGODB_SERVER_SELECTION_TIMEOUT_MS: '800', MONGODB_RETRY_RETRIES: '2',
      MONGODB_RETRY_INITIAL_DELAY_MS: '50', MONGODB_RETRY_MAX_DELAY_MS: '100', ...env,
    },
    logger,
  });
  cleanups.push(() => c.dispose());
  return c.resolve(MongoProvider);
}

async function until<T>(probe: () => T | Promise<T>, accept: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (accept(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const status = (wanted: HealthStatus['status']) => (health: HealthStatus) => health.status === wanted;

describe('MongoDB outages (FerretDB killed and restarted)', () => {
  it('fails operations with clear errors while the server is down, succeeds after restart, health follows', async () => {
    const server = await ownServer();
    const logs = captureLogs();
    // A short heartbeat so that the monitor notices the outage (and the return) within the test.
    const mongo = provider(`${server.url}outage?heartbeatFrequencyMS=300`, {}, logs.logger);
    await mongo.connect();
    const docs = mongo.db().collection<{ _id: string; n: number }>('docs');
    await docs.insertOne({ _id: 'a', n: 1 });
    expect((await mongo.health()).status).toBe('up');

    await server.kill();
    // The first operation may still write to the pooled socket the server half-closed: mongodb 7.9 then rejects
    // with Node's own EPIPE error "This socket has been ended by the other party" (not wrapped in a MongoError).
    // Once the pool is cleared, operations fail with MongoNetworkError (ECONNREFUSED) or a selection timeout.
    const first = await docs.findOne({ _id: 'a' }).then(() => undefined, (e: unknown) => e as Error);
    expect(first?.message).toMatch(/ended by the other party|ECONNREFUSED|Server selection timed out/i);
    const second = await docs.findOne({ _id: 'a' }).then(() => undefined, (e: unknown) => e as Error);
    expect(second?.name).toMatch(/^Mongo(Network|ServerSelection)Error$/);
    expect(second?.message).toMatch(/ECONNREFUSED|Server selection timed out/i);
    const down = await until(() => mongo.health({ timeoutMs: 1500 }), status('down'));
    expect(down).toMatchObject({ provider: 'mongodb', status: 'down' });
    expect(down.error).toBeTruthy();
    // mongodb 7 labels refused connections SystemOverloadedError and keeps the pool; the monitor's failed
    // heartbeat is what marks the server unknown, logged once as a warning.
    expect(await until(() => logs.text(), (text) => text.includes('server unreachable'))).toContain('server unreachable');

    await server.restart();
    const up = await until(() => mongo.health({ timeoutMs: 1500 }), status('up'));
    expect(up.status).toBe('up');
    // FerretDB keeps its SQLite files across the restart, as a MongoDB data directory would.
    expect(await docs.findOne({ _id: 'a' })).toEqual({ _id: 'a', n: 1 });
    await docs.updateOne({ _id: 'a' }, { $inc: { n: 1 } });
    expect(await docs.findOne({ _id: 'a' })).toEqual({ _id: 'a', n: 2 });
    expect(logs.text()).toContain('server unreachable');
    expect(logs.text()).toContain('server available');
  });

  it('connect() retries per the policy, then fails with a ProviderError naming MongoDB', async () => {
    const server = await ownServer();
    await server.kill();
    const logs = captureLogs();
    const mongo = provider(`${server.url}down`, { MONGODB_RETRY_RETRIES: '2' }, logs.logger);
    const error = await mongo.connect().then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).provider).toBe('mongodb');
    expect((error as Error).message).toMatch(/^\[mongodb\] connect failed: .*(ECONNREFUSED|Server selection timed out)/);
    // The first attempt and two retries.
    expect(logs.lines.filter((line) => line.includes('connect attempt failed'))).toHaveLength(3);

    // The same provider connects once the server is back.
    await server.restart();
    await mongo.connect();
    expect((await mongo.health()).status).toBe('up');
  });

  it('disposal while connect() is still retrying ends the retries and closes within the deadline', async () => {
    const server = await ownServer();
    await server.kill();
    const c = createDbContainer({
      env: {
        MONGODB_URL: `${server.url}x`, MONGODB_SERVER_SELECTION_TIMEOUT_MS: '300', MONGODB_RETRY_RETRIES: '50',
        MONGODB_RETRY_INITIAL_DELAY_MS: '100', MONGODB_RETRY_MAX_DELAY_MS: '100', DB_SHUTDOWN_TIMEOUT_MS: '3000',
      },
      logger: captureLogs().logger,
    });
    const mongo = c.resolve(MongoProvider);
    const connecting = mongo.connect().then(() => 'connected', (e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await c.dispose();
    const outcome = await connecting;
    expect(outcome).toBeInstanceOf(ProviderError);
    expect((outcome as Error).message).toMatch(/disposed|Topology is closed|client was closed/i);
  });
});
