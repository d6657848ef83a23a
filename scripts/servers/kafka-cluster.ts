import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DEFAULT_KAFKA_VERSION, ensureKafka, LOG4J, waitForBroker } from './kafka.js';
import { freePort, makeTempDir, removeDir, startProcess, startRestartable, type RestartableServer } from './process.js';

const run = promisify(execFile);

/** Options of {@link startKafkaCluster}. */
export interface KafkaClusterOptions {
  /** Nodes, each a combined KRaft broker + controller. @default 3 */
  readonly size?: number;
  /** @default DEFAULT_KAFKA_VERSION, or KAFKA_TEST_BROKER_VERSION */
  readonly version?: string;
  /** Maximum heap of each node. @default '384m' */
  readonly heap?: string;
  /** Extra server.properties lines, for every node. */
  readonly extra?: readonly string[];
  /** How long each node may take to serve requests, per (re)start. @default 120000 */
  readonly readyTimeoutMs?: number;
}

/** One node of the cluster: broker and controller in one JVM, killable and restartable on the same ports and data. */
export interface KafkaClusterNode {
  /** `node.id`, 1-based: the id Kafka's metadata reports as a partition's leader. */
  readonly id: number;
  /** PLAINTEXT listener on loopback. */
  readonly port: number;
  readonly controllerPort: number;
  /** PID of the node's current JVM. */
  readonly pid: number;
  /** False between `kill()` and the end of `restart()`. */
  readonly running: boolean;
  /** SIGKILL by PID, a crash: the data directory stays for `restart()`. */
  kill(): Promise<void>;
  /** Launches the node again on the same ports with the same data, and waits until it serves requests. */
  restart(): Promise<void>;
}

/** A loopback KRaft cluster started by {@link startKafkaCluster}. */
export interface KafkaCluster {
  readonly version: string;
  readonly nodes: readonly KafkaClusterNode[];
  /** `127.0.0.1:<port>` of every node, for `KAFKA_SERVICE_URI`. */
  readonly brokers: readonly string[];
  /** The node with `node.id` `id`. */
  node(id: number): KafkaClusterNode;
  /** Stops every node (SIGTERM, then SIGKILL) and removes all files. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Replication settings of a production-shaped cluster: internal topics replicated to every node and writable with one
 * node down, so a consumer group and an idempotent producer survive the loss of any one node.
 */
function properties(dir: string, id: number, port: number, controllerPort: number, voters: string, size: number): string[] {
  const isr = Math.min(2, size);
  return [
    'process.roles=broker,controller',
    `node.id=${id}`,
    `controller.quorum.voters=${voters}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    `log.dirs=${join(dir, 'data')}`,
    'num.partitions=1',
    `default.replication.factor=${size}`,
    `offsets.topic.replication.factor=${size}`,
    'offsets.topic.num.partitions=4',
    `transaction.state.log.replication.factor=${size}`,
    `transaction.state.log.min.isr=${isr}`,
    `share.coordinator.state.topic.replication.factor=${size}`,
    `share.coordinator.state.topic.min.isr=${isr}`,
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=false',
    // Small JVMs on a shared machine: fewer threads than the defaults.
    'num.network.threads=2',
    'num.io.threads=2',
    'num.replica.fetchers=1',
    'background.threads=2',
  ];
}

/**
 * Starts `size` combined broker + controller nodes (KRaft, static quorum) on free loopback ports, from the jars the
 * single-node helper fetches; resolves once every node serves requests. Nodes may still be registering with the
 * controller then: callers wait for the broker count they need (describeCluster).
 */
export async function startKafkaCluster(options: KafkaClusterOptions = {}): Promise<KafkaCluster> {
  const size = options.size ?? 3;
  const version = options.version ?? process.env.KAFKA_TEST_BROKER_VERSION ?? DEFAULT_KAFKA_VERSION;
  const heap = options.heap ?? '384m';
  const readyTimeoutMs = options.readyTimeoutMs ?? 120_000;
  const jars = await ensureKafka(version);
  const ports = await Promise.all(Array.from({ length: size * 2 }, () => freePort()));
  const ids = Array.from({ length: size }, (_, i) => i + 1);
  const voters = ids.map((id) => `${id}@127.0.0.1:${ports[size + id - 1]}`).join(',');
  const root = makeTempDir('kafka-cluster');
  // A cluster id starting with '-' would be read by the storage tool as an option.
  let clusterId = randomBytes(16).toString('base64url');
  while (clusterId.startsWith('-')) clusterId = randomBytes(16).toString('base64url');

  const prepared = ids.map((id) => {
    const dir = join(root, `node-${id}`);
    const port = ports[id - 1]!;
    const controllerPort = ports[size + id - 1]!;
    mkdirSync(dir);
    const lines = [...properties(dir, id, port, controllerPort, voters, size), ...(options.extra ?? [])];
    writeFileSync(join(dir, 'server.properties'), lines.join('\n') + '\n');
    writeFileSync(join(dir, 'log4j2.properties'), LOG4J.join('\n') + '\n');
    const java = ['-cp', join(jars, '*'), `-Dlog4j2.configurationFile=${join(dir, 'log4j2.properties')}`, '-Djava.awt.headless=true'];
    return { id, dir, java, port, controllerPort, logFile: join(dir, 'node.log') };
  });
  try {
    for (const node of prepared) {
      await run('java', [...node.java, '-Xmx256m', '-XX:+UseSerialGC', 'kafka.tools.StorageTool', 'format', '-t', clusterId,
        '-c', join(node.dir, 'server.properties')]);
    }
  } catch (error) {
    removeDir(root);
    const { stderr } = error as { stderr?: unknown };
    throw new Error(`formatting the Kafka cluster storage failed: ${String(stderr ?? (error as Error).message).trim()}`);
  }

  // Started together: each node's broker waits for the controller quorum, which needs a majority of the nodes.
  const started = await Promise.allSettled(
    prepared.map((node) =>
      startRestartable(
        node.dir,
        () => startProcess('java', [`-Xmx${heap}`, '-Xms64m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', ...node.java,
          'kafka.Kafka', join(node.dir, 'server.properties')], node.logFile),
        (proc) => waitForBroker(node.port, proc, node.logFile, readyTimeoutMs),
        5000,
      ),
    ),
  );
  const servers = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const failed = started.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) {
    await Promise.all(servers.map((server) => server.stop()));
    removeDir(root);
    throw failed.reason;
  }

  const nodes = prepared.map((node, i) => clusterNode(node.id, node.port, node.controllerPort, servers[i]!));
  let stopping: Promise<void> | undefined;
  return {
    version,
    nodes,
    brokers: nodes.map((node) => `127.0.0.1:${node.port}`),
    node(id: number) {
      const found = nodes.find((node) => node.id === id);
      if (!found) throw new Error(`no Kafka node ${id} (nodes: ${ids.join(', ')})`);
      return found;
    },
    stop() {
      stopping ??= (async () => {
        await Promise.all(servers.map((server) => server.stop()));
        removeDir(root);
      })();
      return stopping;
    },
  };
}

function clusterNode(id: number, port: number, controllerPort: number, server: RestartableServer): KafkaClusterNode {
  let running = true;
  return {
    id,
    port,
    controllerPort,
    get pid() {
      return server.pid;
    },
    get running() {
      return running;
    },
    async kill() {
      running = false;
      await server.kill();
    },
    async restart() {
      await server.restart();
      running = true;
    },
  };
}
