import { randomBytes } from 'node:crypto';
import type { DependencyContainer } from 'tsyringe';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { startKafka, type KafkaServer } from '../../scripts/servers/kafka.js';
import { freePort } from '../../scripts/servers/process.js';
import { startToxiproxy, type ToxicSpec, type ToxiproxyServer } from '../../scripts/servers/toxiproxy.js';
import { createDbContainer, disposeWithReport } from '../../src/container.js';
import { ProviderError } from '../../src/errors.js';
import { checkHealth } from '../../src/lifecycle/health.js';
import { AlgoliaProvider } from '../../src/providers/algolia.js';
import { KafkaProvider } from '../../src/providers/kafka.js';
import { MongoProvider } from '../../src/providers/mongo.js';
import { RedisProvider } from '../../src/providers/redis.js';
import { createTopic } from '../helpers/kafka-servers.js';
import '../helpers/mongo-servers.js';
import '../helpers/servers.js';
import { addBothWays, clearProxy, describeError, settleWithin, timeUntilSuccess } from '../helpers/toxiproxy.js';

// Network faults between the package and each server (issue 12, scenario 4): every provider talks to its server
// through a Toxiproxy proxy, and each test injects one fault into that link. What must hold: operations fail within
// the configured timeouts (or, where the fault only slows the link, succeed slowly and intact), nothing hangs,
// health answers within its own timeout, the same container recovers once the toxic is removed, and disposal
// finishes within its deadline, also with the link still silent.

const servers = inject('servers');
const mongo = inject('mongo');
const algolia = inject('algolia');
const kafkaServers = inject('kafka');

/** DB_SHUTDOWN_TIMEOUT_MS of every container here. */
const SHUTDOWN_MS = 3000;
/** Allowance on every time bound, for two busy cores. */
const MARGIN_MS = 2000;
/** `checkHealth` timeout while the link fails, and while it is only slow (a slow link must still read as up). */
const HEALTH_DOWN_MS = 1000;
const HEALTH_SLOW_MS = 5000;
/** How long recovery may take once the toxic is gone. */
const RECOVERY_LIMIT_MS = 20_000;
/** Bytes of each value written: enough for the bandwidth and slicer toxics to matter. */
const PAYLOAD_BYTES = 4000;
const LATENCY_MS = 200;
/** Toxiproxy's bandwidth rate is in KB/s: 16 moves 4000 bytes in 250 ms. */
const RATE_KBPS = 16;

type ProviderName = 'redis' | 'kafka' | 'mongodb' | 'algolia';
type Provider = RedisProvider | KafkaProvider | MongoProvider | AlgoliaProvider;

/** One provider behind a proxy: how to configure it, and one write-and-read operation that checks what it read. */
interface Subject {
  readonly name: ProviderName;
  /** Server address the proxy forwards to (`host:port`). */
  upstream(): string;
  /** Port the proxy must listen on (Kafka: the port the broker advertises), else a free one. */
  listenPort?(): number;
  env(proxyPort: number): Record<string, string>;
  provider(c: DependencyContainer): Provider;
  /** Writes a fresh value under `key` and reads it back (or waits for the broker's ack); throws on a wrong value. */
  op(c: DependencyContainer, key: string): Promise<void>;
  /** Whether the write of an `op` under `key` reached the server (after the link is back), where it can be read. */
  applied?(c: DependencyContainer, key: string): Promise<boolean>;
  /** Round trips of one `op`, and payload bytes it moves across the link (both directions). */
  readonly roundTrips: number;
  readonly bytes: number;
  /** The bound on a failing operation, from the timeouts `env` sets. */
  readonly failWithinMs: number;
  /** The bound on `connect()` (no caller timeout) over a broken link: every attempt and retry, from `env`. */
  readonly connectWithinMs: number;
  /** True when the provider turns failures of client operations into ProviderErrors (Kafka sends). */
  readonly wrapsOperationErrors: boolean;
}

const run = randomBytes(4).toString('hex');
const payload = (key: string) => `${key}:${'x'.repeat(PAYLOAD_BYTES)}`;
let toxiproxy: ToxiproxyServer;
let broker: KafkaServer | undefined;
let kafkaProxyPort = 0;
const KAFKA_TOPIC = `netfaults-${run}`;

const SUBJECTS: readonly Subject[] = [
  {
    name: 'redis',
    upstream: () => `127.0.0.1:${servers.redis.plain}`,
    env: (port) => ({
      REDIS_HOST: '127.0.0.1', REDIS_PORT: String(port), REDIS_COMMAND_TIMEOUT_MS: '1000', REDIS_CONNECT_TIMEOUT_MS: '1000',
      REDIS_RETRY_RETRIES: '2', REDIS_RETRY_INITIAL_DELAY_MS: '100', REDIS_RETRY_MAX_DELAY_MS: '500',
    }),
    provider: (c) => c.resolve(RedisProvider),
    async op(c, key) {
      const redis = c.resolve(RedisProvider).client;
      const value = payload(key);
      await redis.set(`netfaults:${run}:${key}`, value, 'EX', 300);
      const read = await redis.get(`netfaults:${run}:${key}`);
      if (read !== value) throw new Error(`read back ${JSON.stringify(read?.slice(0, 24))} for ${key}`);
    },
    applied: async (c, key) => (await c.resolve(RedisProvider).client.exists(`netfaults:${run}:${key}`)) === 1,
    roundTrips: 2,
    bytes: 2 * PAYLOAD_BYTES,
    // REDIS_COMMAND_TIMEOUT_MS per command.
    failWithinMs: 1000 + MARGIN_MS,
    // 1 + REDIS_RETRY_RETRIES attempts; over a silent link each ends when its ready check hits the command timeout.
    connectWithinMs: 3 * (1000 + 500) + 2 * MARGIN_MS,
    wrapsOperationErrors: false,
  },
  {
    name: 'mongodb',
    upstream: () => `127.0.0.1:${mongo.port}`,
    // heartbeatFrequencyMS (a driver option of the URL; the driver's minimum is 500): the monitor's heartbeat, bounded
    // by MONGODB_CONNECT_TIMEOUT_MS, is what notices a silent link and interrupts the operations in flight.
    env: (port) => ({
      MONGODB_URL: `mongodb://127.0.0.1:${port}/netfaults?directConnection=true&heartbeatFrequencyMS=500`,
      MONGODB_SERVER_SELECTION_TIMEOUT_MS: '1000', MONGODB_CONNECT_TIMEOUT_MS: '1000',
      MONGODB_RETRY_RETRIES: '1', MONGODB_RETRY_INITIAL_DELAY_MS: '100', MONGODB_RETRY_MAX_DELAY_MS: '200',
    }),
    provider: (c) => c.resolve(MongoProvider),
    async op(c, key) {
      const docs = c.resolve(MongoProvider).db().collection<{ _id: string; v: string }>(`docs_${run}`);
      const value = payload(key);
      await docs.insertOne({ _id: key, v: value });
      const read = await docs.findOne({ _id: key });
      if (read?.v !== value) throw new Error(`read back ${JSON.stringify(read?.v?.slice(0, 24))} for ${key}`);
    },
    applied: async (c, key) => (await c.resolve(MongoProvider).db().collection<{ _id: string }>(`docs_${run}`).findOne({ _id: key })) !== null,
    roundTrips: 2,
    bytes: 2 * PAYLOAD_BYTES,
    // Heartbeat interval + heartbeat timeout, then server selection for the next attempt.
    failWithinMs: 500 + 1000 + 1000 + MARGIN_MS,
    // 1 + MONGODB_RETRY_RETRIES server selections.
    connectWithinMs: 2 * (1000 + 200) + MARGIN_MS,
    wrapsOperationErrors: false,
  },
  {
    name: 'algolia',
    upstream: () => `127.0.0.1:${algolia.port}`,
    env: (port) => ({
      ALGOLIA_APP_ID: algolia.appId, ALGOLIA_WRITE_API_KEY: algolia.writeApiKey, ALGOLIA_HOSTS: `http://127.0.0.1:${port}`,
      ALGOLIA_CONNECT_TIMEOUT_MS: '1000', ALGOLIA_READ_TIMEOUT_MS: '2000', ALGOLIA_WRITE_TIMEOUT_MS: '2000',
    }),
    provider: (c) => c.resolve(AlgoliaProvider),
    async op(c, key) {
      const client = c.resolve(AlgoliaProvider).client;
      const indexName = `netfaults_${run}`;
      const value = payload(key);
      await client.saveObject({ indexName, body: { objectID: key, v: value } });
      const read = (await client.getObject({ indexName, objectID: key })) as { v?: string };
      if (read.v !== value) throw new Error(`read back ${JSON.stringify(read.v?.slice(0, 24))} for ${key}`);
    },
    applied: (c, key) =>
      c.resolve(AlgoliaProvider).client.getObject({ indexName: `netfaults_${run}`, objectID: key }).then(
        () => true,
        (error: { status?: number }) => (error.status === 404 ? false : Promise.reject(error)),
      ),
    roundTrips: 2,
    bytes: 2 * PAYLOAD_BYTES,
    // algoliasearch's "connect" timeout runs until the response headers arrive: one host, one try.
    failWithinMs: 1000 + MARGIN_MS,
    connectWithinMs: 1000 + MARGIN_MS,
    wrapsOperationErrors: false,
  },
  {
    name: 'kafka',
    upstream: () => `127.0.0.1:${broker!.ports.plaintext}`,
    listenPort: () => kafkaProxyPort,
    env: (port) => ({
      KAFKA_SERVICE_URI: `127.0.0.1:${port}`, KAFKA_CLIENT_ID: 'netfaults', KAFKA_CONNECTION_TIMEOUT_MS: '1000',
      KAFKA_REQUEST_TIMEOUT_MS: '1500', KAFKA_RETRY_RETRIES: '1', KAFKA_RETRY_INITIAL_DELAY_MS: '100',
      KAFKA_RETRY_MAX_DELAY_MS: '300',
    }),
    provider: (c) => c.resolve(KafkaProvider),
    async op(c, key) {
      // acks=-1: resolved means written. The broker checks each batch's CRC, so a cut or garbled batch is refused.
      const [meta] = await c.resolve(KafkaProvider).producer().send({ topic: KAFKA_TOPIC, messages: [{ key, value: payload(key) }] });
      if (meta?.errorCode !== 0) throw new Error(`send of ${key} answered error code ${String(meta?.errorCode)}`);
    },
    roundTrips: 1,
    bytes: PAYLOAD_BYTES,
    // Each attempt is bounded by KAFKA_REQUEST_TIMEOUT_MS; 1 + KAFKA_RETRY_RETRIES attempts with a delay between.
    failWithinMs: 2 * 1500 + 300 + MARGIN_MS,
    connectWithinMs: 2 * 1500 + 1000 + 1500 + 300 + MARGIN_MS, // connect, then one round trip that proves the cluster answers
    wrapsOperationErrors: true,
  },
];

/** A fault, and what it must do to an operation: fail it (the link is broken) or only slow it (`minMs`). */
interface Fault {
  /** Short name, for keys and figures. */
  readonly id: string;
  readonly label: string;
  readonly toxic: ToxicSpec;
  readonly breaks: boolean;
  /** Lower bound of a slowed operation, proof that its traffic went through the toxic. */
  minMs?(subject: Subject): number;
}

const FAULTS: readonly Fault[] = [
  {
    id: 'latency',
    label: `latency ${LATENCY_MS} ms each way`,
    toxic: { type: 'latency', attributes: { latency: LATENCY_MS } },
    breaks: false,
    minMs: (s) => 0.9 * s.roundTrips * 2 * LATENCY_MS,
  },
  // Toxiproxy closes the link's connections when a timeout toxic is removed: recovery includes a reconnection.
  { id: 'silent', label: 'silent link (timeout 0)', toxic: { type: 'timeout', attributes: { timeout: 0 } }, breaks: true },
  // A partition that heals: nothing is dropped or closed, the bytes held back arrive when the toxic is removed. What
  // the client sent before (commands that timed out) reaches the server late, on the same connections.
  { id: 'stall', label: 'stalled link that heals (latency 60 s, removed)', toxic: { type: 'latency', attributes: { latency: 60_000 } }, breaks: true },
  { id: 'reset', label: 'connection reset (reset_peer)', toxic: { type: 'reset_peer', attributes: { timeout: 0 } }, breaks: true },
  {
    id: 'bandwidth',
    label: `slow link (bandwidth ${RATE_KBPS} KB/s)`,
    toxic: { type: 'bandwidth', attributes: { rate: RATE_KBPS } },
    breaks: false,
    minMs: (s) => (0.5 * s.bytes) / RATE_KBPS,
  },
  {
    id: 'slicer',
    label: 'cut packets (slicer)',
    toxic: { type: 'slicer', attributes: { average_size: 64, size_variation: 32, delay: 200 } },
    breaks: false,
  },
];

/**
 * Where the package does not yet do what this file checks, keyed `provider:fault`: measured and reported, not
 * asserted. Empty: the one gap found (Kafka's health admin kept a kafkajs connection whose ApiVersions request timed
 * out during a stall, so health stayed down after the link healed) is fixed in src/providers/kafka.ts, which drops the
 * health admin when a probe fails.
 */
const KNOWN_GAPS: Readonly<Record<string, string>> = {};

const proxies = new Map<ProviderName, number>();
const open: DependencyContainer[] = [];

function container(subject: Subject): DependencyContainer {
  const c = createDbContainer({
    env: { LOG_LEVEL: 'silent', DB_SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_MS), ...subject.env(proxies.get(subject.name)!) },
  });
  open.push(c);
  return c;
}

function figures(row: Record<string, unknown>): void {
  console.log(`FIGURES ${JSON.stringify({ scenario: 'network-faults', ...row })}`);
}

/** Stops what beforeAll started, last first; run once, by whichever of beforeAll's failure or afterAll comes first. */
const stops: Array<() => Promise<void>> = [];
async function stopAll(): Promise<void> {
  for (const stop of stops.splice(0).reverse()) await stop();
}

beforeAll(async () => {
  try {
    toxiproxy = await startToxiproxy();
    stops.push(() => toxiproxy.stop());
    // The broker advertises the proxy's port, so that kafkajs reaches every broker it learns of through the proxy.
    kafkaProxyPort = await freePort();
    const kafka = await startKafka({
      certs: kafkaServers.certs,
      user: { name: 'netfaults', password: `netfaults-${run}` },
      heap: '384m',
      extra: [`advertised.listeners=PLAINTEXT://127.0.0.1:${kafkaProxyPort}`],
    });
    broker = kafka;
    stops.push(() => kafka.stop());
    for (const subject of SUBJECTS) {
      const proxy = await toxiproxy.createProxy(subject.name, subject.upstream(), subject.listenPort?.());
      proxies.set(subject.name, proxy.port);
    }
    const setup = createDbContainer({ env: { LOG_LEVEL: 'silent', KAFKA_SERVICE_URI: `127.0.0.1:${kafkaProxyPort}` } });
    try {
      await createTopic(setup.resolve(KafkaProvider), KAFKA_TOPIC);
    } finally {
      await setup.dispose();
    }
  } catch (error) {
    await stopAll();
    throw error;
  }
}, 180_000);

afterAll(stopAll);

afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.dispose()));
  for (const name of proxies.keys()) await clearProxy(toxiproxy, name);
});

describe.each(SUBJECTS)('network faults between the package and $name (through Toxiproxy)', (subject) => {
  it.each(FAULTS)('$label: fails in bounded time or only slows, health answers, the same container recovers, disposal is bounded', async (fault) => {
    const name = subject.name;
    const c = container(subject);
    await subject.provider(c).connect({ timeoutMs: 10_000 });
    await subject.op(c, `${fault.id}-warm`);

    await addBothWays(toxiproxy, name, fault.toxic);
    const during = await settleWithin(() => subject.op(c, `${fault.id}-during`), subject.failWithinMs + 10_000);
    expect(during.status, 'the operation settles').not.toBe('hung');
    let error: { name: string; message: string; providerError: boolean } | undefined;
    if (fault.breaks) {
      expect(during.status).toBe('rejected');
      expect(during.ms).toBeLessThan(subject.failWithinMs);
      const thrown = (during as { error: unknown }).error;
      expect(thrown).toBeInstanceOf(Error);
      error = { ...describeError(thrown), providerError: thrown instanceof ProviderError };
      if (subject.wrapsOperationErrors) {
        expect(thrown).toBeInstanceOf(ProviderError);
        expect((thrown as ProviderError).provider).toBe(name);
      }
    } else {
      if (during.status === 'rejected') throw during.error;
      expect(during.status).toBe('fulfilled');
      if (fault.minMs) expect(during.ms, 'the traffic crossed the toxic').toBeGreaterThanOrEqual(fault.minMs(subject));
    }

    // Health answers within its own timeout: down while the link is broken, up while it is only slow.
    const healthTimeout = fault.breaks ? HEALTH_DOWN_MS : HEALTH_SLOW_MS;
    const health = await settleWithin(() => checkHealth(c, { timeoutMs: healthTimeout }), healthTimeout + MARGIN_MS);
    if (health.status !== 'fulfilled') throw new Error(`checkHealth ${health.status} after ${health.ms} ms`);
    const row = health.value.providers.find((p) => p.provider === name);
    expect(row?.status).toBe(fault.breaks ? 'down' : 'up');
    expect(health.value.httpStatus).toBe(fault.breaks ? 503 : 200);

    // A new container over the same link: connect(), with no timeout of the caller's, ends by the configured timeouts
    // and retries with a ProviderError naming the provider.
    const fresh = container(subject);
    const connect = await settleWithin(() => subject.provider(fresh).connect(), subject.connectWithinMs + 10_000);
    expect(connect.status, 'connect() settles').not.toBe('hung');
    let connectOutcome: string = connect.status;
    if (fault.breaks && connect.status === 'rejected') {
      expect(connect.error).toBeInstanceOf(ProviderError);
      expect((connect.error as ProviderError).provider).toBe(name);
      expect(connect.ms).toBeLessThan(subject.connectWithinMs);
      connectOutcome = `rejected: ${(connect.error as Error).message.slice(0, 100)}`;
    } else if (fault.breaks) {
      // kafkajs can resolve its connect over a stalled link; the provider's connect() proves a round trip, so no
      // provider may report connected over a broken link.
      expect.fail(`connect() ${connect.status} over a broken link (${name}, ${fault.id}): it must reject with a ProviderError`);
    } else {
      if (connect.status === 'rejected') throw connect.error;
    }
    const freshDisposal = await settleWithin(() => disposeWithReport(fresh), SHUTDOWN_MS + MARGIN_MS);
    expect(freshDisposal.status).toBe('fulfilled');

    // The toxic goes; the SAME container must work again without a restart, and read back what it writes.
    for (const toxic of await toxiproxy.toxics(name)) await toxiproxy.removeToxic(name, toxic.name);
    let n = 0;
    const recoveryMs = await timeUntilSuccess(() => subject.op(c, `${fault.id}-after-${n++}`), RECOVERY_LIMIT_MS);
    const healthUp = () =>
      timeUntilSuccess(async () => {
        const after = await checkHealth(c, { timeoutMs: 2000 });
        if (after.status !== 'up') throw new Error(`health ${after.status}: ${JSON.stringify(after.providers.filter((p) => p.status === 'down'))}`);
      }, KNOWN_GAPS[`${name}:${fault.id}`] ? 5000 : RECOVERY_LIMIT_MS);
    // A known gap is measured and reported, not asserted (its fix belongs to another file: see KNOWN_GAPS).
    const healthUpMs = KNOWN_GAPS[`${name}:${fault.id}`] ? await healthUp().catch((e: unknown) => `still down: ${describeError(e).message}`) : await healthUp();
    for (let i = 0; i < 5; i++) await subject.op(c, `${fault.id}-burst-${i}`);
    // A write that was rejected is "not acknowledged", not "not written": it may have reached the server anyway.
    const rejectedWriteApplied = fault.breaks && subject.applied ? await subject.applied(c, `${fault.id}-during`) : undefined;

    const disposal = await settleWithin(() => disposeWithReport(c), SHUTDOWN_MS + MARGIN_MS);
    if (disposal.status !== 'fulfilled') throw new Error(`disposal ${disposal.status} after ${disposal.ms} ms`);
    expect(disposal.value.providers.find((p) => p.provider === name)?.status).toBe('closed');

    figures({
      provider: name, fault: fault.id, opMs: during.ms, opOutcome: during.status, error,
      healthMs: health.ms, healthTimeoutMs: healthTimeout, health: row?.status, connectMs: connect.ms, connectOutcome,
      recoveryMs, healthUpMs, rejectedWriteApplied, knownGap: KNOWN_GAPS[`${name}:${fault.id}`], disposeMs: disposal.ms, disposal: disposal.value.ok ? 'ok' : 'not ok',
    });
  }, 90_000);

  it('disposal with the link still silent finishes within DB_SHUTDOWN_TIMEOUT_MS, and the operation in flight settles', async () => {
    const name = subject.name;
    const c = container(subject);
    await subject.provider(c).connect({ timeoutMs: 10_000 });
    await subject.op(c, 'disposal-warm');
    await addBothWays(toxiproxy, name, { type: 'timeout', attributes: { timeout: 0 } });
    const inFlight = settleWithin(() => subject.op(c, 'disposal-in-flight'), SHUTDOWN_MS + subject.failWithinMs + 10_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const disposal = await settleWithin(() => disposeWithReport(c), SHUTDOWN_MS + MARGIN_MS);
    if (disposal.status !== 'fulfilled') throw new Error(`disposal ${disposal.status} after ${disposal.ms} ms`);
    const op = await inFlight;
    // Not acknowledged: the operation in flight is rejected (by its own timeout or by the disposal), never left pending.
    expect(op.status).toBe('rejected');
    const rowOf = disposal.value.providers.find((p) => p.provider === name);
    expect(rowOf).toBeDefined();
    figures({
      provider: name, fault: 'timeout (disposal with the link silent)', disposeMs: disposal.ms, deadlineMs: SHUTDOWN_MS,
      disposal: rowOf?.status, detail: rowOf?.detail ?? rowOf?.error, inFlightMs: op.ms,
      inFlightError: describeError((op as { error: unknown }).error),
    });
  }, 60_000);
});
