import type { ConfigIssue } from '../errors.js';
import { intWithDefault, isDnsName, isIPv4Address, isIPv6Address, optionalString, readEnv, type Env } from './env.js';

/** One Algolia API host, in the shape algoliasearch's `hosts` option takes. */
export interface AlgoliaHost {
  /** Host name or IP address, without scheme or port. */
  readonly url: string;
  readonly protocol: 'http' | 'https';
  readonly port?: number;
}

/** Algolia settings. Present in `DbConfig` only when an application id is set. */
export interface AlgoliaConfig {
  /** `ALGOLIA_APP_ID`, else `NEXT_PUBLIC_ALGOLIA_APP_ID`. */
  readonly appId: string;
  /** `ALGOLIA_WRITE_API_KEY`: the key of `AlgoliaProvider.client`. Redacted in logs, never in a message. */
  readonly writeApiKey?: string;
  /** `ALGOLIA_SEARCH_API_KEY`, else `NEXT_PUBLIC_ALGOLIA_SEARCH_API_KEY`: the key of `searchClient`. */
  readonly searchApiKey?: string;
  /** `ALGOLIA_HOSTS`: replaces Algolia's own hosts (local servers, proxies), tried in this order. */
  readonly hosts?: readonly AlgoliaHost[];
  /** @default 2000 */
  readonly connectTimeoutMs: number;
  /** @default 5000 */
  readonly readTimeoutMs: number;
  /** @default 30000 */
  readonly writeTimeoutMs: number;
  /** Prepended by `AlgoliaProvider.indexName()` to scope index names per environment, e.g. `staging_`. @default '' */
  readonly indexPrefix: string;
  /** Where requests go, without keys, for logs and reports. */
  readonly target: string;
}

/** Every variable the Algolia section reads. */
export const ALGOLIA_VARIABLES: readonly string[] = [
  'ALGOLIA_APP_ID', 'ALGOLIA_WRITE_API_KEY', 'ALGOLIA_SEARCH_API_KEY', 'NEXT_PUBLIC_ALGOLIA_APP_ID',
  'NEXT_PUBLIC_ALGOLIA_SEARCH_API_KEY', 'ALGOLIA_HOSTS', 'ALGOLIA_CONNECT_TIMEOUT_MS', 'ALGOLIA_READ_TIMEOUT_MS',
  'ALGOLIA_WRITE_TIMEOUT_MS', 'ALGOLIA_INDEX_PREFIX',
];

const HOST_ITEM = /^(?:(https?):\/\/)?(?:\[([^\]]+)\]|([^:/[\]]+))(?::(\d{1,5}))?\/?$/i;

/**
 * Letters and digits: the id becomes part of host names (`<appId>-dsn.algolia.net`), so at most 59 of them keep that
 * label within DNS's 63 characters.
 */
const APP_ID = /^[A-Za-z0-9]{1,59}$/;

/** Parses `ALGOLIA_HOSTS`: comma-separated `http(s)://host[:port]` (https when the scheme is left out). */
export function parseAlgoliaHosts(raw: string): AlgoliaHost[] | undefined {
  const items = raw.split(',').map((item) => item.trim()).filter((item) => item !== '');
  if (items.length === 0) return undefined;
  const hosts: AlgoliaHost[] = [];
  for (const item of items) {
    const match = HOST_ITEM.exec(item);
    if (!match) return undefined;
    const [, scheme, ipv6, name] = match;
    if (ipv6 !== undefined ? !isIPv6Address(ipv6) : !(isDnsName(name ?? '') || isIPv4Address(name ?? ''))) return undefined;
    const port = match[4] === undefined ? undefined : Number(match[4]);
    if (port !== undefined && (port < 1 || port > 65535)) return undefined;
    const protocol = (scheme?.toLowerCase() ?? 'https') as 'http' | 'https';
    hosts.push({ url: ipv6 !== undefined ? `[${ipv6}]` : name!, protocol, ...(port !== undefined ? { port } : {}) });
  }
  return hosts;
}

function pick(env: Env, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = env[name]?.trim();
    if (value) return value;
  }
  return undefined;
}

/** Reads the Algolia section; `undefined` when no application id and no key is set. */
export function readAlgoliaConfig(env: Env, issues: ConfigIssue[]): AlgoliaConfig | undefined {
  const v = readEnv(
    env,
    {
      ALGOLIA_CONNECT_TIMEOUT_MS: intWithDefault(1, 2000, 'milliseconds, an integer >= 1'),
      ALGOLIA_READ_TIMEOUT_MS: intWithDefault(1, 5000, 'milliseconds, an integer >= 1'),
      ALGOLIA_WRITE_TIMEOUT_MS: intWithDefault(1, 30_000, 'milliseconds, an integer >= 1'),
      ALGOLIA_INDEX_PREFIX: optionalString('an index name prefix such as staging_'),
    },
    issues,
  );
  const appIdVariable = ['ALGOLIA_APP_ID', 'NEXT_PUBLIC_ALGOLIA_APP_ID'].find((name) => env[name]?.trim());
  const appId = appIdVariable === undefined ? undefined : env[appIdVariable]!.trim();
  const writeApiKey = pick(env, 'ALGOLIA_WRITE_API_KEY');
  const searchApiKey = pick(env, 'ALGOLIA_SEARCH_API_KEY', 'NEXT_PUBLIC_ALGOLIA_SEARCH_API_KEY');
  if (appId === undefined) {
    if (writeApiKey !== undefined || searchApiKey !== undefined) {
      issues.push({ variable: 'ALGOLIA_APP_ID', expected: 'the application id (required because an Algolia API key is set)' });
    }
    return undefined;
  }
  const appIdValid = APP_ID.test(appId);
  if (!appIdValid) {
    issues.push({ variable: appIdVariable!, expected: 'the application id: letters and digits only (like ABCDEF1234)' });
  }
  if (writeApiKey === undefined && searchApiKey === undefined) {
    issues.push({
      variable: 'ALGOLIA_WRITE_API_KEY',
      expected: 'an API key (or ALGOLIA_SEARCH_API_KEY for search-only use) because ALGOLIA_APP_ID is set',
    });
  }
  const rawHosts = env.ALGOLIA_HOSTS?.trim();
  const hosts = rawHosts ? parseAlgoliaHosts(rawHosts) : undefined;
  if (rawHosts && !hosts) {
    issues.push({ variable: 'ALGOLIA_HOSTS', expected: 'comma-separated http(s)://host[:port] list (IPv6 in brackets)' });
  }
  // Nothing below may carry an invalid id into a host name or `target`; the issue above fails the load.
  if (!appIdValid) return undefined;
  const target = hosts
    ? hosts.map((h) => `${h.protocol}://${h.url}${h.port ? `:${h.port}` : ''}`).join(',')
    : `https://${appId}.algolia.net`;
  return {
    appId,
    ...(writeApiKey !== undefined ? { writeApiKey } : {}),
    ...(searchApiKey !== undefined ? { searchApiKey } : {}),
    ...(hosts ? { hosts } : {}),
    connectTimeoutMs: v.ALGOLIA_CONNECT_TIMEOUT_MS as number,
    readTimeoutMs: v.ALGOLIA_READ_TIMEOUT_MS as number,
    writeTimeoutMs: v.ALGOLIA_WRITE_TIMEOUT_MS as number,
    indexPrefix: (v.ALGOLIA_INDEX_PREFIX as string | undefined) ?? '',
    target,
  };
}
