import { spawn } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startFerretDb, type FerretDbServer } from '../../scripts/servers/ferretdb.js';
import { startKafka, type KafkaServer } from '../../scripts/servers/kafka.js';
import { freePort } from '../../scripts/servers/process.js';
import { startRedis, type RedisServer } from '../../scripts/servers/redis.js';
import '../helpers/kafka-servers.js';

// Disposal while a server is broken (killed, frozen, or never listening), during use, during connect() retries and
// during health probes: for each provider, in a child process that must exit by itself within a second of disposal.

const fixture = fileURLToPath(new URL('../fixtures/outage-dispose.ts', import.meta.url));
const DEADLINE_MS = 3000;
/** Disposal with no connection to flush must finish far below the deadline. */
const AT_ONCE_MS = 1500;
/** Time a process may live after disposal returned (flushing stdout, closing stdin). */
const EXIT_AFTER_DISPOSAL_MS = 1000;

type Fault = 'killed' | 'frozen' | 'closed';
type Phase = 'use' | 'connect' | 'health';
interface Row {
  provider: string;
  status: string;
  ms: number;
  detail?: string;
  error?: string;
}
interface Outcome {
  what: string;
  ok: boolean;
  value?: string;
  name?: string;
  message?: string;
}
interface Run {
  disposed: { ms: number; providers: Row[] };
  result?: { settledAfterMs: number; outcomes: Array<Outcome | 'unsettled'> };
  livedAfterDisposalMs: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** A server the test can break in the three ways, and repair. */
interface Target {
  env(): Record<string, string>;
  break(fault: Fault): Promise<void>;
  repair(fault: Fault): Promise<void>;
}

function processTarget(server: () => { pid: number; kill(): Promise<void>; restart(): Promise<void> }, env: () => Record<string, string>): Target {
  return {
    env,
    async break(fault) {
      if (fault === 'killed') await server().kill();
      if (fault === 'frozen') process.kill(server().pid, 'SIGSTOP');
    },
    async repair(fault) {
      if (fault === 'killed') await server().restart();
      if (fault === 'frozen') process.kill(server().pid, 'SIGCONT');
    },
  };
}

async function runChild(provider: string, phase: Phase, fault: Fault, target: Target, connectFirst: boolean): Promise<Run> {
  const closedPort = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'silent', DB_SHUTDOWN_TIMEOUT_MS: String(DEADLINE_MS), ...target.env() };
  if (fault === 'closed') {
    for (const [key, value] of Object.entries(env)) {
      if (typeof value === 'string' && /127\.0\.0\.1:\d+/.test(value)) env[key] = value.replace(/127\.0\.0\.1:\d+/g, `127.0.0.1:${closedPort}`);
    }
    if (env.REDIS_PORT) env.REDIS_PORT = String(closedPort);
  }
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, provider, phase, connectFirst ? 'yes' : 'no'], {
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let disposedAt = 0;
  let broken = false;
  const guard = setTimeout(() => child.kill('SIGKILL'), 40_000);
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (!disposedAt && stdout.includes('DISPOSED ')) disposedAt = Date.now();
    if (!broken && stdout.includes('READY')) {
      broken = true;
      void target.break(fault).then(() => child.stdin.end('GO\n'));
    }
  });
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('exit', (c, s) => resolve([c, s])));
  const exitedAt = Date.now();
  clearTimeout(guard);
  if (broken) await target.repair(fault);
  const field = (tag: string) => {
    const found = stdout.split('\n').find((l) => l.startsWith(`${tag} `));
    return found ? JSON.parse(found.slice(tag.length + 1)) : undefined;
  };
  const disposed = field('DISPOSED');
  expect(disposed, `no DISPOSED line; stdout: ${stdout} stderr: ${stderr}`).toBeDefined();
  return { disposed, result: field('RESULT'), livedAfterDisposalMs: exitedAt - disposedAt, code, signal, stderr };
}

/**
 * The MongoDB driver cannot be made to let go of a frozen server sooner: close() leaves its handshakes in flight (the
 * sockets are local to the driver's connect function, out of reach), operations wait in its queue, and its monitor
 * keeps beating: they end at the driver's own timeouts (connect, wait queue, heartbeat). The provider destroys every
 * socket it can reach; the rest of the bound is the driver's, and is pinned here with those timeouts at 1.5 s.
 */
const MONGO_CONNECT_TIMEOUT_MS = 1500;

function expectClean(run: Run, fault: Fault, exitWithinMs = EXIT_AFTER_DISPOSAL_MS): void {
  expect(run.signal, `killed by the guard; stderr: ${run.stderr}`).toBeNull();
  expect(run.code, run.stderr).toBe(0);
  expect(run.livedAfterDisposalMs, 'the process lived on after disposal').toBeLessThan(exitWithinMs);
  expect(run.result, 'a promise the child started never settled').toBeDefined();
  for (const outcome of run.result!.outcomes) {
    expect(outcome, 'a promise the child started never settled').not.toBe('unsettled');
    const o = outcome as Outcome;
    if (o.what === 'connect' && !o.ok) expect(['ProviderError', 'DisposedError']).toContain(o.name);
    if (o.what.startsWith('health')) expect(['down', 'up', 'shutting_down']).toContain(o.value);
  }
  expect(run.disposed.ms).toBeLessThanOrEqual(DEADLINE_MS + 1500); // a generous guard: a busy machine delays timers
  for (const row of run.disposed.providers) {
    if (fault === 'frozen') {
      expect(['closed', 'timed_out']).toContain(row.status);
    } else {
      // Nothing to flush: closed at once, and the report says closed, not timed_out.
      expect(row, JSON.stringify(run.disposed)).toMatchObject({ status: 'closed' });
      expect(row.ms).toBeLessThan(AT_ONCE_MS);
    }
  }
}

const SCENARIOS: ReadonlyArray<readonly [Fault, Phase, boolean]> = [
  ['killed', 'use', true],
  ['killed', 'connect', false],
  ['killed', 'health', true],
  ['frozen', 'use', true],
  ['frozen', 'connect', false],
  ['frozen', 'health', true],
  ['closed', 'use', false],
  ['closed', 'connect', false],
];

function scenarios(
  provider: string,
  target: () => Target,
  only: ReadonlyArray<readonly [Fault, Phase, boolean]> = SCENARIOS,
  exitWithinMs: (fault: Fault) => number = () => EXIT_AFTER_DISPOSAL_MS,
): void {
  for (const [fault, phase, connectFirst] of only) {
    it(`${provider}: server ${fault}, disposal during ${phase}`, async () => {
      const run = await runChild(provider, phase, fault, target(), connectFirst);
      const rows = run.disposed.providers.map((row: { status: string; ms: number }) => `${row.status}:${row.ms}`).join(',');
      console.log(`FIGURES ${JSON.stringify({ provider, fault, phase, disposalMs: run.disposed.ms, rows, livedAfterDisposalMs: run.livedAfterDisposalMs })}`);
      expectClean(run, fault, exitWithinMs(fault));
      if (phase === 'connect') {
        const connect = run.result!.outcomes[0] as Outcome;
        // connect() settled: rejected by disposal (or by its own failure first), never left pending.
        expect(connect.ok).toBe(false);
      }
    }, 60_000);
  }
}

describe('disposal while Redis is broken', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(() => server?.stop());
  scenarios('redis', () => processTarget(() => server, () => ({ REDIS_HOST: '127.0.0.1', REDIS_PORT: String(server.port) })));
});

describe('disposal while MongoDB (FerretDB) is broken', () => {
  let server: FerretDbServer;
  beforeAll(async () => {
    server = await startFerretDb();
  }, 60_000);
  afterAll(() => server?.stop());
  scenarios('mongodb', () =>
    processTarget(() => server, () => ({
      MONGODB_URL: `mongodb://127.0.0.1:${server.port}/outage?heartbeatFrequencyMS=${MONGO_CONNECT_TIMEOUT_MS}`,
      MONGODB_SERVER_SELECTION_TIMEOUT_MS: '20000',
      MONGODB_CONNECT_TIMEOUT_MS: String(MONGO_CONNECT_TIMEOUT_MS),
      MONGODB_WAIT_QUEUE_TIMEOUT_MS: String(MONGO_CONNECT_TIMEOUT_MS),
    })),
    SCENARIOS,
    (fault) => (fault === 'frozen' ? MONGO_CONNECT_TIMEOUT_MS + EXIT_AFTER_DISPOSAL_MS : EXIT_AFTER_DISPOSAL_MS),
  );
});

describe('disposal while the Kafka broker is broken', () => {
  const servers = inject('kafka');
  let broker: KafkaServer;
  beforeAll(async () => {
    broker = await startKafka({ certs: servers.certs, user: { name: 'outage', password: 'outage-password' } });
  }, 90_000);
  afterAll(() => broker?.stop());
  scenarios('kafka', () =>
    processTarget(() => broker, () => ({
      KAFKA_SERVICE_URI: `127.0.0.1:${broker.ports.plaintext}`,
      KAFKA_ALLOW_AUTO_TOPIC_CREATION: 'true',
      KAFKA_CONNECTION_TIMEOUT_MS: '1000',
    })),
  );
});

describe('disposal while the Algolia host is broken', () => {
  // An HTTP host that accepts connections and never answers (frozen), or a port nobody listens on (closed).
  let frozen: Server;
  const held = new Set<Socket>();
  let port = 0;
  beforeAll(async () => {
    frozen = createServer((socket) => {
      held.add(socket);
      socket.on('close', () => held.delete(socket));
    });
    await new Promise<void>((resolve) => frozen.listen(0, '127.0.0.1', resolve));
    port = (frozen.address() as { port: number }).port;
  });
  afterAll(async () => {
    for (const socket of held) socket.destroy();
    await new Promise((resolve) => frozen.close(resolve));
  });
  const target = (): Target => ({
    env: () => ({ ALGOLIA_APP_ID: 'OUTAGE01', ALGOLIA_WRITE_API_KEY: 'outage-write-key', ALGOLIA_HOSTS: `http://127.0.0.1:${port}` }),
    break: async () => undefined,
    repair: async () => undefined,
  });
  scenarios('algolia', target, [
    ['frozen', 'use', false],
    ['frozen', 'connect', false],
    ['closed', 'use', false],
    ['closed', 'connect', false],
  ]);
});
