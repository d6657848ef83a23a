// Run by tests/integration/kafka-compat.int.test.ts in a child process: uses the original import path the way an
// app does, with the environment the test gives, then disposes and must exit by itself.
import { getDefaultContainer } from '../../src/compat/default-container.js';
import { createTopicIfNotExists, disconnectProducer, getKafkaProducer } from '../../src/compat/kafka-client.js';

const topic = process.argv[2] ?? 'compat-child';
await createTopicIfNotExists(topic);
const producer = await getKafkaProducer();
await producer.send({ topic, messages: [{ value: 'from-child' }] });
await disconnectProducer();
await getDefaultContainer().dispose();
console.log('CHILD-DONE');
