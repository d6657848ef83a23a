import 'reflect-metadata';
import { Writable } from 'node:stream';
import type { Admin, Consumer } from 'kafkajs';
import type { DependencyContainer } from 'tsyringe';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startKafkaCluster, type KafkaCluster } from '../../scripts/servers/kafka-cluster.js';
import { createDbContainer } from '../../src/container.js';
import { ProviderError } from '../../src/errors.js';
import { KafkaProvider } from '../../src/providers/kafka.js';
import { createLogger } from '../../src/providers/logger.js';
import { uniqueTopic } from '../helpers/kafka-servers.js';

/**
 * Issue 12, scenario 1: the partition leader of a 3-node KRaft cluster is SIGKILLed under load and restarted later.
 * CI runs `KAFKA_FAILOVER_SENDS` (default 5000) sends; `KAFKA_FAILOVER_SENDS=20000` runs the full length. Figures are
 * printed as `FIGURES {...}` lines.
 */
const SENDS = Number(process.env.KAFKA_FAILOVER_SENDS ?? 5000);
const IN_FLIGHT = 100;
const MESSAGE_BYTES = 1024;
const KILL_AT = Math.floor(SENDS * 0.25);
const RESTART_AT = Math.floor(SENDS * 0.6);
const OFFSETS_TOPIC = '__consumer_offsets';

/**
 * The provider's settings for this scenario, explicit: a send retries for ~20 s (longer than a leader election after
 * a crash, which waits for the broker session timeout, 9 s by default), each request waits at most 15 s.
 */
const PROVIDER_ENV = {
  KAFKA_CLIENT_ID: 'ratecreator-db-failover',
  KAFKA_CONNECTION_TIMEOUT_MS: '3000',
  KAFKA_REQUEST_TIMEOUT_MS: '15000',
  KAFKA_RETRY_RETRIES: '10',
  KAFKA_RETRY_INITIAL_DELAY_MS: '300',
  KAFKA_RETRY_MAX_DELAY_MS: '3000',
  KAFKA_RETRY_FACTOR: '2',
  KAFKA_RETRY_JITTER: 'true',
  DB_SHUTDOWN_TIMEOUT_MS: '15000',
};

let cluster: KafkaCluster;
const containers: DependencyContainer[] = [];

beforeAll(async () => {
  cluster = await startKafkaCluster({ size: 3, heap: '384m' });
  const { kafka } = setup(false);
  const admin = kafka.admin();
  await admin.connect();
  await waitFor('3 brokers registered', async () => (await admin.describeCluster()).brokers.length === 3);
  // Creates the offsets topic now (replicated to all 3 nodes), so each run can aim its group at a coordinator.
  await waitFor('the offsets topic', async () => (await admin.fetchOffsets({ groupId: 'failover-warm-up' }), true));
  await waitForFullIsr(admin, [OFFSETS_TOPIC]);
  await Promise.all(containers.splice(0).map((container) => container.dispose()));
}, 240_000);

afterEach(async () => {
  await Promise.all(containers.splice(0).map((container) => container.dispose()));
});

afterAll(async () => {
  await cluster?.stop();
}, 60_000);

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (error) {
      last = error;
    }
    await sleep(250);
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/** A container on all 3 brokers whose warnings and errors are counted, not printed. */
function setup(idempotent: boolean): { kafka: KafkaProvider; warnings: () => number } {
  let warnings = 0;
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      warnings += chunk.toString().split('\n').filter(Boolean).length;
      callback();
    },
  });
  const env = { ...PROVIDER_ENV, KAFKA_SERVICE_URI: cluster.brokers.join(','), KAFKA_IDEMPOTENT: String(idempotent) };
  const container = createDbContainer({ env, logger: createLogger({ level: 'warn', destination: stream }) });
  containers.push(container);
  return { kafka: container.resolve(KafkaProvider), warnings: () => warnings };
}

async function waitForFullIsr(admin: Admin, topics: string[]): Promise<void> {
  await waitFor(`full ISR of ${topics.join(', ')}`, async () => {
    const { topics: metadata } = await admin.fetchTopicMetadata({ topics });
    return metadata.every((t) => t.partitions.every((p) => p.isr.length === 3 && p.leader >= 1));
  });
}

/** Java's `String.hashCode`: the broker maps a group to its coordinator's offsets partition with it. */
function javaHash(text: string): number {
  let hash = 0;
  for (let i = 0; i < text.length; i++) hash = (Math.imul(hash, 31) + text.charCodeAt(i)) | 0;
  return hash;
}

/** A group id whose coordinator (the leader of its offsets partition) is `leader`, when one is found. */
async function groupLedBy(admin: Admin, leader: number, label: string): Promise<{ groupId: string; coordinator: number }> {
  const [offsets] = (await admin.fetchTopicMetadata({ topics: [OFFSETS_TOPIC] })).topics;
  const leaders = new Map(offsets!.partitions.map((p) => [p.partitionId, p.leader]));
  const base = uniqueTopic(label);
  for (let i = 0; i < 200; i++) {
    const hash = javaHash(`${base}-${i}`);
    const partition = (hash === -2147483648 ? 0 : Math.abs(hash)) % leaders.size;
    if (leaders.get(partition) === leader) return { groupId: `${base}-${i}`, coordinator: leader };
  }
  return { groupId: base, coordinator: -1 };
}

function payload(id: number): Buffer {
  const value = Buffer.alloc(MESSAGE_BYTES, 'x');
  value.write(`${id}|`);
  return value;
}

function idOf(value: Buffer | null): number {
  const text = value?.subarray(0, 16).toString() ?? '';
  return Number(text.slice(0, text.indexOf('|')));
}

/** Runs `consumer` on `topic` from the beginning, calling `onMessage` for every delivery. */
async function consume(consumer: Consumer, topic: string, onMessage: (partition: number, offset: string, id: number) => void): Promise<void> {
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  void consumer.run({ eachMessage: async ({ partition, message }) => onMessage(partition, message.offset, idOf(message.value)) });
}

interface Outcome {
  ok: boolean;
  at: number;
  error?: unknown;
}

async function failoverRun(idempotent: boolean, leader: number) {
  // A run that failed before its restart leaves a node down: bring it back, so this run starts from 3 nodes.
  for (const node of cluster.nodes) if (!node.running) await node.restart();
  const { kafka, warnings } = setup(idempotent);
  const admin = kafka.admin();
  await admin.connect();
  await waitForFullIsr(admin, [OFFSETS_TOPIC]);
  const topic = uniqueTopic(idempotent ? 'failover-idem' : 'failover');
  const others = cluster.nodes.map((n) => n.id).filter((id) => id !== leader);
  // Two partitions with the same preferred leader: the kill stops every partition of the topic at once. Leaders are
  // awaited below: kafkajs' own wait fails when a broker whose metadata lags answers "does not host this partition".
  await admin.createTopics({
    waitForLeaders: false,
    topics: [{
      topic,
      replicaAssignment: [{ partition: 0, replicas: [leader, ...others] }, { partition: 1, replicas: [leader, ...others.reverse()] }],
      configEntries: [{ name: 'min.insync.replicas', value: '2' }],
    }],
  });
  await waitForFullIsr(admin, [topic]);
  const leaders = async () =>
    (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0]!.partitions.sort((a, b) => a.partitionId - b.partitionId).map((p) => p.leader);
  await waitFor(`node ${leader} leading both partitions`, async () => (await leaders()).every((id) => id === leader), 30_000);

  // Part 2: a group of two consumers of the provider, consuming while the leader (and, when the hash allows, the
  // group's coordinator) fails over.
  const { groupId, coordinator } = await groupLedBy(admin, leader, 'failover-group');
  const deliveries = new Map<string, number>();
  const groupIds = new Set<number>();
  const perConsumer = [0, 0];
  const assigned = [0, 0];
  const consumers = [0, 1].map((k) => {
    const consumer = kafka.consumer(groupId);
    consumer.on(consumer.events.GROUP_JOIN, ({ payload: join }) => (assigned[k] = join.memberAssignment[topic]?.length ?? 0));
    return consumer;
  });
  for (const [k, consumer] of consumers.entries()) {
    await consume(consumer, topic, (partition, offset, id) => {
      const key = `${partition}:${offset}`;
      deliveries.set(key, (deliveries.get(key) ?? 0) + 1);
      groupIds.add(id);
      perConsumer[k]!++;
    });
  }
  await waitFor('both consumers assigned a partition', () => assigned[0] === 1 && assigned[1] === 1);

  // Part 1: SENDS sends of 1 KiB, IN_FLIGHT at a time; SIGKILL the leader at 25% issued, restart it at 60%.
  const producer = kafka.producer();
  await producer.connect();
  const node = cluster.node(leader);
  const outcomes: Outcome[] = new Array(SENDS);
  const t0 = performance.now();
  const marks = { killStart: 0, killed: 0, elected: 0, restartStart: 0, restarted: 0 };
  let killing: Promise<void> | undefined;
  let leadersAfter: number[] = [];
  let electing: Promise<void> | undefined;
  let restarting: Promise<void> | undefined;
  let next = 0;
  const worker = async () => {
    while (next < SENDS) {
      const id = next++;
      if (id === KILL_AT) {
        marks.killStart = performance.now() - t0;
        killing = node.kill().then(() => {
          marks.killed = performance.now() - t0;
          // Read now, not at the end: once the node is back, Kafka may hand it its preferred leadership again.
          // A timeout leaves the last leaders read, which the test then rejects.
          electing = waitFor('a new leader', async () => (leadersAfter = await leaders()).every((n) => n !== leader && n >= 1), 60_000)
            .then(() => void (marks.elected = performance.now() - t0), () => undefined);
        });
      }
      if (id === RESTART_AT) {
        restarting = (async () => {
          await killing;
          marks.restartStart = performance.now() - t0;
          await node.restart();
          marks.restarted = performance.now() - t0;
        })();
      }
      try {
        await producer.send({ topic, messages: [{ value: payload(id) }] });
        outcomes[id] = { ok: true, at: performance.now() - t0 };
      } catch (error) {
        outcomes[id] = { ok: false, at: performance.now() - t0, error };
      }
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const sendMs = performance.now() - t0;
  await restarting;
  await electing;

  const acked = outcomes.flatMap((o, id) => (o.ok ? [id] : []));
  const failed = outcomes.flatMap((o, id) => (o.ok ? [] : [{ id, error: o.error }]));
  const successTimes = outcomes.filter((o) => o.ok).map((o) => o.at);
  const lastBefore = Math.max(...successTimes.filter((at) => at <= marks.killStart));
  const firstAfter = Math.min(...successTimes.filter((at) => at >= marks.killed));

  // Read back from the beginning up to each partition's high watermark, on a group of its own.
  const highs = new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, Number(o.high)]));
  const reached = new Map<number, number>();
  const stored = new Map<number, number>();
  await consume(kafka.consumer(`${topic}-read-back`), topic, (partition, offset, id) => {
    reached.set(partition, Math.max(reached.get(partition) ?? 0, Number(offset) + 1));
    stored.set(id, (stored.get(id) ?? 0) + 1);
  });
  await waitFor('read-back to the high watermarks', () => [...highs].every(([p, high]) => (reached.get(p) ?? 0) >= high));
  const inTopic = [...highs.values()].reduce((a, b) => a + b, 0);
  const duplicates = [...stored.values()].reduce((sum, count) => sum + count - 1, 0);
  const ackedMissing = acked.filter((id) => !stored.has(id));
  const failedButStored = failed.filter(({ id }) => stored.has(id)).length;

  // The group keeps going: every acknowledged message reaches it (a deadline guard, not a timing assertion).
  const groupWait = performance.now();
  await waitFor('the group to consume every acknowledged message', () => acked.every((id) => groupIds.has(id)), 120_000).catch(() => undefined);
  const groupSkipped = acked.filter((id) => !groupIds.has(id));
  const deliveredTotal = [...deliveries.values()].reduce((a, b) => a + b, 0);
  const redeliveries = deliveredTotal - deliveries.size;

  const figures = {
    scenario: 'kafka-leader-failover', idempotent, sends: SENDS, inFlight: IN_FLIGHT,
    killedNode: leader, newLeaders: leadersAfter, groupCoordinatorOnKilledNode: coordinator === leader,
    acked: acked.length, failed: failed.length, ackedMissing: ackedMissing.length, failedButStored, inTopic, duplicates,
    stallMs: Math.round(firstAfter - lastBefore),
    killAtMs: Math.round(marks.killStart), restartAtMs: Math.round(marks.restartStart),
    electedAfterKillMs: Math.round(marks.elected - marks.killed), restartTookMs: Math.round(marks.restarted - marks.restartStart),
    sendMs: Math.round(sendMs), sendsPerSec: Math.round(SENDS / (sendMs / 1000)),
    groupSkipped: groupSkipped.length, groupDeliveries: deliveredTotal, groupRedeliveries: redeliveries,
    groupPerConsumer: perConsumer, groupCatchUpMs: Math.round(performance.now() - groupWait),
    loggedWarnings: warnings(),
    failedErrors: [...new Set(failed.map(({ error }) => String((error as Error).message).slice(0, 120)))].slice(0, 5),
  };
  console.log(`FIGURES ${JSON.stringify(figures)}`);
  return { figures, failed, ackedMissing, groupSkipped, leadersAfter, producer, topic };
}

describe(`Kafka leader failover: 3 KRaft nodes, RF 3, min.insync.replicas=2, ${SENDS} sends x 1 KiB, ${IN_FLIGHT} in flight`, () => {
  for (const [idempotent, leader] of [[false, 1], [true, 2]] as const) {
    it(`KAFKA_IDEMPOTENT=${idempotent}: acknowledged sends survive a SIGKILLed leader, failures are ProviderErrors, the group skips nothing`, async () => {
      const { figures, failed, ackedMissing, groupSkipped, leadersAfter, producer, topic } = await failoverRun(idempotent, leader);
      // The fault happened: leadership moved off the killed node, and the producer got through it.
      expect(leadersAfter.every((id) => id !== leader && id >= 1)).toBe(true);
      expect(figures.acked + figures.failed).toBe(SENDS);
      expect(figures.acked).toBeGreaterThan(SENDS / 2);
      expect(Number.isFinite(figures.stallMs)).toBe(true);
      expect(figures.stallMs).toBeGreaterThan(0);
      // Nothing acknowledged is lost; everything not acknowledged was told so, as a ProviderError naming Kafka.
      expect(ackedMissing).toEqual([]);
      for (const { error } of failed) {
        expect(error).toBeInstanceOf(ProviderError);
        expect((error as ProviderError).provider).toBe('kafka');
      }
      if (idempotent) {
        expect(figures.duplicates).toBe(0);
        // kafkajs refuses acks other than -1 on an idempotent producer: that refusal reaches the caller as a ProviderError too.
        const refused = await producer.send({ topic, acks: 1, messages: [{ value: payload(SENDS) }] }).catch((e: unknown) => e);
        expect(refused).toBeInstanceOf(ProviderError);
        expect((refused as Error).message).toMatch(/^\[kafka\] send failed: .*idempotent/);
        expect(((refused as Error).cause as Error).name).toBe('KafkaJSNonRetriableError');
      }
      // The consumer group (two members, one partition each) skipped no acknowledged message.
      expect(groupSkipped).toEqual([]);
      expect(figures.groupPerConsumer.every((count) => count > 0)).toBe(true);
    }, 150_000 + SENDS * 30);
  }
});
