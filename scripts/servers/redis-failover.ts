import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { redisCli, startRedis, type RedisServer } from './redis.js';

const run = promisify(execFile);

/** Replication settings shared by every data node: a replica that (re)syncs starts at once, not after 5 s. */
const REPLICATION = ['repl-diskless-sync yes', 'repl-diskless-sync-delay 0', 'repl-ping-replica-period 1'];

/** Polls `check` every 100 ms until it holds; throws naming `what` after `timeoutMs`. */
export async function waitUntil(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Stops every server that started; a failure to stop one does not keep the others running. */
async function stopAll(servers: readonly RedisServer[]): Promise<void> {
  await Promise.allSettled(servers.map((server) => server.stop()));
}

/** `ROLE` of a data node: `master`, `slave`, or `down` when it does not answer. */
export async function roleOf(port: number): Promise<string> {
  try {
    return (await redisCli(port, ['role'])).split('\n')[0]?.trim() || 'down';
  } catch {
    return 'down';
  }
}

/** Options of {@link startSentinelFailover}. */
export interface SentinelFailoverOptions {
  /** The master group name. @default 'failover' */
  readonly name?: string;
  /** @default 2 */
  readonly replicas?: number;
  /** @default 3 */
  readonly sentinels?: number;
  /** Sentinels that must agree the primary is down. @default 2 */
  readonly quorum?: number;
  /** Sentinel's `down-after-milliseconds`. @default 1500 */
  readonly downAfterMs?: number;
  /** Sentinel's `failover-timeout`. @default 5000 */
  readonly failoverTimeoutMs?: number;
}

/** A primary, its replicas and the Sentinels watching them, with the few queries a failover test needs. */
export interface SentinelFailover {
  readonly name: string;
  /** Data nodes, the initial primary first. Killing one does not remove it: `restart()` brings it back. */
  readonly nodes: readonly RedisServer[];
  readonly sentinels: readonly RedisServer[];
  /** The primary's port as each answering Sentinel reports it (`undefined` for one that does not answer). */
  primaryPorts(): Promise<Array<number | undefined>>;
  /** Resolves with the port every Sentinel agrees on once it is not `oldPort`. */
  waitForNewPrimary(oldPort: number, timeoutMs?: number): Promise<number>;
  /** The data node on `port`. */
  node(port: number): RedisServer;
  /** Stops every process (by PID) and removes their files. */
  stop(): Promise<void>;
}

/**
 * Starts a primary, `replicas` replicas of it and `sentinels` Sentinels monitoring it with `quorum`, with short
 * detection and failover timeouts so a failover takes seconds. Resolves once every replica's link is up and every
 * Sentinel knows every replica and every other Sentinel (before that a Sentinel cannot reach a quorum or pick a
 * replica). Whatever started is stopped again when a step fails.
 */
export async function startSentinelFailover(options: SentinelFailoverOptions = {}): Promise<SentinelFailover> {
  const name = options.name ?? 'failover';
  const replicaCount = options.replicas ?? 2;
  const sentinelCount = options.sentinels ?? 3;
  const started: RedisServer[] = [];
  try {
    const primary = await startRedis({ extra: REPLICATION });
    started.push(primary);
    const nodes: RedisServer[] = [primary];
    for (let i = 0; i < replicaCount; i++) {
      const replica = await startRedis({ extra: [...REPLICATION, `replicaof 127.0.0.1 ${primary.port}`] });
      started.push(replica);
      nodes.push(replica);
    }
    const sentinels: RedisServer[] = [];
    for (let i = 0; i < sentinelCount; i++) {
      const sentinel = await startRedis({
        sentinel: true,
        extra: [
          `sentinel monitor ${name} 127.0.0.1 ${primary.port} ${options.quorum ?? 2}`,
          `sentinel down-after-milliseconds ${name} ${options.downAfterMs ?? 1500}`,
          `sentinel failover-timeout ${name} ${options.failoverTimeoutMs ?? 5000}`,
          `sentinel parallel-syncs ${name} ${replicaCount}`,
        ],
      });
      started.push(sentinel);
      sentinels.push(sentinel);
    }
    for (const replica of nodes.slice(1)) {
      await waitUntil(async () => (await redisCli(replica.port, ['info', 'replication'])).includes('master_link_status:up'), 'replication link');
    }
    for (const sentinel of sentinels) {
      await waitUntil(async () => {
        const replicas = await redisCli(sentinel.port, ['sentinel', 'replicas', name]);
        const peers = await redisCli(sentinel.port, ['sentinel', 'sentinels', name]);
        return nodes.slice(1).every((n) => replicas.includes(String(n.port))) && sentinels.every((s) => s === sentinel || peers.includes(String(s.port)));
      }, 'every Sentinel to discover the replicas and the other Sentinels');
    }

    const primaryPorts = () =>
      Promise.all(
        sentinels.map(async (sentinel) => {
          try {
            const reply = (await redisCli(sentinel.port, ['sentinel', 'get-master-addr-by-name', name])).split('\n');
            return Number(reply[1]) || undefined;
          } catch {
            return undefined;
          }
        }),
      );
    return {
      name,
      nodes,
      sentinels,
      primaryPorts,
      async waitForNewPrimary(oldPort, timeoutMs = 30_000) {
        let agreed = 0;
        await waitUntil(async () => {
          const ports = await primaryPorts();
          agreed = ports[0] ?? 0;
          return agreed !== 0 && agreed !== oldPort && ports.every((port) => port === agreed);
        }, `Sentinels to agree on a primary other than ${oldPort}`, timeoutMs);
        return agreed;
      },
      node(port) {
        const found = nodes.find((n) => n.port === port);
        if (!found) throw new Error(`no data node on port ${port}`);
        return found;
      },
      async stop() {
        await stopAll([...sentinels, ...nodes]);
      },
    };
  } catch (error) {
    await stopAll(started);
    throw error;
  }
}

/** Options of {@link startFailoverCluster}. */
export interface FailoverClusterOptions {
  /** @default 3 */
  readonly primaries?: number;
  /** Replicas per primary. @default 1 */
  readonly replicasPerPrimary?: number;
  /** `cluster-node-timeout`: how long a node may not answer before it is flagged as failing. @default 1000 */
  readonly nodeTimeoutMs?: number;
  /**
   * `cluster-require-full-coverage`. With `yes` (Redis' default) every node refuses every command (`CLUSTERDOWN`)
   * between a primary being flagged as failed and its replica's promotion; with `no` the other shards keep serving.
   * @default false
   */
  readonly requireFullCoverage?: boolean;
}

/** One shard of a cluster: a slot range, its primary and its replicas (ports). */
export interface ClusterShard {
  readonly primary: number;
  readonly replicas: readonly number[];
  /** `[start, end]` slot ranges. */
  readonly slots: ReadonlyArray<readonly [number, number]>;
}

/** A Redis Cluster with replicas, started by {@link startFailoverCluster}. */
export interface FailoverCluster {
  readonly nodes: readonly RedisServer[];
  /** The shards as `CLUSTER SHARDS` on `port` (default: the first node that answers) reports them. */
  shards(port?: number): Promise<ClusterShard[]>;
  /** The data node on `port`. */
  node(port: number): RedisServer;
  stop(): Promise<void>;
}

/** Parses `redis-cli cluster nodes` output into shards (failed primaries and primaries without slots are left out). */
function parseClusterNodes(text: string): ClusterShard[] {
  const lines = text.split('\n').map((line) => line.trim().split(' ')).filter((f) => f.length >= 8);
  const portOf = (address: string) => Number(address.split('@')[0]?.split(':')[1]);
  const masters = lines.filter((f) => f[2]?.includes('master') && !f[2].includes('fail'));
  const shards = masters.map((f) => ({
    primary: portOf(f[1] ?? ''),
    replicas: lines.filter((r) => r[3] === f[0] && !r[2]?.includes('fail')).map((r) => portOf(r[1] ?? '')),
    slots: f.slice(8).filter((s) => /^\d+(-\d+)?$/.test(s)).map((s) => {
      const [start, end] = s.split('-').map(Number);
      return [start ?? 0, end ?? start ?? 0] as const;
    }),
  }));
  // A primary without slots (one that lost them in a failover and has not turned into a replica yet) is no shard.
  return shards.filter((shard) => shard.slots.length > 0);
}

/**
 * Starts `primaries × (1 + replicasPerPrimary)` cluster-enabled servers, joins them with `redis-cli --cluster create
 * --cluster-replicas`, and resolves once every node reports `cluster_state:ok` and every replica's link is up.
 */
export async function startFailoverCluster(options: FailoverClusterOptions = {}): Promise<FailoverCluster> {
  const primaries = options.primaries ?? 3;
  const perPrimary = options.replicasPerPrimary ?? 1;
  const nodes: RedisServer[] = [];
  try {
    for (let i = 0; i < primaries * (1 + perPrimary); i++) {
      nodes.push(
        await startRedis({
          extra: [
            ...REPLICATION,
            'cluster-enabled yes',
            'cluster-config-file nodes.conf',
            `cluster-node-timeout ${options.nodeTimeoutMs ?? 1000}`,
            `cluster-require-full-coverage ${options.requireFullCoverage ? 'yes' : 'no'}`,
          ],
        }),
      );
    }
    await run('redis-cli', [
      '--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', String(perPrimary), '--cluster-yes',
    ]);
    const shards = async (port?: number): Promise<ClusterShard[]> => {
      for (const candidate of port !== undefined ? [port] : nodes.map((n) => n.port)) {
        try {
          return parseClusterNodes(await redisCli(candidate, ['cluster', 'nodes']));
        } catch {
          // not answering: ask the next one
        }
      }
      throw new Error('no cluster node answers');
    };
    for (const node of nodes) {
      await waitUntil(async () => (await redisCli(node.port, ['cluster', 'info'])).includes('cluster_state:ok'), 'cluster_state:ok');
    }
    // A busy machine can make a node miss its 1 s node timeout while the cluster forms: wait until it has settled into
    // `primaries` shards with all their replicas before the test measures anything.
    await waitUntil(async () => {
      const current = await shards();
      return current.length === primaries && current.every((shard) => shard.replicas.length === perPrimary);
    }, 'every shard with its replicas');
    for (const shard of await shards()) {
      for (const replica of shard.replicas) {
        await waitUntil(async () => (await redisCli(replica, ['info', 'replication'])).includes('master_link_status:up'), 'replica link');
      }
    }
    return {
      nodes,
      shards,
      node(port) {
        const found = nodes.find((n) => n.port === port);
        if (!found) throw new Error(`no cluster node on port ${port}`);
        return found;
      },
      async stop() {
        await stopAll(nodes);
      },
    };
  } catch (error) {
    await stopAll(nodes);
    throw error;
  }
}
