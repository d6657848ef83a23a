import type { ConfigIssue } from '../errors.js';
import { intWithDefault, isDnsName, isIPv4Address, isIPv6Address, optionalBool, readEnv, type Env } from './env.js';
import { readRetry, retryVariables, type RetryPolicy } from './retry.js';
import { readTls, tlsVariables, type TlsConfig } from './tls.js';

/** Elasticsearch settings. Present in `DbConfig` only when `ELASTIC_NODE` or `ELASTIC_CLOUD_ID` is set. */
export interface ElasticsearchConfig {
  /** `ELASTIC_NODE`: node URLs (self-hosted and local clusters), without credentials. Absent with a cloud id. */
  readonly nodes?: readonly string[];
  /** `ELASTIC_CLOUD_ID`: an Elastic Cloud deployment (the client's `cloud: { id }`). Absent with node URLs. */
  readonly cloudId?: string;
  /** `ELASTIC_API_KEY` (the encoded `id:key`): preferred over basic auth. Redacted in logs, never in a message. */
  readonly apiKey?: string;
  /** `ELASTIC_USERNAME`: basic auth, used when no API key is set. */
  readonly username?: string;
  /** `ELASTIC_PASSWORD`. Redacted in logs, never in a message. */
  readonly password?: string;
  /** `ELASTIC_ACCOUNTS_INDEX`. @default 'accounts' */
  readonly accountsIndex: string;
  /** `ELASTIC_CATEGORIES_INDEX`. @default 'categories' */
  readonly categoriesIndex: string;
  /** `undefined` when TLS is off: on for `https://` nodes and Elastic Cloud. */
  readonly tls?: TlsConfig;
  /** Per request, each retry included separately (the client's `requestTimeout`). @default 10000 */
  readonly requestTimeoutMs: number;
  /** Retries of one request on another node or after a connection error (the client's `maxRetries`). @default 3 */
  readonly maxRetries: number;
  /** gzip request bodies (the client's `compression`). @default false */
  readonly compression: boolean;
  /** Backoff of `connect()`. */
  readonly retry: RetryPolicy;
  /** Where requests go, without credentials, for logs and reports. */
  readonly target: string;
}

/** Every variable the Elasticsearch section reads. */
export const ELASTICSEARCH_VARIABLES: readonly string[] = [
  'ELASTIC_NODE', 'ELASTIC_CLOUD_ID', 'ELASTIC_API_KEY', 'ELASTIC_USERNAME', 'ELASTIC_PASSWORD',
  'ELASTIC_ACCOUNTS_INDEX', 'ELASTIC_CATEGORIES_INDEX', 'ELASTIC_REQUEST_TIMEOUT_MS', 'ELASTIC_MAX_RETRIES',
  'ELASTIC_COMPRESSION', ...tlsVariables('ELASTIC'), ...retryVariables('ELASTIC'),
];

/** A parsed node URL: origin plus an optional path prefix (a cluster behind a proxy path). */
interface NodeUrl {
  readonly url: string;
  readonly https: boolean;
}

/**
 * One `http(s)://host[:port][/path]`. Credentials in the URL are refused (they belong in ELASTIC_USERNAME and
 * ELASTIC_PASSWORD, where they are registered as secrets); so are queries and fragments.
 */
function parseNode(item: string): NodeUrl | 'credentials' | undefined {
  const match = /^(https?):\/\/([^/?#]*)(\/[^?#]*)?$/i.exec(item);
  if (!match) return undefined;
  const [, scheme, authority, path] = match;
  if (authority!.includes('@')) return 'credentials';
  const hostPort = /^(?:\[([^\]]+)\]|([^:[\]]+))(?::(\d{1,5}))?$/.exec(authority!);
  if (!hostPort) return undefined;
  const [, ipv6, name, portText] = hostPort;
  if (ipv6 !== undefined ? !isIPv6Address(ipv6) : !(isDnsName(name!) || isIPv4Address(name!))) return undefined;
  if (portText !== undefined && (Number(portText) < 1 || Number(portText) > 65535)) return undefined;
  const host = ipv6 !== undefined ? `[${ipv6}]` : name!.toLowerCase();
  const prefix = path && path !== '/' ? path.replace(/\/+$/, '') : '';
  const protocol = scheme!.toLowerCase();
  return { url: `${protocol}://${host}${portText !== undefined ? `:${Number(portText)}` : ''}${prefix}`, https: protocol === 'https' };
}

/**
 * The host an Elastic Cloud id points at: `[name:]base64("<domain>[:port]$<es-uuid>$<kibana-uuid>")`, the way the
 * client decodes it (`https://<es-uuid>.<domain>`). `undefined` when it does not decode to that shape.
 */
export function cloudIdTarget(cloudId: string): string | undefined {
  const colon = cloudId.indexOf(':');
  const encoded = colon === -1 ? cloudId : cloudId.slice(colon + 1);
  if (!/^[A-Za-z0-9+/=_-]+$/.test(encoded)) return undefined;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const [domainPort, esUuid] = decoded.split('$');
  if (!domainPort || !esUuid || !/^[a-z0-9-]+$/i.test(esUuid)) return undefined;
  const [domain, port] = domainPort.split(':');
  if (!domain || !isDnsName(domain) || (port !== undefined && !/^\d{1,5}$/.test(port))) return undefined;
  return `https://${esUuid}.${domain}${port !== undefined && port !== '443' ? `:${port}` : ''}`;
}

/**
 * Elasticsearch's rules for index names: lower case, at most 255 bytes, not `.`/`..`, not starting with `-`, `_` or
 * `+`, none of `\ / * ? " < > | , #`, space or `:`.
 */
export function isIndexName(name: string): boolean {
  return (
    name !== '.' && name !== '..' && Buffer.byteLength(name) <= 255 && name === name.toLowerCase() &&
    !/^[-_+]/.test(name) && !/[\\/*?"<>|,# :]/.test(name)
  );
}

function pick(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

/** Reads the Elasticsearch section; `undefined` when neither `ELASTIC_NODE` nor `ELASTIC_CLOUD_ID` is set. */
export function readElasticsearchConfig(env: Env, issues: ConfigIssue[], warnings: string[]): ElasticsearchConfig | undefined {
  const v = readEnv(
    env,
    {
      ELASTIC_REQUEST_TIMEOUT_MS: intWithDefault(1, 10_000, 'milliseconds, an integer >= 1'),
      ELASTIC_MAX_RETRIES: intWithDefault(0, 3, 'an integer >= 0'),
      ELASTIC_COMPRESSION: optionalBool('true or false'),
    },
    issues,
  );
  const rawNodes = pick(env, 'ELASTIC_NODE');
  const cloudId = pick(env, 'ELASTIC_CLOUD_ID');
  const apiKey = pick(env, 'ELASTIC_API_KEY');
  const username = pick(env, 'ELASTIC_USERNAME');
  const password = pick(env, 'ELASTIC_PASSWORD');
  const retry = readRetry(env, 'ELASTIC', issues);
  const indices: Record<'ELASTIC_ACCOUNTS_INDEX' | 'ELASTIC_CATEGORIES_INDEX', string> = {
    ELASTIC_ACCOUNTS_INDEX: pick(env, 'ELASTIC_ACCOUNTS_INDEX') ?? 'accounts',
    ELASTIC_CATEGORIES_INDEX: pick(env, 'ELASTIC_CATEGORIES_INDEX') ?? 'categories',
  };
  for (const [variable, name] of Object.entries(indices)) {
    if (!isIndexName(name)) {
      issues.push({ variable, expected: 'an index name: lower case, no spaces or \\ / * ? " < > | , # :, not starting with - _ +' });
    }
  }

  if (rawNodes === undefined && cloudId === undefined) {
    if (apiKey !== undefined || username !== undefined || password !== undefined) {
      issues.push({ variable: 'ELASTIC_NODE', expected: 'node URLs or ELASTIC_CLOUD_ID (required because Elasticsearch credentials are set)' });
    }
    // TLS variables without a node are still checked (a pasted key in the wrong variable is reported).
    readTls(env, 'ELASTIC', false, issues, []);
    return undefined;
  }
  if (rawNodes !== undefined && cloudId !== undefined) {
    issues.push({ variable: 'ELASTIC_NODE', expected: 'either ELASTIC_NODE or ELASTIC_CLOUD_ID, not both' });
  }

  let nodes: NodeUrl[] | undefined;
  if (rawNodes !== undefined) {
    const items = rawNodes.split(',').map((item) => item.trim()).filter((item) => item !== '');
    const parsed = items.map(parseNode);
    if (items.length === 0 || parsed.some((node) => node === undefined)) {
      issues.push({ variable: 'ELASTIC_NODE', expected: 'comma-separated http(s)://host[:port][/path] URLs (IPv6 in brackets)' });
    } else if (parsed.includes('credentials')) {
      issues.push({ variable: 'ELASTIC_NODE', expected: 'URLs without credentials: set ELASTIC_API_KEY or ELASTIC_USERNAME/ELASTIC_PASSWORD' });
    } else {
      nodes = parsed as NodeUrl[];
    }
  }
  const cloudTarget = cloudId !== undefined ? cloudIdTarget(cloudId) : undefined;
  if (cloudId !== undefined && cloudTarget === undefined) {
    issues.push({ variable: 'ELASTIC_CLOUD_ID', expected: 'an Elastic Cloud id: <name>:<base64 of host$es-uuid$kibana-uuid>' });
  }

  if ((username === undefined) !== (password === undefined)) {
    issues.push({ variable: username === undefined ? 'ELASTIC_USERNAME' : 'ELASTIC_PASSWORD', expected: 'ELASTIC_USERNAME and ELASTIC_PASSWORD are set together' });
  }
  if (cloudId !== undefined && apiKey === undefined && (username === undefined || password === undefined)) {
    issues.push({ variable: 'ELASTIC_API_KEY', expected: 'an API key (or ELASTIC_USERNAME and ELASTIC_PASSWORD): Elastic Cloud requires credentials' });
  }
  if (apiKey !== undefined && /\s/.test(apiKey)) {
    issues.push({ variable: 'ELASTIC_API_KEY', expected: 'the encoded API key (base64 of id:key), without spaces or a scheme such as "ApiKey "' });
  }
  if (apiKey !== undefined && username !== undefined) {
    warnings.push('ELASTIC_API_KEY is set: ELASTIC_USERNAME and ELASTIC_PASSWORD are ignored');
  }

  const https = cloudId !== undefined || (nodes ?? []).some((node) => node.https);
  const tls = readTls(env, 'ELASTIC', https, issues, warnings);
  // The client picks TLS from each URL's scheme: the two must agree, or TLS settings would silently not apply.
  if (tls && nodes?.some((node) => !node.https)) {
    issues.push({ variable: 'ELASTIC_NODE', expected: 'https:// URLs when ELASTIC_TLS is on (every node, or none)' });
  }
  if (!tls && https) {
    issues.push({ variable: 'ELASTIC_TLS', expected: 'true or unset: ELASTIC_NODE uses https:// (or ELASTIC_CLOUD_ID is set)' });
  }

  if ((!nodes && !cloudTarget) || (nodes && cloudId !== undefined)) return undefined;
  return {
    ...(nodes ? { nodes: nodes.map((node) => node.url) } : {}),
    ...(cloudId !== undefined ? { cloudId } : {}),
    ...(apiKey !== undefined ? { apiKey } : {}),
    ...(apiKey === undefined && username !== undefined ? { username } : {}),
    ...(apiKey === undefined && password !== undefined ? { password } : {}),
    accountsIndex: indices.ELASTIC_ACCOUNTS_INDEX,
    categoriesIndex: indices.ELASTIC_CATEGORIES_INDEX,
    ...(tls ? { tls } : {}),
    requestTimeoutMs: v.ELASTIC_REQUEST_TIMEOUT_MS as number,
    maxRetries: v.ELASTIC_MAX_RETRIES as number,
    compression: (v.ELASTIC_COMPRESSION as boolean | undefined) ?? false,
    retry,
    target: nodes ? nodes.map((node) => node.url).join(',') : cloudTarget!,
  };
}
