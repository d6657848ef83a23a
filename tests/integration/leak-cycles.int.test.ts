// Issue 12, scenario 5 (long runs): many create -> use -> dispose cycles of a container, in this process, must leave
// nothing behind: no handle, socket or timer (process.getActiveResourcesInfo() by type), no TCP connection to a
// server, no process listener, no container kept reachable, and no MaxListenersExceededWarning on the way.
// The long-running side (heap and RSS slope of a service under load) is `npm run bench:soak` (bench/soak.ts).
import 'reflect-metadata';
import { readdirSync, readlinkSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDbContainer, disposeWithReport } from '../../src/container.js';
import { ProviderError } from '../../src/errors.js';
import { checkHealth } from '../../src/lifecycle/health.js';
import { installShutdownHooks } from '../../src/lifecycle/shutdown-hooks.js';
import { AlgoliaProvider } from '../../src/providers/algolia.js';
import { KafkaProvider } from '../../src/providers/kafka.js';
import { MongoProvider } from '../../src/providers/mongo.js';
import { PrismaProvider } from '../../src/providers/prisma.js';
import { RedisProvider } from '../../src/providers/redis.js';
import { createTopic, uniqueTopic } from '../helpers/kafka-servers.js';
import '../helpers/mongo-servers.js';
import { connectionsTo } from '../helpers/proc-sockets.js';
import '../helpers/servers.js';

const servers = inject('servers');
const kafkaServers = inject('kafka');
const mongo = inject('mongo');
const algolia = inject('algolia');

/** Containers alive at the same time: more than EventEmitter's default limit of 10 listeners would allow per container. */
const CONCURRENCY = 12;
const CYCLES = 1000;
/** Each Kafka cycle connects a producer (and every 10th a consumer group): fewer, to keep the file near a minute. */
const KAFKA_CYCLES = 100;
/** Time allowed after the last disposal for sockets to finish closing before a leftover counts as a leak. */
const SETTLE_MS = 15_000;

const run = `${process.pid}-${Date.now().toString(36)}`;
const topic = uniqueTopic('leak-cycles');
const env: Record<string, string> = {
  LOG_LEVEL: 'silent', // the default logger (pino to stdout), as an app gets it without a `logger` option
  REDIS_HOST: '127.0.0.1',
  REDIS_PORT: String(servers.redis.plain),
  KAFKA_SERVICE_URI: `127.0.0.1:${kafkaServers.ports.plaintext}`,
  KAFKA_CLIENT_ID: 'leak-cycles',
  MONGODB_URL: `${mongo.url}leak_cycles`,
  // Prisma has no query engine on these machines: its client is built, fails every use with a ProviderError and is
  // disposed (its lifecycle), which is what can leak here.
  DATABASE_URL_ONLINE: `${mongo.url}leak_cycles`,
  ALGOLIA_APP_ID: algolia.appId,
  ALGOLIA_WRITE_API_KEY: algolia.writeApiKey,
  ALGOLIA_SEARCH_API_KEY: algolia.searchApiKey,
  ALGOLIA_HOSTS: algolia.url,
};
const serverPorts: Record<string, number> = {
  redis: servers.redis.plain,
  kafka: kafkaServers.ports.plaintext,
  mongodb: mongo.port,
  algolia: algolia.port,
};

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** What a cycle could leave behind, by kind. */
interface Snapshot {
  /** `resources:<type>` (TCPSocketWrap, Timeout, ...), `listeners:<process event>`, `sockets` (socket fds), `tcp:<server>`. */
  readonly counts: Record<string, number>;
}

function snapshot(): Snapshot {
  const counts: Record<string, number> = {};
  const add = (key: string, n = 1) => void (counts[key] = (counts[key] ?? 0) + n);
  for (const type of process.getActiveResourcesInfo()) add(`resources:${type}`);
  for (const name of process.eventNames()) add(`listeners:${String(name)}`, process.listenerCount(name));
  add('sockets', 0);
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith('socket:')) add('sockets');
    } catch {
      // closed meanwhile
    }
  }
  for (const [server, port] of Object.entries(serverPorts)) add(`tcp:${server}`, connectionsTo(process.pid, port).length);
  return { counts };
}

/** Every count that is higher in `after` than in `before`, as `key: before -> after`. */
function grown(before: Snapshot, after: Snapshot): string[] {
  return Object.entries(after.counts)
    .filter(([key, n]) => n > (before.counts[key] ?? 0))
    .map(([key, n]) => `${key}: ${before.counts[key] ?? 0} -> ${n}`);
}

/**
 * Polls until nothing has grown over `before`, or `SETTLE_MS` passed; returns what grew. Sockets close
 * asynchronously, and pino's default destination holds process 'exit'/'beforeExit' listeners (on-exit-leak-free)
 * until its streams are garbage-collected: each poll collects garbage first.
 */
async function settle(before: Snapshot): Promise<{ grown: string[]; after: Snapshot; settleMs: number }> {
  const started = Date.now();
  for (;;) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 10)); // FinalizationRegistry callbacks run after the GC
    const after = snapshot();
    const diff = grown(before, after);
    if (diff.length === 0 || Date.now() - started > SETTLE_MS) return { grown: diff, after, settleMs: Date.now() - started };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function heapAfterGc(): Promise<number> {
  // A WeakRef target stays alive until the job that created it ends: collect in later macrotasks.
  for (let i = 0; i < 3; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    gc();
  }
  return process.memoryUsage().heapUsed;
}

const warnings: string[] = [];
const onWarning = (warning: Error) => void warnings.push(`${warning.name}: ${warning.message}`);

/** Per-run observations collected inside the cycles. */
interface CycleStats {
  /** The most SIGTERM/SIGINT listeners on `process` seen while hooks of up to CONCURRENCY containers were installed. */
  maxSignalListeners: number;
  kafkaConsumers: number;
  prismaErrors: number;
  healthChecks: number;
  readonly refs: WeakRef<object>[];
}

/** One container: created, hooked, every provider used, health checked (see below), disposed, hooks removed (every other one). */
async function cycle(index: number, kafka: boolean, stats: CycleStats): Promise<void> {
  const container = createDbContainer({ env });
  const removeHooks = installShutdownHooks(container, { exit: () => undefined });
  stats.refs.push(new WeakRef(container));
  stats.maxSignalListeners = Math.max(stats.maxSignalListeners, process.listenerCount('SIGTERM'), process.listenerCount('SIGINT'));
  let failure: unknown;
  try {
    const redis = container.resolve(RedisProvider).client;
    await redis.set(`leak:${run}:${index}`, String(index), 'EX', 60);
    expect(await redis.get(`leak:${run}:${index}`)).toBe(String(index));

    const docs = container.resolve(MongoProvider).db().collection<{ _id: string; index: number }>('cycles');
    await docs.insertOne({ _id: `${run}-${index}`, index });
    expect(await docs.findOne({ _id: `${run}-${index}` })).toEqual({ _id: `${run}-${index}`, index });
    await docs.deleteOne({ _id: `${run}-${index}` });

    const search = container.resolve(AlgoliaProvider);
    await search.client.saveObject({ indexName: `leak-${run}`, body: { objectID: String(index % 50), index } });
    await search.searchClient.searchSingleIndex({ indexName: `leak-${run}`, searchParams: { query: '' } });

    const prisma = container.resolve(PrismaProvider);
    const error = await prisma.client.review.count().then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).provider).toBe('prisma');
    stats.prismaErrors += 1;

    if (kafka) {
      const provider = container.resolve(KafkaProvider);
      await provider.producer().send({ topic, messages: [{ value: String(index) }] });
      if (index % 10 === 0) {
        const consumer = provider.consumer(`leak-${run}-${index}`, { maxWaitTimeInMs: 200 });
        await consumer.connect();
        await consumer.subscribe({ topic, fromBeginning: true });
        await new Promise<void>((resolve) => void consumer.run({ eachMessage: async () => resolve() }));
        stats.kafkaConsumers += 1; // left running: disposal must stop it
      }
    }

    if (kafka || index % 5 === 0) {
      // Health probes have their own timers and connections (Kafka's private admin): every 5th cycle, to keep the time.
      const health = await checkHealth(container, { timeoutMs: 5000 });
      const status = Object.fromEntries(health.providers.map((row) => [row.provider, row.status]));
      expect(status).toMatchObject({ redis: 'up', mongodb: 'up', algolia: 'up', prisma: 'down', kafka: kafka ? 'up' : 'not_initialized' });
      stats.healthChecks += 1;
    }
  } catch (error) {
    failure = error;
  }
  const report = await disposeWithReport(container);
  // Every other cycle leaves its hooks installed: disposal alone must take the container out of the hooks' registry
  // (otherwise it, and its clients, would stay reachable for the life of the process).
  if (index % 2 === 0) removeHooks();
  if (failure) throw failure;
  expect(report.ok, JSON.stringify(report.providers)).toBe(true);
  expect(report.providers.find((row) => row.provider === 'prisma')?.status).toBe('closed');
}

/** Runs `count` cycles, CONCURRENCY at a time; stops starting new ones after the first failure. */
async function cycles(count: number, kafka: boolean): Promise<CycleStats> {
  const stats: CycleStats = { maxSignalListeners: 0, kafkaConsumers: 0, prismaErrors: 0, healthChecks: 0, refs: [] };
  let next = 0;
  let failed = false;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (!failed && next < count) {
        const index = next++;
        await cycle(index, kafka, stats).catch((error: unknown) => {
          failed = true;
          throw error;
        });
      }
    }),
  );
  return stats;
}

/** Cycles from a settled baseline, then what grew, what stayed reachable, and the figures. */
async function measure(label: string, count: number, kafka: boolean) {
  const heapBefore = await heapAfterGc();
  const before = snapshot();
  const signalBaseline = Math.max(process.listenerCount('SIGTERM'), process.listenerCount('SIGINT'));
  const warningsBefore = warnings.length;
  const started = Date.now();
  const stats = await cycles(count, kafka);
  const ms = Date.now() - started;
  const settled = await settle(before);
  const heapAfter = await heapAfterGc();
  const reachable = stats.refs.filter((ref) => ref.deref() !== undefined).length;
  const figures = {
    test: `leak-cycles:${label}`,
    cycles: count,
    concurrency: CONCURRENCY,
    kafkaConsumers: stats.kafkaConsumers,
    healthChecks: stats.healthChecks,
    msPerCycle: Math.round((ms / count) * 10) / 10,
    settleMs: settled.settleMs,
    grown: settled.grown,
    before: before.counts,
    after: settled.after.counts,
    signalListenersBaseline: signalBaseline,
    signalListenersMax: stats.maxSignalListeners,
    containersStillReachable: reachable,
    heapBeforeMB: Math.round(heapBefore / 1e5) / 10,
    heapAfterMB: Math.round(heapAfter / 1e5) / 10,
    warnings: warnings.slice(warningsBefore),
  };
  console.log(`FIGURES ${JSON.stringify(figures)}`);
  return { ...figures, stats };
}

describe('create -> use -> dispose cycles (issue 12, scenario 5: long runs)', () => {
  beforeAll(async () => {
    process.on('warning', onWarning);
    // The topic, and one warm-up cycle of each kind: libraries load and keep module-level state once, not per cycle.
    const setup = createDbContainer({ env });
    try {
      await createTopic(setup.resolve(KafkaProvider), topic);
    } finally {
      await setup.dispose();
    }
    const warm: CycleStats = { maxSignalListeners: 0, kafkaConsumers: 0, prismaErrors: 0, healthChecks: 0, refs: [] };
    await cycle(0, true, warm);
    await cycle(1, false, warm);
  }, 120_000);

  afterAll(() => {
    process.off('warning', onWarning);
  });

  it(
    `${CYCLES} cycles (Redis, MongoDB, Algolia; Prisma lifecycle only, no query engine here), ${CONCURRENCY} at a time, ` +
      'leave no handle, socket, timer, listener or container behind and print no MaxListenersExceededWarning',
    async () => {
      const result = await measure('redis-mongo-algolia-prisma', CYCLES, false);
      expect(result.stats.prismaErrors).toBe(CYCLES);
      expect(result.healthChecks).toBe(CYCLES / 5);
      expect(result.grown, 'left behind after the last disposal').toEqual([]);
      expect(result.after['tcp:redis'] ?? 0).toBe(0);
      expect(result.after['tcp:mongodb'] ?? 0).toBe(0);
      expect(result.after['tcp:algolia'] ?? 0).toBe(0);
      // The hooks of every live container share one process listener per signal.
      expect(result.signalListenersMax).toBeLessThanOrEqual(result.signalListenersBaseline + 1);
      expect(result.warnings.filter((w) => w.startsWith('MaxListenersExceededWarning'))).toEqual([]);
      // A container kept reachable after disposal (a registry, a listener) keeps all its clients: all 1,000 would stay.
      expect(result.containersStillReachable).toBeLessThanOrEqual(CONCURRENCY);
      expect(result.heapAfterMB - result.heapBeforeMB).toBeLessThan(48); // generous: a retained container is ~0.1 MB
    },
    240_000,
  );

  it(
    `${KAFKA_CYCLES} cycles that also use Kafka (fewer: each connects a producer, every 10th a consumer group), ` +
      `${CONCURRENCY} at a time, leave nothing behind either`,
    async () => {
      const result = await measure('with-kafka', KAFKA_CYCLES, true);
      expect(result.kafkaConsumers).toBe(KAFKA_CYCLES / 10);
      expect(result.grown, 'left behind after the last disposal').toEqual([]);
      expect(result.after['tcp:kafka'] ?? 0).toBe(0);
      expect(result.signalListenersMax).toBeLessThanOrEqual(result.signalListenersBaseline + 1);
      expect(result.warnings.filter((w) => w.startsWith('MaxListenersExceededWarning'))).toEqual([]);
      expect(result.containersStillReachable).toBeLessThanOrEqual(CONCURRENCY);
    },
    180_000,
  );
});
