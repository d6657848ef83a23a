import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { TestCertificates } from './certs.js';
import { freePort, makeTempDir, startProcess, startRestartable, waitForReply } from './process.js';

const run = promisify(execFile);

/** Options of {@link startRedis}. */
export interface RedisServerOptions {
  /** Serve TLS only, with these certificates. */
  readonly tls?: TestCertificates;
  /** Disable the default user and add this ACL user. */
  readonly user?: { readonly name: string; readonly password: string };
  /** Reuse this port (for restarts). */
  readonly port?: number;
  /** Extra redis.conf lines. */
  readonly extra?: readonly string[];
  /** `redis-sentinel` instead of `redis-server`. */
  readonly sentinel?: boolean;
}

/** A local Redis server on a loopback port. */
export interface RedisServer {
  readonly port: number;
  readonly dir: string;
  readonly pid: number;
  /** Kills the process (SIGKILL) without cleaning up, to simulate a crash. */
  kill(): Promise<void>;
  /** Starts it again on the same port with the same configuration. */
  restart(): Promise<void>;
  /** Stops it and removes its files. */
  stop(): Promise<void>;
}

function configLines(port: number, dir: string, options: RedisServerOptions): string[] {
  const lines = ['bind 127.0.0.1', `dir ${dir}`, 'daemonize no', `logfile ""`];
  if (!options.sentinel) lines.push('save ""', 'appendonly no', 'protected-mode no');
  if (options.tls) {
    lines.push('port 0', `tls-port ${port}`, `tls-cert-file ${options.tls.certFile}`, `tls-key-file ${options.tls.keyFile}`,
      `tls-ca-cert-file ${options.tls.caFile}`, 'tls-auth-clients no');
  } else {
    lines.push(`port ${port}`);
  }
  if (options.user) {
    lines.push('user default off', `user ${options.user.name} on >${options.user.password} ~* &* +@all`);
  }
  return [...lines, ...(options.extra ?? [])];
}

/** Starts Debian's `redis-server` (or `redis-sentinel`) on a free loopback port and waits until it answers. */
export async function startRedis(options: RedisServerOptions = {}): Promise<RedisServer> {
  const port = options.port ?? (await freePort());
  const dir = makeTempDir(options.sentinel ? 'sentinel' : 'redis');
  const confFile = join(dir, options.sentinel ? 'sentinel.conf' : 'redis.conf');
  writeFileSync(confFile, configLines(port, dir, options).join('\n') + '\n');
  const server = await startRestartable(
    dir,
    () => startProcess(options.sentinel ? 'redis-sentinel' : 'redis-server', [confFile], join(dir, 'server.log')),
    () => waitForReply(port, { tls: options.tls !== undefined }),
  );
  return Object.assign(server, { port });
}

/** Runs `redis-cli` against a local port and returns its output. */
export async function redisCli(port: number, args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args]);
  return stdout;
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A master, one replica and one Sentinel watching them as `name`. */
export interface SentinelSetup {
  readonly name: string;
  readonly master: RedisServer;
  readonly replica: RedisServer;
  readonly sentinel: RedisServer;
  stop(): Promise<void>;
}

/** Starts a master, a replica of it and a Sentinel; resolves once Sentinel knows both. */
export async function startSentinelSetup(name = 'testmaster'): Promise<SentinelSetup> {
  const master = await startRedis();
  const replica = await startRedis({ extra: [`replicaof 127.0.0.1 ${master.port}`] });
  const sentinel = await startRedis({
    sentinel: true,
    extra: [
      `sentinel monitor ${name} 127.0.0.1 ${master.port} 1`,
      `sentinel down-after-milliseconds ${name} 5000`,
      `sentinel failover-timeout ${name} 10000`,
    ],
  });
  await waitFor(async () => (await redisCli(replica.port, ['info', 'replication'])).includes('master_link_status:up'), 'replication link');
  await waitFor(
    async () => (await redisCli(sentinel.port, ['sentinel', 'replicas', name])).includes(String(replica.port)),
    'Sentinel to discover the replica',
  );
  return {
    name,
    master,
    replica,
    sentinel,
    async stop() {
      await Promise.all([sentinel.stop(), replica.stop(), master.stop()]);
    },
  };
}

/** A Redis Cluster of `size` masters. */
export interface RedisCluster {
  readonly nodes: readonly RedisServer[];
  stop(): Promise<void>;
}

/** Starts `size` cluster-enabled servers and joins them with `redis-cli --cluster create`. */
export async function startCluster(size = 3): Promise<RedisCluster> {
  const nodes: RedisServer[] = [];
  for (let i = 0; i < size; i++) {
    nodes.push(await startRedis({ extra: ['cluster-enabled yes', 'cluster-config-file nodes.conf', 'cluster-node-timeout 3000'] }));
  }
  await run('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-yes']);
  for (const node of nodes) {
    await waitFor(async () => (await redisCli(node.port, ['cluster', 'info'])).includes('cluster_state:ok'), 'cluster_state:ok');
  }
  return {
    nodes,
    async stop() {
      await Promise.all(nodes.map((node) => node.stop()));
    },
  };
}
