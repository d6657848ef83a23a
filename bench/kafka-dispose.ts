// Disposal time of a container whose Kafka producer is connected and whose consumer has joined its group.
import 'reflect-metadata';
import { makeTestCertificates } from '../scripts/servers/certs.js';
import { startKafka } from '../scripts/servers/kafka.js';
import { makeTempDir, removeDir } from '../scripts/servers/process.js';
import { createDbContainer, disposeWithReport, KafkaProvider } from '../src/index.js';
import { createLogger } from '../src/providers/logger.js';
import { median, report, round } from './util.js';

const RUNS = 11;
const TOPIC = 'bench-dispose';

const certDir = makeTempDir('bench-certs');
const broker = await startKafka({ certs: makeTestCertificates(certDir), user: { name: 'bench', password: 'bench-pw' } });
try {
  const env = { KAFKA_SERVICE_URI: `127.0.0.1:${broker.ports.plaintext}` };
  const logger = createLogger({ level: 'silent' });
  const totals: number[] = [];
  const consumers: number[] = [];
  const producers: number[] = [];
  for (let i = 0; i < RUNS + 1; i++) {
    const container = createDbContainer({ env, logger });
    const kafka = container.resolve(KafkaProvider);
    if (i === 0) {
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic: TOPIC }], waitForLeaders: true });
      await admin.disconnect();
    }
    await kafka.producer().send({ topic: TOPIC, messages: [{ value: `run-${i}` }] });
    const consumer = kafka.consumer(`bench-dispose-${i}`);
    await consumer.connect();
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
    await new Promise<void>((joined) => {
      consumer.on(consumer.events.GROUP_JOIN, () => joined());
      void consumer.run({ eachMessage: async () => undefined });
    });
    const started = process.hrtime.bigint();
    const disposal = await disposeWithReport(container);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (!disposal.ok) throw new Error(`disposal not clean: ${JSON.stringify(disposal.providers)}`);
    // The first run warms the JIT and the broker's group coordinator.
    if (i === 0) continue;
    totals.push(ms);
    consumers.push(disposal.providers.find((row) => row.provider === 'kafka-consumers')!.ms);
    producers.push(disposal.providers.find((row) => row.provider === 'kafka')!.ms);
  }
  report('kafka:dispose-producer+consumer', {
    medianMs: round(median(totals), 1),
    consumersMedianMs: median(consumers),
    producerMedianMs: median(producers),
    maxMs: round(Math.max(...totals), 1),
    runs: totals.length,
  });
} finally {
  await broker.stop();
  removeDir(certDir);
}
