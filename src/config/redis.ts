import type { ConfigIssue } from '../errors.js';
import {
  credentialsWellFormed,
  hasControlCharacter,
  hostForUrl,
  intWithDefault,
  isLoopback,
  MAX_INT_SETTING,
  optionalBool,
  optionalHost,
  optionalHostList,
  optionalInt,
  optionalMatching,
  optionalString,
  parseHostPort,
  PERCENT_ENCODE_HINT,
  readEnv,
  splitUrl,
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
  /**
   * Sentinel mode: subscribe to the Sentinels' `+switch-master` and reconnect as soon as a failover is announced,
   * instead of writing on to the old primary until Sentinel demotes it (~10 s after a manual failover; those writes
   * are acknowledged, then discarded). @default true
   */
  readonly sentinelFailoverDetector: boolean;
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

const URL_SHAPE = 'redis://host[:port][/db] or rediss://... (TLS), credentials as user:password@ before the host';
/** The characters Redis allows in a Sentinel master name (it becomes the path of `target`). */
const SENTINEL_NAME = /^[A-Za-z0-9._-]+$/;

/** Every variable the Redis section reads. */
export const REDIS_VARIABLES: readonly string[] = [
  'REDIS_URL', 'REDIS_HOST', 'REDIS_PORT', 'REDIS_USERNAME', 'REDIS_PASSWORD', 'REDIS_DB', 'REDIS_KEY_PREFIX',
  'REDIS_MODE', 'REDIS_SENTINELS', 'REDIS_SENTINEL_NAME', 'REDIS_SENTINEL_PASSWORD', 'REDIS_SENTINEL_FAILOVER_DETECTOR',
  'REDIS_CLUSTER_NODES',
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

/**
 * Parses `REDIS_URL` without the WHATWG parser, which ends the credentials at the first `/`, `?` or `#` and would turn
 * the rest of a password into a host, a port or a path (and so into `target`). The credentials run up to the last `@`
 * and must be percent-encoded; the host is validated like `REDIS_HOST`.
 */
function parseRedisUrl(raw: string, issues: ConfigIssue[]): UrlParts | undefined {
  const split = splitUrl(raw);
  if (!split || (split.scheme !== 'redis' && split.scheme !== 'rediss')) {
    issues.push({ variable: 'REDIS_URL', expected: URL_SHAPE });
    return undefined;
  }
  if ((split.userinfo !== undefined && !credentialsWellFormed(split.userinfo)) || split.fragment) {
    issues.push({ variable: 'REDIS_URL', expected: `${URL_SHAPE}; ${PERCENT_ENCODE_HINT}` });
    return undefined;
  }
  let node: HostPort;
  try {
    node = parseHostPort(split.authority, 6379);
  } catch {
    issues.push({ variable: 'REDIS_URL', expected: `${URL_SHAPE}; the host a DNS name, IPv4 or [IPv6] address, the port 1-65535` });
    return undefined;
  }
  const userinfo = split.userinfo ?? '';
  const colon = userinfo.indexOf(':');
  const username = tryDecode(colon === -1 ? userinfo : userinfo.slice(0, colon));
  const password = tryDecode(colon === -1 ? '' : userinfo.slice(colon + 1));
  if (username === undefined || password === undefined || hasControlCharacter(username + password)) {
    issues.push({ variable: 'REDIS_URL', expected: `${URL_SHAPE}; user and password must be valid %-escaped text without control characters` });
    return undefined;
  }
  const dbText = split.path ?? '';
  if (dbText !== '' && (!/^\d+$/.test(dbText) || Number(dbText) > MAX_INT_SETTING)) {
    issues.push({ variable: 'REDIS_URL', expected: `${URL_SHAPE}; the path is the database number` });
    return undefined;
  }
  return {
    tls: split.scheme === 'rediss',
    host: node.host,
    port: node.port,
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
      REDIS_HOST: optionalHost(
        'a host name or IP address only (no scheme, port, path or spaces): put the port in REDIS_PORT, or set REDIS_URL',
      ),
      REDIS_PORT: optionalInt(1, 'a port number 1-65535', 65535),
      REDIS_USERNAME: optionalString('an ACL user name'),
      REDIS_PASSWORD: optionalString('the password'),
      REDIS_DB: optionalInt(0, 'a database number >= 0'),
      REDIS_KEY_PREFIX: optionalString('a key prefix'),
      REDIS_MODE: optionalString('one of standalone, sentinel, cluster', ['standalone', 'sentinel', 'cluster']),
      REDIS_SENTINELS: optionalHostList('comma-separated host:port list of Sentinels (IPv6 in brackets)', 26379),
      REDIS_SENTINEL_NAME: optionalMatching(SENTINEL_NAME, 'the master group name Sentinel monitors: letters, digits, . - _'),
      REDIS_SENTINEL_PASSWORD: optionalString('the Sentinel password'),
      REDIS_SENTINEL_FAILOVER_DETECTOR: optionalBool('true or false'),
      REDIS_CLUSTER_NODES: optionalHostList('comma-separated host:port list of cluster nodes (IPv6 in brackets)', 6379),
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
    // An invalid REDIS_HOST was reported already.
    if (partsSet.length > 0 && !env.REDIS_HOST?.trim()) {
      issues.push({ variable: 'REDIS_HOST', expected: `a host name (required because ${partsSet.join(', ')} is set)` });
    }
    return undefined;
  }

  // An invalid REDIS_URL or REDIS_HOST was reported already; a missing host would only repeat it.
  if (mode === 'standalone' && host === undefined && !env.REDIS_URL?.trim() && !env.REDIS_HOST?.trim()) {
    issues.push({ variable: 'REDIS_HOST', expected: 'a host name (or set REDIS_URL)' });
  }
  if (mode === 'sentinel') {
    if (sentinels.length === 0 && !env.REDIS_SENTINELS?.trim()) issues.push({ variable: 'REDIS_SENTINELS', expected: 'host:port list (REDIS_MODE=sentinel)' });
    if (!env.REDIS_SENTINEL_NAME?.trim()) issues.push({ variable: 'REDIS_SENTINEL_NAME', expected: 'the master group name (REDIS_MODE=sentinel)' });
  }
  if (mode === 'cluster' && clusterNodes.length === 0 && !env.REDIS_CLUSTER_NODES?.trim()) {
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
  const list = nodes.map((node) => `${hostForUrl(node.host)}:${node.port}`).join(',');
  const target =
    mode === 'standalone'
      ? `${scheme}://${hostForUrl(first.host)}:${first.port}/${db}`
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
    sentinelFailoverDetector: (v.REDIS_SENTINEL_FAILOVER_DETECTOR as boolean | undefined) ?? true,
    clusterNodes,
    readFromReplicas,
    connectTimeoutMs: v.REDIS_CONNECT_TIMEOUT_MS as number,
    ...(v.REDIS_COMMAND_TIMEOUT_MS !== undefined ? { commandTimeoutMs: v.REDIS_COMMAND_TIMEOUT_MS as number } : {}),
    maxRetriesPerRequest: parseMaxRetries(env.REDIS_MAX_RETRIES_PER_REQUEST, issues),
    retry: readRetry(env, 'REDIS', issues),
    target,
  };
}
