import type { ConfigIssue } from '../errors.js';
import {
  intWithDefault,
  isLoopback,
  MAX_INT_SETTING,
  optionalBool,
  optionalHostList,
  optionalInt,
  optionalString,
  readEnv,
  type Env,
  tryDecode,
  type HostPort,
} from './env.js';
import { readRetry, retryVariables, type RetryPolicy } from './retry.js';
import { readTls, tlsVariables, type TlsConfig } from './tls.js';

/** How the Redis client finds its server(s). */
export type RedisMode = 'standalone' | 'sentinel' | 'cluster';

/** Redis settings. Present in `DbConfig` only when Redis is configured. */
export interface RedisConfig {
  readonly mode: RedisMode;
  /** Standalone server (also the first node's address in the other modes, for display). */
  readonly host: string;
  readonly port: number;
  readonly username?: string;
  /** Redacted in logs, never in a message. */
  readonly password?: string;
  /** @default 0 */
  readonly db: number;
  /** `undefined` when TLS is off. On by default for any host that is not loopback. */
  readonly tls?: TlsConfig;
  readonly keyPrefix?: string;
  readonly sentinels: readonly HostPort[];
  readonly sentinelName?: string;
  readonly sentinelPassword?: string;
  readonly clusterNodes: readonly HostPort[];
  /** Sentinel: `RedisProvider.readClient` reads from a replica. Cluster: reads go to replicas. @default false */
  readonly readFromReplicas: boolean;
  /** @default 10000 */
  readonly connectTimeoutMs: number;
  /** No limit when absent. */
  readonly commandTimeoutMs?: number;
  /** `null` waits forever (as BullMQ needs). @default 3 */
  readonly maxRetriesPerRequest: number | null;
  readonly retry: RetryPolicy;
  /** Where the client connects, without credentials, for logs and reports. */
  readonly target: string;
}

const URL_SHAPE = 'redis://[user:password@]host[:port][/db] or rediss://... (TLS)';

/** Every variable the Redis section reads. */
export const REDIS_VARIABLES: readonly string[] = [
  'REDIS_URL', 'REDIS_HOST', 'REDIS_PORT', 'REDIS_USERNAME', 'REDIS_PASSWORD', 'REDIS_DB', 'REDIS_KEY_PREFIX',
  'REDIS_MODE', 'REDIS_SENTINELS', 'REDIS_SENTINEL_NAME', 'REDIS_SENTINEL_PASSWORD', 'REDIS_CLUSTER_NODES',
  'REDIS_READ_FROM_REPLICAS', 'REDIS_CONNECT_TIMEOUT_MS', 'REDIS_COMMAND_TIMEOUT_MS',
  'REDIS_MAX_RETRIES_PER_REQUEST', ...tlsVariables('REDIS'), ...retryVariables('REDIS'),
];

interface UrlParts {
  tls: boolean;
  host: string;
  port: number;
  username?: string;
  password?: string;
  db?: number;
}

function parseRedisUrl(raw: string, issues: ConfigIssue[]): UrlParts | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    issues.push({ variable: 'REDIS_URL', expected: URL_SHAPE });
    return undefined;
  }
  if ((url.protocol !== 'redis:' && url.protocol !== 'rediss:') || url.hostname === '') {
    issues.push({ variable: 'REDIS_URL', expected: URL_SHAPE });
    return undefined;
  }
  const dbText = url.pathname.replace(/^\//, '');
  const username = tryDecode(url.username);
  const password = tryDecode(url.password);
  if (username === undefined || password === undefined) {
    issues.push({ variable: 'REDIS_URL', expected: `${URL_SHAPE}; user and password must be valid %-escaped text` });
    return undefined;
  }
  if (dbText !== '' && (!/^\d+$/.test(dbText) || Number(dbText) > MAX_INT_SETTING)) {
    issues.push({ variable: 'REDIS_URL', expected: `${URL_SHAPE}; the path is the database number` });
    return undefined;
  }
  return {
    tls: url.protocol === 'rediss:',
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port ? Number(url.port) : 6379,
    ...(username ? { username } : {}),
    ...(password ? { password } : {}),
    ...(dbText !== '' ? { db: Number(dbText) } : {}),
  };
}

function parseMaxRetries(raw: string | undefined, issues: ConfigIssue[]): number | null {
  if (raw === undefined || raw.trim() === '') return 3;
  const text = raw.trim().toLowerCase();
  if (text === 'null' || text === 'unlimited') return null;
  if (/^\d+$/.test(text) && Number(text) <= MAX_INT_SETTING) return Number(text);
  issues.push({ variable: 'REDIS_MAX_RETRIES_PER_REQUEST', expected: 'an integer >= 0, or "unlimited"' });
  return 3;
}

/** Reads the Redis section; `undefined` when Redis is not configured at all. */
export function readRedisConfig(env: Env, issues: ConfigIssue[], warnings: string[]): RedisConfig | undefined {
  const v = readEnv(
    env,
    {
      REDIS_HOST: optionalString('a host name or IP address'),
      REDIS_PORT: optionalInt(1, 'a port number 1-65535', 65535),
      REDIS_USERNAME: optionalString('an ACL user name'),
      REDIS_PASSWORD: optionalString('the password'),
      REDIS_DB: optionalInt(0, 'a database number >= 0'),
      REDIS_KEY_PREFIX: optionalString('a key prefix'),
      REDIS_MODE: optionalString('one of standalone, sentinel, cluster', ['standalone', 'sentinel', 'cluster']),
      REDIS_SENTINELS: optionalHostList('comma-separated host:port list of Sentinels', 26379),
      REDIS_SENTINEL_NAME: optionalString('the master group name Sentinel monitors'),
      REDIS_SENTINEL_PASSWORD: optionalString('the Sentinel password'),
      REDIS_CLUSTER_NODES: optionalHostList('comma-separated host:port list of cluster nodes', 6379),
      REDIS_READ_FROM_REPLICAS: optionalBool('true or false'),
      REDIS_CONNECT_TIMEOUT_MS: intWithDefault(1, 10_000, 'milliseconds, an integer >= 1'),
      REDIS_COMMAND_TIMEOUT_MS: optionalInt(1, 'milliseconds, an integer >= 1'),
    },
    issues,
  );
  const port = v.REDIS_PORT as number | undefined;
  const url = env.REDIS_URL?.trim() ? parseRedisUrl(env.REDIS_URL.trim(), issues) : undefined;
  const explicitMode = v.REDIS_MODE as RedisMode | undefined;
  const mode: RedisMode = explicitMode ?? (v.REDIS_CLUSTER_NODES ? 'cluster' : v.REDIS_SENTINELS ? 'sentinel' : 'standalone');
  const host = url?.host ?? (v.REDIS_HOST as string | undefined);
  const sentinels = (v.REDIS_SENTINELS as HostPort[] | undefined) ?? [];
  const clusterNodes = (v.REDIS_CLUSTER_NODES as HostPort[] | undefined) ?? [];

  const configured =
    env.REDIS_URL?.trim() || host !== undefined || explicitMode !== undefined || sentinels.length || clusterNodes.length;
  if (!configured) {
    const partsSet = ['REDIS_PORT', 'REDIS_USERNAME', 'REDIS_PASSWORD'].filter((name) => v[name] !== undefined);
    if (partsSet.length > 0) {
      issues.push({ variable: 'REDIS_HOST', expected: `a host name (required because ${partsSet.join(', ')} is set)` });
    }
    return undefined;
  }

  // An invalid REDIS_URL was reported already; a missing host would only repeat it.
  if (mode === 'standalone' && host === undefined && !env.REDIS_URL?.trim()) {
    issues.push({ variable: 'REDIS_HOST', expected: 'a host name (or set REDIS_URL)' });
  }
  if (mode === 'sentinel') {
    if (sentinels.length === 0) issues.push({ variable: 'REDIS_SENTINELS', expected: 'host:port list (REDIS_MODE=sentinel)' });
    if (!v.REDIS_SENTINEL_NAME) issues.push({ variable: 'REDIS_SENTINEL_NAME', expected: 'the master group name (REDIS_MODE=sentinel)' });
  }
  if (mode === 'cluster' && clusterNodes.length === 0) {
    issues.push({ variable: 'REDIS_CLUSTER_NODES', expected: 'host:port list (REDIS_MODE=cluster)' });
  }
  const readFromReplicas = (v.REDIS_READ_FROM_REPLICAS as boolean | undefined) ?? false;
  if (readFromReplicas && mode === 'standalone') {
    issues.push({ variable: 'REDIS_READ_FROM_REPLICAS', expected: 'only with REDIS_MODE=sentinel or cluster' });
  }

  const nodes: HostPort[] =
    mode === 'sentinel' ? sentinels : mode === 'cluster' ? clusterNodes : [{ host: host ?? '', port: url?.port ?? port ?? 6379 }];
  const allLoopback = nodes.length > 0 && nodes.every((node) => isLoopback(node.host));
  const tls = readTls(env, 'REDIS', url ? url.tls : !allLoopback, issues, warnings);
  const first = nodes[0] ?? { host: '', port: 6379 };
  const db = url?.db ?? (v.REDIS_DB as number | undefined) ?? 0;
  const username = url?.username ?? (v.REDIS_USERNAME as string | undefined);
  const password = url?.password ?? (v.REDIS_PASSWORD as string | undefined);
  const scheme = tls ? 'rediss' : 'redis';
  const list = nodes.map((node) => `${node.host}:${node.port}`).join(',');
  const target =
    mode === 'standalone'
      ? `${scheme}://${first.host}:${first.port}/${db}`
      : mode === 'sentinel'
        ? `${scheme}+sentinel://${list}/${String(v.REDIS_SENTINEL_NAME ?? '')}`
        : `${scheme}+cluster://${list}`;

  return {
    mode,
    host: first.host,
    port: first.port,
    ...(username !== undefined ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
    db,
    ...(tls ? { tls } : {}),
    ...(v.REDIS_KEY_PREFIX ? { keyPrefix: v.REDIS_KEY_PREFIX as string } : {}),
    sentinels,
    ...(v.REDIS_SENTINEL_NAME ? { sentinelName: v.REDIS_SENTINEL_NAME as string } : {}),
    ...(v.REDIS_SENTINEL_PASSWORD ? { sentinelPassword: v.REDIS_SENTINEL_PASSWORD as string } : {}),
    clusterNodes,
    readFromReplicas,
    connectTimeoutMs: v.REDIS_CONNECT_TIMEOUT_MS as number,
    ...(v.REDIS_COMMAND_TIMEOUT_MS !== undefined ? { commandTimeoutMs: v.REDIS_COMMAND_TIMEOUT_MS as number } : {}),
    maxRetriesPerRequest: parseMaxRetries(env.REDIS_MAX_RETRIES_PER_REQUEST, issues),
    retry: readRetry(env, 'REDIS', issues),
    target,
  };
}
