import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, inject, it } from 'vitest';
import type { DependencyContainer } from 'tsyringe';
import { createDbContainer, disposeWithReport } from '../../src/container.js';
import { ConfigError, DisposedError, ProviderError } from '../../src/errors.js';
import { MongoProvider } from '../../src/providers/mongo.js';
import { captureLogs } from '../helpers/logs.js';
import '../helpers/mongo-servers.js';

// FerretDB v1.24 (SQLite backend) stands in for MongoDB here. Where it differs, the test says so.
const mongo = inject('mongo');
const open: DependencyContainer[] = [];

function dbName(): string {
  return `t_${randomBytes(4).toString('hex')}`;
}

function mongoContainer(env: Record<string, string>, logger = captureLogs().logger): DependencyContainer {
  const c = createDbContainer({
    env: { MONGODB_SERVER_SELECTION_TIMEOUT_MS: '3000', MONGODB_RETRY_RETRIES: '1', MONGODB_RETRY_MAX_DELAY_MS: '200', ...env },
    logger,
  });
  open.push(c);
  return c;
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.dispose()));
});

describe('MongoProvider against FerretDB', () => {
  it('inserts, finds, updates and deletes through the container', async () => {
    const name = dbName();
    const provider = mongoContainer({ MONGODB_URL: `${mongo.url}${name}` }).resolve(MongoProvider);
    expect(await provider.health()).toMatchObject({ provider: 'mongodb', status: 'not_initialized' });
    await provider.connect();
    const creators = provider.db().collection<{ _id: string; name: string; followers: number }>('creators');
    expect(provider.db().databaseName).toBe(name);
    await creators.insertOne({ _id: 'c1', name: 'Ada', followers: 10 });
    expect(await creators.findOne({ _id: 'c1' })).toEqual({ _id: 'c1', name: 'Ada', followers: 10 });
    const updated = await creators.updateOne({ _id: 'c1' }, { $inc: { followers: 5 }, $set: { name: 'Ada L.' } });
    expect(updated.modifiedCount).toBe(1);
    expect(await creators.findOne({ _id: 'c1' })).toEqual({ _id: 'c1', name: 'Ada L.', followers: 15 });
    expect((await creators.deleteOne({ _id: 'c1' })).deletedCount).toBe(1);
    expect(await creators.findOne({ _id: 'c1' })).toBeNull();
    expect(await provider.health()).toMatchObject({ provider: 'mongodb', status: 'up' });
  });

  it('falls back to DATABASE_URL_ONLINE and uses MONGODB_DB_NAME as the default database', async () => {
    const fromUrl = mongoContainer({ DATABASE_URL_ONLINE: `${mongo.url}from_url` }).resolve(MongoProvider);
    expect(fromUrl.db().databaseName).toBe('from_url');
    const provider = mongoContainer({ DATABASE_URL_ONLINE: `${mongo.url}from_url`, MONGODB_DB_NAME: 'fallback_db' }).resolve(MongoProvider);
    await provider.db().collection('x').insertOne({ ok: true });
    expect(provider.db().databaseName).toBe('fallback_db');
    expect(await provider.client.db('fallback_db').collection('x').countDocuments()).toBeGreaterThan(0);
  });

  it('never checks out more than MONGODB_MAX_POOL_SIZE connections under 200 concurrent operations', async () => {
    const logs = captureLogs();
    const provider = mongoContainer({ MONGODB_URL: `${mongo.url}${dbName()}`, MONGODB_MAX_POOL_SIZE: '4' }, logs.logger).resolve(MongoProvider);
    const client = provider.client;
    let current = 0;
    let peak = 0;
    let created = 0;
    let checkOuts = 0;
    client.on('connectionCreated', () => (created += 1));
    client.on('connectionCheckedOut', () => {
      checkOuts += 1;
      current += 1;
      peak = Math.max(peak, current);
    });
    client.on('connectionCheckedIn', () => (current -= 1));
    const items = provider.db().collection<{ _id: number }>('items');
    await Promise.all(Array.from({ length: 200 }, (_, i) => items.insertOne({ _id: i })));
    await Promise.all(Array.from({ length: 200 }, (_, i) => items.findOne({ _id: i })));
    expect(await items.countDocuments()).toBe(200);
    expect(checkOuts).toBeGreaterThanOrEqual(400);
    expect(peak).toBeLessThanOrEqual(4);
    expect(peak).toBeGreaterThan(1); // the operations did run concurrently
    expect(created).toBeLessThanOrEqual(4);
    // Pool events reach the provider's child logger.
    expect(logs.text()).toContain('"provider":"mongodb"');
    expect(logs.text()).toContain('pool created');
    expect(logs.text()).toContain('connection created');
  });

  it('routes readDb() with the configured read preference and staleness; db() stays primary', async () => {
    const name = dbName();
    const provider = mongoContainer({
      MONGODB_URL: `${mongo.url}${name}`, MONGODB_READ_PREFERENCE: 'secondaryPreferred', MONGODB_MAX_STALENESS_SECONDS: '120',
    }).resolve(MongoProvider);
    await provider.db().collection('r').insertOne({ _id: 'x' } as never);
    const replica = provider.readDb();
    expect(replica.readPreference.mode).toBe('secondaryPreferred');
    expect(replica.readPreference.maxStalenessSeconds).toBe(120);
    expect(provider.db().readPreference.mode).toBe('primary');
    // FerretDB is a standalone server: a secondaryPreferred read is served by it (MongoDB standalone does the same).
    expect(await replica.collection('r').findOne({})).toEqual({ _id: 'x' });
  });

  it('connects over TLS with the right CA, and a wrong CA fails fast with a ProviderError naming MongoDB', async () => {
    const tlsUrl = `mongodb://127.0.0.1:${mongo.tlsPort}/${dbName()}`;
    const good = mongoContainer({ MONGODB_URL: tlsUrl, MONGODB_TLS: 'true', MONGODB_TLS_CA_FILE: mongo.certs.caFile }).resolve(MongoProvider);
    await good.connect();
    await good.db().collection('tls').insertOne({ secure: true });
    expect(await good.db().collection('tls').countDocuments()).toBe(1);

    const logs = captureLogs();
    const bad = mongoContainer(
      { MONGODB_URL: `${tlsUrl}?tls=true`, MONGODB_TLS_CA_FILE: mongo.certs.wrongCaFile, MONGODB_RETRY_RETRIES: '3' },
      logs.logger,
    ).resolve(MongoProvider);
    const error = await bad.connect().then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).provider).toBe('mongodb');
    expect((error as Error).message).toMatch(/^\[mongodb\] connect failed: .*certificate/);
    expect((error as Error).cause).toBeInstanceOf(Error);
    // A certificate error is not retried: one attempt although three retries were allowed.
    expect(logs.lines.filter((line) => line.includes('connect attempt failed'))).toHaveLength(1);
  });

  it('stops at once on rejected credentials and never shows the password', async () => {
    const password = `pw-${randomBytes(6).toString('hex')}-secret`;
    const logs = captureLogs();
    const url = `mongodb://app:${password}@127.0.0.1:${mongo.port}/${dbName()}?authSource=admin`;
    const provider = mongoContainer({ MONGODB_URL: url, MONGODB_RETRY_RETRIES: '3', LOG_LEVEL: 'trace' }, logs.logger).resolve(MongoProvider);
    const error = await provider.connect().then(() => undefined, (e: unknown) => e);
    // FerretDB 1.x with SQLite answers any SCRAM login with code 18 "Unsupported authentication mechanism";
    // MongoDB answers code 18 "Authentication failed.". Both are the same fatal class for the provider.
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as Error).message).toMatch(/^\[mongodb\] connect failed: .*authentication/i);
    expect(logs.lines.filter((line) => line.includes('connect attempt failed'))).toHaveLength(1);
    const seen = JSON.stringify({ message: (error as Error).message, stack: (error as Error).stack, cause: String((error as Error).cause) });
    expect(seen).not.toContain(password);
    await provider.dispose();
    expect(logs.text()).not.toContain(password);
    expect(logs.text()).toContain('127.0.0.1');
  });

  it('reports not_configured and throws a ConfigError naming the variables when no URL is set', async () => {
    const provider = mongoContainer({}).resolve(MongoProvider);
    expect(await provider.health()).toMatchObject({ status: 'not_configured' });
    expect(() => provider.client).toThrow(ConfigError);
    expect(() => provider.client).toThrow(/MONGODB_URL or DATABASE_URL_ONLINE/);
  });

  it('disposes once: a second call awaits the first, the report says closed, and the provider refuses new work', async () => {
    const c = mongoContainer({ MONGODB_URL: `${mongo.url}${dbName()}` });
    const provider = c.resolve(MongoProvider);
    await provider.db().collection('d').insertOne({ a: 1 });
    const [first, second] = await Promise.all([disposeWithReport(c), disposeWithReport(c)]);
    expect(second).toBe(first);
    expect(first.providers.find((row) => row.provider === 'mongodb')).toMatchObject({ phase: 'stores', status: 'closed' });
    await provider.dispose();
    // After disposal every way to the client fails with DisposedError naming the provider (issue 11's contract).
    expect(() => c.resolve(MongoProvider)).toThrow(DisposedError);
    expect(() => c.resolve(MongoProvider)).toThrow(/\[mongodb\]/);
    expect(() => provider.db()).toThrow(DisposedError);
    expect(() => provider.client).toThrow(/\[mongodb\] provider has been disposed/);
    await expect(provider.connect()).rejects.toBeInstanceOf(DisposedError);
    expect(await provider.health()).toMatchObject({ status: 'shutting_down' });
  });
});
