import type { TestProject } from 'vitest/node';
import { makeTestCertificates } from '../../scripts/servers/certs.js';
import { startKafka } from '../../scripts/servers/kafka.js';
import { makeTempDir, removeDir } from '../../scripts/servers/process.js';
import type { KafkaTestServers } from './kafka-servers.js';

/**
 * Starts one single-node Kafka broker (PLAINTEXT, SSL, mutual TLS and SASL_SSL listeners on free loopback ports)
 * for the whole run and stops it afterwards. The broker's jars come from the Maven cache (fetched on first use).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const certDir = makeTempDir('kafka-certs');
  const certs = makeTestCertificates(certDir);
  const user = { name: 'ratecreator', password: `kafka-pw-${Math.random().toString(36).slice(2)}-secret` };
  let broker;
  try {
    broker = await startKafka({ certs, user });
  } catch (error) {
    removeDir(certDir);
    throw error;
  }
  const servers: KafkaTestServers = { version: broker.version, ports: broker.ports, certs, user };
  project.provide('kafka', servers);
  return async () => {
    await broker.stop();
    removeDir(certDir);
  };
}
