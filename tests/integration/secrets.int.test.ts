import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { DependencyContainer } from 'tsyringe';
import { freePort } from '../../scripts/servers/process.js';
import { formatDoctor, runDoctor } from '../../src/cli/doctor.js';
import { createDbContainer, disposeWithReport } from '../../src/container.js';
import { checkHealth } from '../../src/lifecycle/health.js';
import type { LazyProvider } from '../../src/lifecycle/lazy-provider.js';
import { AlgoliaProvider } from '../../src/providers/algolia.js';
import { KafkaProvider } from '../../src/providers/kafka.js';
import { MongoProvider } from '../../src/providers/mongo.js';
import { PrismaProvider } from '../../src/providers/prisma.js';
import { RedisProvider } from '../../src/providers/redis.js';
import '../helpers/kafka-servers.js';
import { consoleOf, expectNoneOf, renderings } from '../helpers/leaks.js';
import { captureLogs } from '../helpers/logs.js';
import '../helpers/mongo-servers.js';
import { runTsChild } from '../helpers/run-child.js';
import '../helpers/servers.js';

// "No secret in anything the package hands to the application or prints", as a property: every secret-bearing
// variable holds a distinctive secret, every failure path the suite can produce is taken, and everything the package
// hands out or prints is scanned: thrown errors (message, stack, cause chain, every own property at any depth, as
// util.inspect, JSON.stringify and String show them), log lines at trace level, anything written to the console,
// health and disposal reports, the doctor's text and JSON, and a child process's unhandled-rejection crash.

const servers = inject('servers');
const kafka = inject('kafka');
const mongo = inject('mongo');
const algolia = inject('algolia');

/** One distinctive secret per secret-bearing variable. `/`, `@` and `:` inside passwords are the hard cases. */
const SECRETS = {
  redisPassword: 'Rd5-pw/wrong@Secret-91',
  sentinelPassword: 'Sntl-pw-Secret-37',
  kafkaPassword: 'Kf-sasl/pw@Secret-53',
  mongoPassword: 'Mg-pw/has:slash@Secret-18',
  prismaPassword: 'Pr-pw/has@Secret-64',
  algoliaWrite: 'AlgWriteKeySecret2718',
  algoliaSearch: 'AlgSearchKeySecret3141',
};
const KEY_PEM = readFileSync(servers.certs.keyFile, 'utf8');
/** A few lines of the client private key body: none may appear anywhere either. */
const KEY_LINES = KEY_PEM.split('\n').filter((l) => l.length > 40 && !l.startsWith('-----')).slice(0, 3);
const ALL = [...Object.values(SECRETS), ...KEY_LINES];
/** The password as it would appear percent-encoded (in a URL) too. */
const FORMS = ALL.flatMap((s) => [s, encodeURIComponent(s)]);

function expectNoSecret(text: string, where: string): void {
  expectNoneOf(text, FORMS, where);
}

const logs = captureLogs();
const containers: DependencyContainer[] = [];
afterAll(async () => {
  for (const c of containers) await disposeWithReport(c);
  expectNoSecret(logs.text(), 'the log lines');
});

function container(env: Record<string, string>): DependencyContainer {
  const c = createDbContainer({ env: { DB_SHUTDOWN_TIMEOUT_MS: '3000', ...env }, logger: logs.logger });
  containers.push(c);
  return c;
}

type Any = LazyProvider<unknown>;

/** Takes one failure path: connect(), a first use before connect(), health, checkHealth, disposal; scans all of it. */
async function failurePath(label: string, env: Record<string, string>, pick: (c: DependencyContainer) => Any, use?: (p: Any) => Promise<unknown>) {
  const { printed } = await consoleOf(async () => {
    const c = container(env);
    const provider = pick(c);
    if (use) {
      const error = await use(provider).then(() => undefined, (e: unknown) => e);
      expect(error, `${label}: the first use should fail`).toBeDefined();
      expectNoSecret(renderings(error), `${label}: the error of a use before connect()`);
    }
    const error = await provider.connect({ timeoutMs: 8000 }).then(() => undefined, (e: unknown) => e);
    expect(error, `${label}: connect() should fail`).toBeInstanceOf(Error);
    expect((error as Error).name, `${label}: ${String(error)}`).toMatch(/^(ProviderError|DisposedError|ConfigError)$/);
    expectNoSecret(renderings(error), `${label}: the connect() error`);
    const health = await provider.health({ timeoutMs: 2000 });
    expectNoSecret(JSON.stringify(health), `${label}: health()`);
    expectNoSecret(JSON.stringify(await checkHealth(c, { timeoutMs: 2000, probeUnused: true })), `${label}: checkHealth`);
    const report = await disposeWithReport(c);
    expectNoSecret(JSON.stringify(report), `${label}: the disposal report`);
    const after = (() => {
      try {
        return provider.client;
      } catch (e) {
        return e;
      }
    })();
    expect(after, `${label}: the client after disposal`).toMatchObject({ name: 'DisposedError' });
  });
  expectNoSecret(printed, `${label}: console output`);
}

describe('no secret leaves the package on any failure path', () => {
  let closed: number;
  beforeAll(async () => {
    closed = await freePort();
  });

  const redisEnv = (port: number, extra: Record<string, string> = {}) => ({
    REDIS_HOST: '127.0.0.1', REDIS_PORT: String(port), REDIS_USERNAME: servers.redis.acl.username,
    REDIS_PASSWORD: SECRETS.redisPassword, REDIS_RETRY_RETRIES: '1', REDIS_RETRY_INITIAL_DELAY_MS: '50', ...extra,
  });
  const redis = (c: DependencyContainer) => c.resolve(RedisProvider) as unknown as Any;
  const redisGet = (p: Any) => (p as unknown as RedisProvider).client.get('k');

  it('Redis: wrong password (also a command before connect()), on the ACL server', async () => {
    await failurePath('redis wrong password', redisEnv(servers.redis.acl.port), redis, redisGet);
  });
  it('Redis: a password given to a server without auth (ioredis would print a warning)', async () => {
    const { printed } = await consoleOf(async () => {
      const c = container(redisEnv(servers.redis.plain, { REDIS_USERNAME: '' }));
      const provider = c.resolve(RedisProvider);
      await provider.connect();
      await provider.client.ping();
      await disposeWithReport(c);
    });
    expect(printed).not.toMatch(/\[WARN\]/);
    expectNoSecret(printed, 'console output');
  });
  it('Redis: closed port, wrong CA with a client key, malformed URL with a password', async () => {
    await failurePath('redis closed port', redisEnv(closed), redis, redisGet);
    await failurePath('redis wrong CA', redisEnv(servers.redis.tls, {
      REDIS_TLS: 'true', REDIS_TLS_CA_FILE: servers.certs.wrongCaFile, REDIS_TLS_CERT_FILE: servers.certs.certFile,
      REDIS_TLS_KEY: KEY_PEM,
    }), redis, redisGet);
  });
  it('Redis Sentinel: sentinel and primary passwords, sentinels unreachable', async () => {
    await failurePath('redis sentinel', {
      REDIS_MODE: 'sentinel', REDIS_SENTINELS: `127.0.0.1:${closed}`,
      REDIS_SENTINEL_NAME: servers.redis.sentinel.name, REDIS_SENTINEL_PASSWORD: SECRETS.sentinelPassword,
      REDIS_PASSWORD: SECRETS.redisPassword, REDIS_RETRY_RETRIES: '1', REDIS_RETRY_INITIAL_DELAY_MS: '50',
    }, redis);
  });

  const kafkaProvider = (c: DependencyContainer) => c.resolve(KafkaProvider) as unknown as Any;
  const kafkaBase = { KAFKA_CONNECTION_TIMEOUT_MS: '1000', KAFKA_RETRY_RETRIES: '1', KAFKA_RETRY_INITIAL_DELAY_MS: '100', KAFKA_RETRY_MAX_DELAY_MS: '200' };
  it('Kafka: wrong SASL password, wrong CA with a client key, closed port', async () => {
    const sasl = {
      ...kafkaBase, KAFKA_SERVICE_URI: `127.0.0.1:${kafka.ports.saslSsl}`, KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: kafka.certs.caFile,
      KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: kafka.user.name, KAFKA_SASL_PASSWORD: SECRETS.kafkaPassword,
    };
    const send = (p: Any) => (p as unknown as KafkaProvider).producer().send({ topic: 'secrets', messages: [{ value: 'x' }] });
    await failurePath('kafka wrong SASL password', sasl, kafkaProvider, send);
    await failurePath('kafka wrong CA', { ...sasl, KAFKA_SSL_CA_FILE: kafka.certs.wrongCaFile, KAFKA_SSL_CERT_FILE: kafka.certs.certFile, KAFKA_SSL_KEY: KEY_PEM }, kafkaProvider);
    await failurePath('kafka closed port', { ...sasl, KAFKA_SERVICE_URI: `127.0.0.1:${closed}` }, kafkaProvider, send);
  });

  const mongoProvider = (c: DependencyContainer) => c.resolve(MongoProvider) as unknown as Any;
  const mongoUrl = (port: number, rest = '') => `mongodb://app:${encodeURIComponent(SECRETS.mongoPassword)}@127.0.0.1:${port}/ratecreator${rest}`;
  const mongoBase = { MONGODB_SERVER_SELECTION_TIMEOUT_MS: '800', MONGODB_RETRY_RETRIES: '1', MONGODB_RETRY_INITIAL_DELAY_MS: '50' };
  const insert = (p: Any) => (p as unknown as MongoProvider).db().collection('secrets').insertOne({ a: 1 });
  it('MongoDB: closed port, wrong CA with a client key, an option the driver rejects (password percent-encoded)', async () => {
    await failurePath('mongo closed port', { ...mongoBase, MONGODB_URL: mongoUrl(closed) }, mongoProvider, insert);
    await failurePath('mongo wrong CA', {
      ...mongoBase, MONGODB_URL: mongoUrl(mongo.tlsPort), MONGODB_TLS: 'true', MONGODB_TLS_CA_FILE: mongo.certs.wrongCaFile,
      MONGODB_TLS_CERT_FILE: mongo.certs.certFile, MONGODB_TLS_KEY: KEY_PEM,
    }, mongoProvider);
    // The driver parses the URL when the client is built: its error must still be a ProviderError, scrubbed.
    await failurePath('mongo option rejected by the driver', { ...mongoBase, MONGODB_URL: mongoUrl(mongo.port, '?readPreference=nonsense') }, mongoProvider);
  });

  it('Prisma: the engine cannot load, with a password in DATABASE_URL_ONLINE', async () => {
    await failurePath('prisma', {
      DATABASE_URL_ONLINE: `mongodb://app:${encodeURIComponent(SECRETS.prismaPassword)}@127.0.0.1:${closed}/ratecreator`,
      PRISMA_RETRY_RETRIES: '0',
    }, (c) => c.resolve(PrismaProvider) as unknown as Any);
  });

  const algoliaEnv = (host: string) => ({
    ALGOLIA_APP_ID: algolia.appId, ALGOLIA_WRITE_API_KEY: SECRETS.algoliaWrite, ALGOLIA_SEARCH_API_KEY: SECRETS.algoliaSearch,
    ALGOLIA_HOSTS: host,
  });
  it('Algolia: wrong keys on the local server, closed port', async () => {
    const save = (p: Any) => (p as unknown as AlgoliaProvider).client.saveObject({ indexName: 'secrets', body: { objectID: '1' } });
    await failurePath('algolia wrong key', algoliaEnv(algolia.url), (c) => c.resolve(AlgoliaProvider) as unknown as Any, save);
    await failurePath('algolia closed port', algoliaEnv(`http://127.0.0.1:${closed}`), (c) => c.resolve(AlgoliaProvider) as unknown as Any, save);
  });

  it('doctor: text and JSON, every provider failing with its secret', async () => {
    const env = {
      ...redisEnv(servers.redis.acl.port),
      ...kafkaBase, KAFKA_SERVICE_URI: `127.0.0.1:${kafka.ports.saslSsl}`, KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: kafka.certs.caFile,
      KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: kafka.user.name, KAFKA_SASL_PASSWORD: SECRETS.kafkaPassword,
      ...mongoBase, MONGODB_URL: mongoUrl(closed),
      DATABASE_URL_ONLINE: `mongodb://app:${encodeURIComponent(SECRETS.prismaPassword)}@127.0.0.1:${closed}/ratecreator`,
      ...algoliaEnv(algolia.url), LOG_LEVEL: 'trace',
    };
    const { value: result, printed } = await consoleOf(() => runDoctor(env, 3000));
    expect(result.ok).toBe(false);
    const down = result.rows.filter((row) => row.status === 'down').map((row) => row.provider);
    expect(down, JSON.stringify(result.rows)).toEqual(expect.arrayContaining(['redis', 'kafka', 'prisma']));
    expectNoSecret(JSON.stringify(result), 'doctor --json');
    expectNoSecret(formatDoctor(result), 'doctor text');
    expectNoSecret(printed, 'doctor console output');
  }, 60_000);

  it('an unhandled rejection crash prints no secret', async () => {
    const child = fileURLToPath(new URL('../fixtures/crash-with-secret.ts', import.meta.url));
    const outcome = await runTsChild(child, { ...process.env, ...redisEnv(servers.redis.acl.port), LOG_LEVEL: 'trace' });
    expect(outcome.code).not.toBe(0);
    expect(outcome.stderr).toMatch(/ProviderError/);
    expectNoSecret(outcome.stdout + outcome.stderr, 'the crash output');
  });
});
