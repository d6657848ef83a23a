// Kafka produce throughput (1 KiB messages, batches of 100) through provider.producer() against a raw kafkajs
// producer with the same settings, same broker, same run; rounds alternate so drift hits both sides alike.
import 'reflect-metadata';
import { Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import { makeTestCertificates } from '../scripts/servers/certs.js';
import { startKafka } from '../scripts/servers/kafka.js';
import { makeTempDir, removeDir } from '../scripts/servers/process.js';
import { createDbContainer, KafkaProvider } from '../src/index.js';
import { createLogger } from '../src/providers/logger.js';
import { alternatingRounds, median, report, round } from './util.js';

const BATCH = 100;
const BATCHES_PER_ROUND = 300;
const IN_FLIGHT = 4;
const ROUNDS = 15;
const TOPIC = 'bench-produce';
const value = Buffer.alloc(1024, 'x');
const messages = Array.from({ length: BATCH }, (_, i) => ({ key: String(i), value }));

async function throughput(producer: Producer): Promise<number> {
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next++ < BATCHES_PER_ROUND) await producer.send({ topic: TOPIC, messages });
    }),
  );
  return (BATCH * BATCHES_PER_ROUND) / (Number(process.hrtime.bigint() - started) / 1e9);
}

const certDir = makeTempDir('bench-certs');
const broker = await startKafka({ certs: makeTestCertificates(certDir), user: { name: 'bench', password: 'bench-pw' } });
try {
  const brokers = [`127.0.0.1:${broker.ports.plaintext}`];
  const container = createDbContainer({ env: { KAFKA_SERVICE_URI: brokers[0]! }, logger: createLogger({ level: 'silent' }) });
  const kafka = container.resolve(KafkaProvider);
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 3 }], waitForLeaders: true });
  await admin.disconnect();

  const provider = kafka.producer();
  await provider.connect();
  // The provider's defaults: legacy partitioner, no auto topic creation, same retry policy, no logging.
  const raw = new Kafka({
    brokers,
    clientId: 'ratecreator-app',
    connectionTimeout: 10_000,
    logLevel: logLevel.NOTHING,
    retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 5000, multiplier: 2, factor: 0.2 },
  }).producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.LegacyPartitioner });
  await raw.connect();

  await throughput(raw);
  await throughput(provider);
  const samples = await alternatingRounds(ROUNDS, ['raw', 'provider'], (side) => throughput(side === 'raw' ? raw : provider));
  // The ratio is the median of the per-round ratios: each pair ran back to back, so load from other processes on
  // the machine mostly cancels out.
  const ratios = samples.provider.map((p, i) => p / samples.raw[i]!);
  report('kafka:produce-1KiB-batch100', {
    brokerVersion: broker.version,
    providerMsgPerSec: Math.round(median(samples.provider)),
    rawMsgPerSec: Math.round(median(samples.raw)),
    ratio: round(median(ratios), 3),
    ratioMin: round(Math.min(...ratios), 3),
    ratioMax: round(Math.max(...ratios), 3),
    rounds: ROUNDS,
  });
  await raw.disconnect();
  await container.dispose();
} finally {
  await broker.stop();
  removeDir(certDir);
}
