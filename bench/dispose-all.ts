// Full disposal of a container with every provider in use on loopback (median ms), and with Redis frozen (SIGSTOP):
// how far past the deadline disposal returns. Prisma is built but cannot connect here (no query engine).
import 'reflect-metadata';
import { makeTestCertificates } from '../scripts/servers/certs.js';
import { startFerretDb } from '../scripts/servers/ferretdb.js';
import { startKafka } from '../scripts/servers/kafka.js';
import { makeTempDir, removeDir } from '../scripts/servers/process.js';
import { startRedis } from '../scripts/servers/redis.js';
import {
  AlgoliaProvider,
  createDbContainer,
  disposeWithReport,
  KafkaProvider,
  MongoProvider,
  PrismaProvider,
  RedisProvider,
} from '../src/index.js';
import { createLogger } from '../src/providers/logger.js';
import { startAlgoliaServer } from '../src/testing/algolia-server.js';
import { median, report, round } from './util.js';

const certDir = makeTempDir('bench-certs');
const certs = makeTestCertificates(certDir);
const [redis, kafka, ferret, algolia] = await Promise.all([
  startRedis(),
  startKafka({ certs, user: { name: 'bench', password: `bench-${Date.now()}` } }),
  startFerretDb(),
  startAlgoliaServer(),
]);
const logger = createLogger({ level: 'silent' });
const env = {
  REDIS_HOST: '127.0.0.1',
  REDIS_PORT: String(redis.port),
  KAFKA_SERVICE_URI: `127.0.0.1:${kafka.ports.plaintext}`,
  KAFKA_ALLOW_AUTO_TOPIC_CREATION: 'true',
  MONGODB_URL: `mongodb://127.0.0.1:${ferret.port}/bench`,
  DATABASE_URL_ONLINE: `mongodb://127.0.0.1:${ferret.port}/bench`,
  ALGOLIA_APP_ID: algolia.appId,
  ALGOLIA_WRITE_API_KEY: algolia.writeApiKey,
  ALGOLIA_HOSTS: algolia.url,
};

async function usedContainer(extra: Record<string, string> = {}) {
  const c = createDbContainer({ env: { ...env, ...extra }, logger });
  await c.resolve(RedisProvider).client.set('bench', '1');
  await c.resolve(KafkaProvider).producer().send({ topic: 'bench-dispose', messages: [{ value: 'x' }] });
  await c.resolve(MongoProvider).db().collection('bench').insertOne({ at: Date.now() });
  await c.resolve(AlgoliaProvider).client.saveObject({ indexName: 'bench', body: { objectID: '1' } });
  void c.resolve(PrismaProvider).client; // built; no engine here, so it never connects
  return c;
}

try {
  await (await usedContainer()).dispose(); // warm-up: topic metadata, JIT
  const clean: number[] = [];
  for (let i = 0; i < 11; i++) {
    const c = await usedContainer();
    const started = process.hrtime.bigint();
    const result = await disposeWithReport(c);
    clean.push(Number(process.hrtime.bigint() - started) / 1e6);
    if (!result.ok) throw new Error(`disposal not clean: ${JSON.stringify(result.providers)}`);
  }
  report('dispose-all:connected', { medianMs: round(median(clean), 1), maxMs: round(Math.max(...clean), 1), runs: clean.length });

  const deadlineMs = 2000;
  const overruns: number[] = [];
  let statuses = '';
  for (let i = 0; i < 3; i++) {
    const c = await usedContainer({ DB_SHUTDOWN_TIMEOUT_MS: String(deadlineMs) });
    process.kill(redis.pid, 'SIGSTOP');
    const started = process.hrtime.bigint();
    const result = await disposeWithReport(c);
    overruns.push(Number(process.hrtime.bigint() - started) / 1e6 - deadlineMs);
    process.kill(redis.pid, 'SIGCONT');
    const row = result.providers.find((p) => p.provider === 'redis');
    if (row?.status !== 'timed_out') throw new Error(`expected redis timed_out, got ${JSON.stringify(row)}`);
    statuses = result.providers.map((p) => `${p.provider}:${p.status}`).join(' ');
  }
  report('dispose-all:redis-frozen', { deadlineMs, medianOverrunMs: round(median(overruns), 1), maxOverrunMs: round(Math.max(...overruns), 1), runs: overruns.length, statuses });
} finally {
  process.kill(redis.pid, 'SIGCONT');
  await Promise.all([redis.stop(), kafka.stop(), ferret.stop(), algolia.close()]);
  removeDir(certDir);
}
