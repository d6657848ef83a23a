import type { Consumer, Kafka, Producer } from 'kafkajs';
import { DisposedError, getDefaultContainer, KafkaProvider } from '../index.js';
import { lazyClient } from './lazy-client.js';

function provider(): KafkaProvider {
  return getDefaultContainer().resolve(KafkaProvider);
}

/**
 * The kafkajs client of the default container, built from `KAFKA_SERVICE_URI` and the other `KAFKA_*` variables
 * (the original names `KAFKA_USERNAME`, `KAFKA_PASSWORD` and `KAFKA_CA_CERT` still work). Opens nothing.
 * @throws {ConfigError} when `KAFKA_SERVICE_URI` is not set.
 */
export function getKafkaClient(): Kafka {
  return provider().client;
}

/**
 * The shared producer, connected. Concurrent callers share one connection attempt; a producer disconnected with
 * {@link disconnectProducer} is connected again here (and only here: nothing reconnects it by itself).
 * @throws {ProviderError} when the broker cannot be reached within the retry policy.
 */
export async function getKafkaProducer(): Promise<Producer> {
  const producer = provider().producer();
  await producer.connect();
  return producer;
}

/**
 * Disconnects the shared producer after the sends already issued have settled; later sends are refused until
 * {@link getKafkaProducer}. A no-op when Kafka was never used or the default container is already disposed.
 */
export async function disconnectProducer(): Promise<void> {
  let producer: Producer;
  try {
    const kafka = provider();
    if (!kafka.isBuilt) return;
    producer = kafka.producer();
  } catch (error) {
    // Disposal already closed (or is closing) the producer.
    if (error instanceof DisposedError || /disposed/i.test((error as Error).message)) return;
    throw error;
  }
  await producer.disconnect();
}

/** A new consumer of `groupId`; disposing the default container stops it before the producer closes. */
export function getKafkaConsumer(groupId: string): Consumer {
  return provider().consumer(groupId);
}

/** Creates `topic` (broker defaults for partitions and replication) unless it exists. */
export async function createTopicIfNotExists(topic: string): Promise<void> {
  const admin = provider().admin();
  await admin.connect();
  try {
    const topics = await admin.listTopics();
    if (!topics.includes(topic)) await admin.createTopics({ topics: [{ topic }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

/** The shared client as a value; it resolves the default container on first property access, so importing connects nothing. */
export const kafka: Kafka = lazyClient(getKafkaClient);
