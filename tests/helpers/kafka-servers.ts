import 'reflect-metadata';
import type { Consumer, KafkaMessage } from 'kafkajs';
import type {} from 'vitest';
import type { TestCertificates } from '../../scripts/servers/certs.js';
import type { KafkaPorts, KafkaUser } from '../../scripts/servers/kafka.js';
import { createDbContainer } from '../../src/container.js';
import { KafkaProvider as KafkaProviderClass, type KafkaProvider } from '../../src/providers/kafka.js';
import { captureLogs } from './logs.js';

/** The broker the Kafka global setup started, as the tests see it. */
export interface KafkaTestServers {
  readonly version: string;
  readonly ports: KafkaPorts;
  /** CA, broker certificate (also valid as a client certificate) and an unrelated CA. */
  readonly certs: TestCertificates;
  /** SASL user (SCRAM-SHA-256, SCRAM-SHA-512 and PLAIN) on the SASL_SSL listener. */
  readonly user: KafkaUser;
}

declare module 'vitest' {
  export interface ProvidedContext {
    kafka: KafkaTestServers;
  }
}

/** Environment for one of the broker's listeners, with quiet logs and a short retry policy unless overridden. */
export function kafkaEnv(
  servers: KafkaTestServers,
  listener: 'plaintext' | 'ssl' | 'mtls' | 'saslSsl',
  extra: Record<string, string> = {},
): Record<string, string> {
  const base: Record<string, string> = {
    LOG_LEVEL: 'silent',
    KAFKA_SERVICE_URI: `127.0.0.1:${servers.ports[listener]}`,
    KAFKA_CLIENT_ID: 'ratecreator-db-tests',
    KAFKA_RETRY_RETRIES: '2',
    KAFKA_RETRY_INITIAL_DELAY_MS: '100',
    KAFKA_RETRY_MAX_DELAY_MS: '500',
  };
  if (listener !== 'plaintext') Object.assign(base, { KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: servers.certs.caFile });
  if (listener === 'mtls') Object.assign(base, { KAFKA_SSL_CERT_FILE: servers.certs.certFile, KAFKA_SSL_KEY_FILE: servers.certs.keyFile });
  if (listener === 'saslSsl') {
    Object.assign(base, {
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: servers.user.name,
      KAFKA_SASL_PASSWORD: servers.user.password,
    });
  }
  return { ...base, ...extra };
}

/** A topic name no other test uses. */
export function uniqueTopic(label: string): string {
  return `${label}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Creates `topic` through a short-lived admin of `kafka`. */
export async function createTopic(kafka: KafkaProvider, topic: string, numPartitions = 1): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

/** Runs `consumer` from the beginning of `topic` until `count` messages arrived (or `timeoutMs` passed). */
export async function collect(consumer: Consumer, topic: string, count: number, timeoutMs = 20_000): Promise<KafkaMessage[]> {
  const messages: KafkaMessage[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`got ${messages.length} of ${count} messages`)), timeoutMs);
    void consumer.run({
      eachMessage: async ({ message }) => {
        messages.push(message);
        if (messages.length >= count) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  return messages;
}

/** Containers made by one test file, disposed together after each test. */
export function kafkaHarness() {
  const disposers: Array<() => unknown> = [];
  return {
    /** A container from `env` whose logs are captured at trace level; disposed by {@link disposeAll}. */
    setup(env: Record<string, string>) {
      const logs = captureLogs();
      const container = createDbContainer({ env, logger: logs.logger });
      disposers.push(() => container.dispose());
      return { container, kafka: container.resolve(KafkaProviderClass), logs };
    },
    async disposeAll(): Promise<void> {
      await Promise.all(disposers.splice(0).map(async (dispose) => dispose()));
    },
  };
}
