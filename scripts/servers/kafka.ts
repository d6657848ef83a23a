import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { TestCertificates } from './certs.js';
import { freePort, makeTempDir, removeDir, startProcess, startRestartable, type RestartableServer, type ServerProcess } from './process.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The broker version the tests run. 4.x brokers removed the old protocol versions kafkajs 2.2.4 speaks for some
 * APIs (KIP-896); docs/kafka.md records which versions were tried and why this one was kept.
 * `KAFKA_TEST_BROKER_VERSION` picks another one (it is fetched on first use).
 */
export const DEFAULT_KAFKA_VERSION = '4.4.0';

/** A SASL user created on the broker (SCRAM-SHA-256/512 credentials and a PLAIN entry). */
export interface KafkaUser {
  readonly name: string;
  readonly password: string;
}

/** Options of {@link startKafka}. */
export interface KafkaServerOptions {
  /** Certificates of the SSL, mutual-TLS and SASL_SSL listeners. */
  readonly certs: TestCertificates;
  /** The SASL user. */
  readonly user: KafkaUser;
  /** @default DEFAULT_KAFKA_VERSION, or KAFKA_TEST_BROKER_VERSION */
  readonly version?: string;
  /** @default '512m' */
  readonly heap?: string;
  /** Extra server.properties lines. */
  readonly extra?: readonly string[];
}

/** Loopback ports of the broker's listeners. */
export interface KafkaPorts {
  readonly plaintext: number;
  /** TLS, no client certificate. */
  readonly ssl: number;
  /** TLS that requires a client certificate signed by the test CA. */
  readonly mtls: number;
  /** SASL (SCRAM-SHA-256, SCRAM-SHA-512, PLAIN) over TLS, as managed Kafka services run it. */
  readonly saslSsl: number;
  readonly controller: number;
}

/** A single-node KRaft broker on loopback ports; `restart()` keeps its ports and data. */
export interface KafkaServer extends RestartableServer {
  readonly version: string;
  readonly ports: KafkaPorts;
}

/** Where the broker's jars for `version` live (git-ignored). */
export function kafkaCacheDir(version: string): string {
  return join(ROOT, '.cache', 'kafka', version);
}

/** Fetches `org.apache.kafka:kafka_2.13:<version>` and its runtime dependencies with Maven unless already cached. */
export async function ensureKafka(version: string): Promise<string> {
  const dir = kafkaCacheDir(version);
  if (existsSync(join(dir, `kafka_2.13-${version}.jar`))) return dir;
  await run(
    'mvn',
    ['-q', '-B', '-f', join(ROOT, 'scripts', 'kafka', 'pom.xml'), `-Dkafka.version=${version}`,
      'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${dir}`],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  if (!existsSync(join(dir, `kafka_2.13-${version}.jar`))) throw new Error(`Maven did not fetch kafka_2.13 ${version}`);
  return dir;
}

function properties(dir: string, ports: KafkaPorts, options: KafkaServerOptions): string[] {
  const { certs, user } = options;
  const jaas = (module: string, extra = '') => `org.apache.kafka.common.security.${module} required${extra};`;
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${ports.controller}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    `listeners=PLAINTEXT://127.0.0.1:${ports.plaintext},SSL://127.0.0.1:${ports.ssl},MTLS://127.0.0.1:${ports.mtls},` +
      `SASL_SSL://127.0.0.1:${ports.saslSsl},CONTROLLER://127.0.0.1:${ports.controller}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${ports.plaintext},SSL://127.0.0.1:${ports.ssl},` +
      `MTLS://127.0.0.1:${ports.mtls},SASL_SSL://127.0.0.1:${ports.saslSsl}`,
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SSL:SSL,MTLS:SSL,SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT',
    `log.dirs=${join(dir, 'data')}`,
    'num.partitions=1',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=4',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=true',
    // PEM keystores (KIP-651): the key and certificate generated at test time, no JKS conversion.
    'ssl.keystore.type=PEM',
    `ssl.keystore.location=${join(dir, 'broker-keystore.pem')}`,
    'ssl.truststore.type=PEM',
    `ssl.truststore.location=${certs.caFile}`,
    'listener.name.mtls.ssl.client.auth=required',
    'listener.name.sasl_ssl.sasl.enabled.mechanisms=SCRAM-SHA-256,SCRAM-SHA-512,PLAIN',
    `listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=${jaas('scram.ScramLoginModule')}`,
    `listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=${jaas('scram.ScramLoginModule')}`,
    `listener.name.sasl_ssl.plain.sasl.jaas.config=${jaas('plain.PlainLoginModule', ` user_${user.name}="${user.password}"`)}`,
    ...(options.extra ?? []),
  ];
}

/** Broker logging: warnings, plus the line that says the server started (shared with kafka-cluster.ts). */
export const LOG4J = [
  'status = warn',
  'appender.out.type = Console',
  'appender.out.name = out',
  'appender.out.layout.type = PatternLayout',
  'appender.out.layout.pattern = [%d] %p %m (%c)%n',
  'rootLogger.level = INFO',
  'rootLogger.appenderRef.out.ref = out',
  'logger.kafka.name = kafka',
  'logger.kafka.level = WARN',
  'logger.apache.name = org.apache.kafka',
  'logger.apache.level = WARN',
  'logger.started.name = kafka.server.KafkaRaftServer',
  'logger.started.level = INFO',
];

/**
 * Sends an ApiVersions v0 request and resolves when a Kafka response with the same correlation id comes back:
 * the broker is serving requests, not just listening.
 */
function apiVersionsAnswered(port: number): Promise<boolean> {
  const request = Buffer.from([0, 0, 0, 10, 0, 18, 0, 0, 0, 0, 0, 7, 0xff, 0xff]);
  return new Promise((resolve) => {
    const socket = netConnect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => socket.destroy(), 1000);
    let reply = Buffer.alloc(0);
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => socket.write(request));
    socket.on('data', (chunk) => {
      reply = Buffer.concat([reply, chunk]);
      if (reply.length >= 8) done(reply.readInt32BE(4) === 7);
    });
    socket.once('error', () => done(false));
    socket.once('close', () => done(false));
  });
}

/** Waits until the broker on `port` answers ApiVersions; throws with its log's tail when it exits or runs out of time. */
export async function waitForBroker(port: number, proc: ServerProcess, logFile: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void proc.exited.then(() => (exited = true));
  while (Date.now() < deadline && !exited) {
    if (await apiVersionsAnswered(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const tail = existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n') : '';
  throw new Error(`Kafka broker on port ${port} ${exited ? 'exited' : 'did not answer'}:\n${tail}`);
}

/**
 * Fetches the broker if needed, formats KRaft storage (with the SASL user's SCRAM credentials) and starts a
 * single-node broker + controller with a small heap on free loopback ports; resolves once it serves requests.
 */
export async function startKafka(options: KafkaServerOptions): Promise<KafkaServer> {
  const version = options.version ?? process.env.KAFKA_TEST_BROKER_VERSION ?? DEFAULT_KAFKA_VERSION;
  const jars = await ensureKafka(version);
  const [plaintext, ssl, mtls, saslSsl, controller] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
  const ports: KafkaPorts = { plaintext, ssl, mtls, saslSsl, controller };
  const dir = makeTempDir('kafka');
  const { certs, user } = options;
  writeFileSync(join(dir, 'broker-keystore.pem'), readFileSync(certs.keyFile, 'utf8') + readFileSync(certs.certFile, 'utf8'));
  writeFileSync(join(dir, 'server.properties'), properties(dir, ports, options).join('\n') + '\n');
  writeFileSync(join(dir, 'log4j2.properties'), LOG4J.join('\n') + '\n');
  const java = ['-cp', join(jars, '*'), `-Dlog4j2.configurationFile=${join(dir, 'log4j2.properties')}`, '-Djava.awt.headless=true'];
  const scram = ['SCRAM-SHA-256', 'SCRAM-SHA-512'].flatMap((m) => ['--add-scram', `${m}=[name=${user.name},password=${user.password}]`]);
  // A cluster id starting with '-' would be read by the storage tool as an option (1 in 64 random ids).
  let clusterId = randomBytes(16).toString('base64url');
  while (clusterId.startsWith('-')) clusterId = randomBytes(16).toString('base64url');
  try {
    await run('java', [...java, '-Xmx256m', 'kafka.tools.StorageTool', 'format', '-t', clusterId,
      '-c', join(dir, 'server.properties'), ...scram]);
  } catch (error) {
    removeDir(dir);
    // execFile's error carries the command line, SCRAM password included: keep only what the tool printed.
    const { stderr, code, path } = error as { stderr?: unknown; code?: unknown; path?: unknown };
    const reason = code === 'ENOENT' ? `${String(path)} was not found on PATH` : String(stderr ?? '').trim() || 'no output';
    // code and path stay, so callers can tell a missing tool from a failed run.
    throw Object.assign(new Error(`formatting the Kafka storage failed: ${reason}`), { code, path });
  }

  const logFile = join(dir, 'broker.log');
  const heap = options.heap ?? '512m';
  const launch = () =>
    startProcess('java', [`-Xmx${heap}`, '-Xms128m', '-XX:+UseSerialGC', ...java, 'kafka.Kafka',
      join(dir, 'server.properties')], logFile);
  const server = await startRestartable(dir, launch, (proc) => waitForBroker(ports.plaintext, proc, logFile), 10_000);
  return Object.assign(server, { version, ports });
}

// `npx tsx scripts/servers/kafka.ts fetch` fills the cache (a CI step before the tests).
if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === 'fetch') {
  const version = process.env.KAFKA_TEST_BROKER_VERSION ?? DEFAULT_KAFKA_VERSION;
  ensureKafka(version).then(
    (dir) => console.log(`Kafka ${version}: ${dir}`),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
