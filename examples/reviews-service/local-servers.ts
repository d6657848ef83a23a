import { randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { makeTestCertificates } from '../../scripts/servers/certs.js';
import { DEFAULT_ELASTICSEARCH_VERSION, elasticsearchHome, startElasticsearch } from '../../scripts/servers/elasticsearch.js';
import { FERRETDB_VERSION, startFerretDb } from '../../scripts/servers/ferretdb.js';
import { startKafka } from '../../scripts/servers/kafka.js';
import { makeTempDir, removeDir } from '../../scripts/servers/process.js';
import { startRedis } from '../../scripts/servers/redis.js';
import { startAlgoliaServer } from '../../src/testing/index.js';
import { REVIEW_CREATED_GROUP } from './review-created-consumer.js';

/** The servers the demo runs, in the order it prints them. */
export const DEMO_SERVERS = ['redis', 'kafka', 'mongodb', 'algolia', 'elasticsearch'] as const;
/** One of {@link DEMO_SERVERS}. */
export type DemoServer = (typeof DEMO_SERVERS)[number];

/**
 * Every secret the demo generates starts with this, so a test can check that none is ever printed. The servers
 * listen on loopback only and live as long as the demo.
 */
export const DEMO_SECRET_PREFIX = 'demo-secret-';

/** How starting one server went. */
export type StartOutcome =
  | { readonly server: DemoServer; readonly started: true; readonly description: string }
  | { readonly server: DemoServer; readonly started: false; readonly reason: string };

/** How stopping one server went. */
export interface StopOutcome {
  readonly server: DemoServer;
  /** The process stopped, or undefined for the in-process Algolia server. */
  readonly pid?: number;
  readonly error?: string;
}

interface Running {
  readonly description: string;
  readonly pid?: number;
  /** The variables that point the package at this server. */
  readonly env: Readonly<Record<string, string>>;
  stop(): Promise<void>;
  /** SIGKILL and remove its files, synchronously. */
  kill(): void;
}

/** SIGKILLs `pid` (if it is still there) and removes `dirs`. */
function killAndRemove(pid: number, ...dirs: string[]): void {
  killPids([pid]);
  dirs.forEach(removeDir);
}

/** SIGKILLs each of `pids` that is still there. */
function killPids(pids: ReadonlyArray<number | undefined>): void {
  for (const pid of pids) {
    if (pid === undefined) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** The parent of `pid` from /proc (Linux), or undefined. */
function parentPid(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces; the state and the parent's pid follow it.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return Number.isInteger(ppid) && ppid > 1 ? ppid : undefined;
  } catch {
    return undefined;
  }
}

/** Whether `file` exists and may be executed. */
function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Checks, before anything is started, what the Elasticsearch node needs: a JDK (ES_JAVA_HOME, else `java` on PATH)
 * and the distribution `npm run setup` fetches. The demo does not fetch it itself (a large download): without it
 * the Elasticsearch part runs on the in-memory fake.
 * @throws an ENOENT error naming `java` when there is no Java, an Error when the distribution is missing.
 */
function checkElasticsearchPrerequisites(version: string): void {
  const esJavaHome = process.env.ES_JAVA_HOME;
  if (esJavaHome) {
    if (!executable(join(esJavaHome, 'bin', 'java'))) throw new Error(`ES_JAVA_HOME (${esJavaHome}) has no bin/java`);
  } else if (!(process.env.PATH ?? '').split(delimiter).some((dir) => dir !== '' && executable(join(dir, 'java')))) {
    throw Object.assign(new Error('java: not found'), { code: 'ENOENT', path: 'java' });
  }
  if (!existsSync(join(elasticsearchHome(version), 'bin', 'elasticsearch'))) {
    throw new Error(`the Elasticsearch ${version} distribution is not in .cache/elasticsearch/ (npx tsx scripts/servers/elasticsearch.ts fetch)`);
  }
}

/**
 * Waits until a fresh broker's group coordinator has loaded the demo group's offsets partition. Until then a
 * consumer's join fails with "the coordinator is loading" and kafkajs restarts it, logging a crash: harmless,
 * but not what a demo should open with. This client is the server script's, so it logs nothing.
 */
async function groupCoordinatorReady(port: number): Promise<void> {
  const { Kafka, logLevel } = await import('kafkajs');
  const kafka = new Kafka({ brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING, retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 500 } });
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.describeGroups([REVIEW_CREATED_GROUP]);
  } finally {
    await admin.disconnect();
  }
}

/** What a missing tool means for each server, said when it could not start. */
const NEEDS: Record<DemoServer, string> = {
  redis: 'the redis-server package',
  kafka: 'Java 17, openssl, and Maven to fetch the broker once',
  mongodb: 'Go, to build FerretDB once',
  algolia: 'nothing beyond Node.js',
  elasticsearch: 'Java 17 and its distribution, which npm run setup fetches once',
};

/**
 * The demo's local servers, started with the project's own scripts (the ones the tests use) on free loopback
 * ports. A server that cannot start is reported, not thrown, so the demo can run that part in memory.
 * `stop()` waits for starts still in progress and stops everything that started (processes by PID).
 */
export class LocalServers {
  readonly #running = new Map<DemoServer, Running>();
  readonly #pending = new Set<Promise<unknown>>();
  readonly #secrets: string[] = [];

  /** Starts `servers` in parallel and says how each went. */
  async start(servers: readonly DemoServer[] = DEMO_SERVERS): Promise<StartOutcome[]> {
    return Promise.all(servers.map((server) => this.#startOne(server)));
  }

  async #startOne(server: DemoServer): Promise<StartOutcome> {
    const starting = this.#launch(server);
    this.#pending.add(starting);
    try {
      const running = await starting;
      let stopping: Promise<void> | undefined;
      this.#running.set(server, { ...running, stop: () => (stopping ??= running.stop()) });
      return { server, started: true, description: running.description };
    } catch (error) {
      return { server, started: false, reason: this.#reason(server, error) };
    } finally {
      this.#pending.delete(starting);
    }
  }

  /** Variables pointing the package at every server that started. */
  get env(): Record<string, string> {
    return Object.assign({}, ...[...this.#running.values()].map((running) => running.env)) as Record<string, string>;
  }

  /** Replaces every secret this instance generated in `text` with `***`. */
  redact(text: string): string {
    return this.#secrets.reduce((out, secret) => out.split(secret).join('***'), text);
  }

  /** Stops every server that started (also those whose start finishes while this waits). Never rejects. */
  async stop(): Promise<StopOutcome[]> {
    await Promise.allSettled([...this.#pending]);
    // A server leaves the map once it has stopped, so killNow() still reaches one that is being stopped.
    return Promise.all(
      [...this.#running].map(async ([server, { pid, stop }]) => {
        try {
          await stop();
          return { server, ...(pid !== undefined ? { pid } : {}) };
        } catch (error) {
          return { server, ...(pid !== undefined ? { pid } : {}), error: this.redact(String(error)) };
        } finally {
          this.#running.delete(server);
        }
      }),
    );
  }

  /** SIGKILLs every server process that is up or stopping and removes its files, at once (for a second Ctrl-C). */
  killNow(): void {
    for (const running of this.#running.values()) running.kill();
  }

  #secret(label: string): string {
    const secret = `${DEMO_SECRET_PREFIX}${label}-${randomBytes(12).toString('hex')}`;
    this.#secrets.push(secret);
    return secret;
  }

  /** One short line, without secrets: a missing tool is named, other failures keep their first line. */
  #reason(server: DemoServer, error: unknown): string {
    const { code, path } = (error ?? {}) as { code?: unknown; path?: unknown };
    const needs = `the ${server} server needs ${NEEDS[server]}`;
    if (code === 'ENOENT' && typeof path === 'string') return `${path} was not found on PATH (${needs})`;
    const firstLine = this.redact(error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
    return `${firstLine.length > 200 ? `${firstLine.slice(0, 200)}...` : firstLine} (${needs})`;
  }

  async #launch(server: DemoServer): Promise<Running> {
    switch (server) {
      case 'redis': {
        const redis = await startRedis();
        return {
          description: `redis-server on 127.0.0.1:${redis.port}, pid ${redis.pid}`,
          pid: redis.pid,
          env: { REDIS_HOST: '127.0.0.1', REDIS_PORT: String(redis.port) },
          stop: () => redis.stop(),
          kill: () => killAndRemove(redis.pid, redis.dir),
        };
      }
      case 'kafka': {
        // The broker's script also opens TLS and SASL listeners; the demo uses the plaintext one.
        const certDir = makeTempDir('demo-kafka-certs');
        try {
          const broker = await startKafka({ certs: makeTestCertificates(certDir), user: { name: 'demo', password: this.#secret('kafka') }, heap: '256m' });
          try {
            await groupCoordinatorReady(broker.ports.plaintext);
          } catch (error) {
            await broker.stop();
            throw error;
          }
          return {
            description: `Kafka ${broker.version} broker (KRaft) on 127.0.0.1:${broker.ports.plaintext}, pid ${broker.pid}`,
            pid: broker.pid,
            env: { KAFKA_SERVICE_URI: `127.0.0.1:${broker.ports.plaintext}`, KAFKA_CLIENT_ID: 'reviews-demo' },
            stop: async () => {
              await broker.stop();
              removeDir(certDir);
            },
            kill: () => killAndRemove(broker.pid, broker.dir, certDir),
          };
        } catch (error) {
          removeDir(certDir);
          throw error;
        }
      }
      case 'mongodb': {
        const ferret = await startFerretDb();
        return {
          description: `FerretDB ${FERRETDB_VERSION} (MongoDB wire protocol, SQLite) on 127.0.0.1:${ferret.port}, pid ${ferret.pid}`,
          pid: ferret.pid,
          env: { MONGODB_URL: `${ferret.url}ratecreator_demo` },
          stop: () => ferret.stop(),
          kill: () => killAndRemove(ferret.pid, ferret.dir),
        };
      }
      case 'algolia': {
        const algolia = await startAlgoliaServer({ writeApiKey: this.#secret('algolia-write'), searchApiKey: this.#secret('algolia-search') });
        return {
          description: `local Algolia server on ${algolia.url}, in this process`,
          env: {
            ALGOLIA_APP_ID: algolia.appId,
            ALGOLIA_WRITE_API_KEY: algolia.writeApiKey,
            ALGOLIA_SEARCH_API_KEY: algolia.searchApiKey,
            ALGOLIA_HOSTS: algolia.url,
          },
          stop: () => algolia.close(),
          kill: () => undefined, // in this process: it ends with it
        };
      }
      case 'elasticsearch': {
        const version = process.env.ELASTICSEARCH_TEST_VERSION ?? DEFAULT_ELASTICSEARCH_VERSION;
        checkElasticsearchPrerequisites(version);
        // Two JVMs: the launcher (bin/elasticsearch) and the node it starts, whose pid is `node.pid`. stop() asks the
        // launcher to shut the node down; kill() signals both.
        const node = await startElasticsearch({ version });
        const launcherPid = parentPid(node.pid);
        return {
          description: `Elasticsearch ${node.version} node on 127.0.0.1:${node.port}` +
            `${launcherPid !== undefined ? ` (launcher pid ${launcherPid})` : ''}, pid ${node.pid}`,
          pid: node.pid,
          env: { ELASTIC_NODE: node.url },
          stop: () => node.stop(),
          kill: () => {
            killPids([node.pid, launcherPid]);
            removeDir(node.dir);
          },
        };
      }
    }
  }
}
