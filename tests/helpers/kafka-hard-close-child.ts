// Run by tests/integration/kafka-shutdown.int.test.ts in a child process: 5,000 sends in flight, disposal with a
// deadline too short for them, then nothing more. The process must exit by itself (no handle left behind).
import 'reflect-metadata';
import { createDbContainer, disposeWithReport } from '../../src/container.js';
import { KafkaProvider } from '../../src/providers/kafka.js';
import { createLogger } from '../../src/providers/logger.js';

const [uri, topic] = process.argv.slice(2) as [string, string];
const env = { KAFKA_SERVICE_URI: uri, DB_SHUTDOWN_TIMEOUT_MS: '30', KAFKA_RETRY_RETRIES: '2', KAFKA_RETRY_MAX_DELAY_MS: '500' };
const container = createDbContainer({ env, logger: createLogger({ level: 'silent' }) });
const producer = container.resolve(KafkaProvider).producer();
await producer.connect();
const sends = Array.from({ length: 5000 }, (_, i) =>
  producer.send({ topic, messages: [{ value: String(i) }] }).then(() => 'resolved', () => 'rejected'),
);
const report = await disposeWithReport(container);
const outcomes = await Promise.all(sends);
const row = report.providers.find((r) => r.provider === 'kafka');
console.log(JSON.stringify({ status: row?.status, resolved: outcomes.filter((o) => o === 'resolved').length }));
