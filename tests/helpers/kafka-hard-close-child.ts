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
// One acknowledged send first, so the topic's metadata is loaded before the flood (see docs/kafka.md, known limits).
await producer.send({ topic, messages: [{ value: 'warm-up' }] });
const sends = Array.from({ length: 5000 }, (_, i) =>
  producer.send({ topic, messages: [{ value: String(i) }] }).then(() => 'resolved', () => 'rejected'),
);
const report = await disposeWithReport(container);
const outcomes = await Promise.all(sends);
const row = report.providers.find((r) => r.provider === 'kafka');
console.log(JSON.stringify({ status: row?.status, resolved: outcomes.filter((o) => o === 'resolved').length }));
// Diagnostics for the test's failure message, should the process not exit.
setTimeout(() => {
  const counts: Record<string, number> = {};
  for (const resource of process.getActiveResourcesInfo()) counts[resource] = (counts[resource] ?? 0) + 1;
  console.error(`still alive 10 s after disposal: ${JSON.stringify(counts)}`);
}, 10_000).unref();
