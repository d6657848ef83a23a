import type { ConfigIssue } from '../errors.js';
import { makeValidator, type ValidatorSpec } from 'envalid';
import {
  credentialsWellFormed,
  hasControlCharacter,
  intWithDefault,
  isDnsName,
  MAX_INT_SETTING,
  optionalInt,
  optionalString,
  parseHostPort,
  PERCENT_ENCODE_HINT,
  readEnv,
  splitUrl,
  tryDecode,
  type Env,
} from './env.js';
import { readRetry, retryVariables, type RetryPolicy } from './retry.js';
import { readTls, tlsVariables, type TlsConfig } from './tls.js';

/** MongoDB read preference modes. */
export const MONGO_READ_PREFERENCES = ['primary', 'primaryPreferred', 'secondary', 'secondaryPreferred', 'nearest'] as const;
/** A MongoDB read preference mode. */
export type MongoReadPreference = (typeof MONGO_READ_PREFERENCES)[number];

/** MongoDB (native driver) settings. Present in `DbConfig` only when a connection string is set. */
export interface MongoConfig {
  /** The connection string, credentials included: never log it (the logger strips credentials from `url` fields). */
  readonly url: string;
  /** Which variable the URL came from: `MONGODB_URL`, else `DATABASE_URL_ONLINE`. */
  readonly urlVariable: 'MONGODB_URL' | 'DATABASE_URL_ONLINE';
  /** Where the client connects, without credentials or query string, for logs and reports. */
  readonly target: string;
  /** Default database of `db()`: `MONGODB_DB_NAME`, else the path of the URL. */
  readonly dbName?: string;
  /** @default 20 */
  readonly maxPoolSize: number;
  /** @default 0 */
  readonly minPoolSize: number;
  /** @default 60000 */
  readonly maxIdleTimeMs: number;
  /** How long an operation waits for a pooled connection. @default 10000 */
  readonly waitQueueTimeoutMs: number;
  /** @default 10000 */
  readonly serverSelectionTimeoutMs: number;
  /** @default 10000 */
  readonly connectTimeoutMs: number;
  readonly appName?: string;
  /** Read preference of `MongoProvider.readDb()`, for reads that tolerate staleness. @default 'secondaryPreferred' */
  readonly readPreference: MongoReadPreference;
  /** Staleness bound of `readDb()` reads (>= 90, not with `primary`). */
  readonly maxStalenessSeconds?: number;
  /** `undefined` when TLS is off. On for `mongodb+srv://` and for `tls=true`/`ssl=true` in the URL. */
  readonly tls?: TlsConfig;
  /** True when `MONGODB_TLS` was set: it then overrides what the URL says. */
  readonly tlsExplicit: boolean;
  readonly retry: RetryPolicy;
}

/** Every variable the MongoDB section reads. */
export const MONGO_VARIABLES: readonly string[] = [
  'MONGODB_URL', 'DATABASE_URL_ONLINE', 'MONGODB_DB_NAME', 'MONGODB_MAX_POOL_SIZE', 'MONGODB_MIN_POOL_SIZE',
  'MONGODB_MAX_IDLE_TIME_MS', 'MONGODB_WAIT_QUEUE_TIMEOUT_MS', 'MONGODB_SERVER_SELECTION_TIMEOUT_MS',
  'MONGODB_CONNECT_TIMEOUT_MS', 'MONGODB_APP_NAME', 'MONGODB_READ_PREFERENCE', 'MONGODB_MAX_STALENESS_SECONDS',
  ...tlsVariables('MONGODB'), ...retryVariables('MONGODB'),
];

/** The shape of a MongoDB connection string, for `expected`. */
export const MONGO_URL_SHAPE = 'mongodb://host[:port][,host:port...][/database][?options] or mongodb+srv://..., credentials as user:password@ before the hosts';

/** What a MongoDB database name may be (the server's rules), for `expected`. */
export const DB_NAME_RULES = 'a MongoDB database name: 1-63 bytes, none of / \\ . space " $ * < > : | ? and no NUL';

/** True for a name MongoDB accepts as a database: 1-63 bytes, none of `/\. "$*<>:|?`, no NUL. */
export function isMongoDbName(name: string): boolean {
  return name !== '' && Buffer.byteLength(name, 'utf8') < 64 && !/[/\\. "$*<>:|?\0]/.test(name);
}

/** Optional database name that {@link isMongoDbName} accepts. */
function optionalDbName(desc: string): ValidatorSpec<string> {
  const validator = makeValidator<string>((input) => {
    if (!isMongoDbName(input)) throw new Error('not a database name');
    return input;
  });
  return validator({ desc, default: undefined }) as ValidatorSpec<string>;
}

interface UrlParts {
  readonly srv: boolean;
  /** The host list, validated: no credential can be part of it. */
  readonly hosts: string;
  readonly dbName?: string;
  readonly tls?: boolean;
  /** The `?options` part, still %-escaped (`''` when absent). */
  readonly query: string;
}

/** A parsed MongoDB connection string, or what is wrong with it (never quoting it). */
export type MongoUrlResult = { readonly ok: true; readonly parts: UrlParts } | { readonly ok: false; readonly expected: string };

/** `%2F...sock`: a Unix socket path, which the driver accepts as a host. */
function isSocketHost(item: string): boolean {
  const path = /^%2f/i.test(item) ? tryDecode(item) : undefined;
  return path !== undefined && /^\/[^\s@?#]*\.sock$/.test(path);
}

/** A host list: `host[:port]` items (IPv6 in brackets); `mongodb+srv` takes one DNS name without a port. */
function hostsValid(authority: string, srv: boolean): boolean {
  const items = authority.split(',');
  if (srv) return items.length === 1 && isDnsName(items[0]!);
  return items.every((item) => {
    if (isSocketHost(item)) return true;
    try {
      parseHostPort(item, 27017);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * Parses a MongoDB connection string without a WHATWG URL parser (which rejects host lists). The credentials run up
 * to the last `@`; when they hold an unescaped reserved character the string is rejected (the driver would be too)
 * with a hint to percent-encode. `shape` starts every `expected`.
 */
export function readMongoUrl(raw: string, shape = MONGO_URL_SHAPE): MongoUrlResult {
  const split = splitUrl(raw);
  if (!split || (split.scheme !== 'mongodb' && split.scheme !== 'mongodb+srv')) return { ok: false, expected: shape };
  if (split.userinfo !== undefined) {
    if (!credentialsWellFormed(split.userinfo)) return { ok: false, expected: `${shape}; ${PERCENT_ENCODE_HINT}` };
    const colon = split.userinfo.indexOf(':');
    const user = colon === -1 ? split.userinfo : split.userinfo.slice(0, colon);
    const password = colon === -1 ? '' : split.userinfo.slice(colon + 1);
    if (user === '') return { ok: false, expected: `${shape}; the user name is empty` };
    const decoded = [tryDecode(user), tryDecode(password)];
    if (decoded.some((part) => part === undefined || hasControlCharacter(part))) {
      return { ok: false, expected: `${shape}; user and password must be valid %-escaped text without control characters` };
    }
  }
  if (split.fragment) return { ok: false, expected: `${shape}; ${PERCENT_ENCODE_HINT}` };
  const srv = split.scheme === 'mongodb+srv';
  if (!hostsValid(split.authority, srv)) {
    return {
      ok: false,
      expected: srv
        ? `${shape}; mongodb+srv takes one DNS host name without a port`
        : `${shape}; each host a DNS name, IPv4 or [IPv6] address with an optional port 1-65535`,
    };
  }
  const dbName = tryDecode(split.path ?? '');
  if (dbName === undefined) return { ok: false, expected: `${shape}; the path has a malformed %-escape` };
  if (dbName !== '' && !isMongoDbName(dbName)) return { ok: false, expected: `the database in the path: ${DB_NAME_RULES}` };
  const query = split.query ?? '';
  const params = new URLSearchParams(query);
  const flag = params.get('tls') ?? params.get('ssl');
  return {
    ok: true,
    parts: {
      srv,
      hosts: split.authority,
      ...(dbName ? { dbName } : {}),
      ...(flag !== null ? { tls: flag === 'true' } : {}),
      query,
    },
  };
}

/**
 * Connection-string parameters that are counts or milliseconds: integers from 0 to {@link MAX_INT_SETTING}, as the
 * `MONGODB_*` settings are. The driver takes larger ones and its timers overflow (`heartbeatFrequencyMS=3000000000`
 * polls every millisecond).
 */
const URL_INTEGER_PARAMETERS = [
  'maxPoolSize', 'minPoolSize', 'maxIdleTimeMS', 'connectTimeoutMS', 'serverSelectionTimeoutMS', 'socketTimeoutMS',
  'heartbeatFrequencyMS', 'localThresholdMS', 'waitQueueTimeoutMS',
];

/** The known spelling of `name` among `known` (matched case-insensitively), so that no text of the URL is echoed. */
export function knownName(name: string, known: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  return known.find((candidate) => candidate.toLowerCase() === lower);
}

/** Adds an issue naming `variable` for each integer parameter of a connection string that is out of range. */
export function checkUrlIntegers(params: URLSearchParams, variable: string, issues: ConfigIssue[]): void {
  for (const [name, value] of params) {
    const integer = knownName(name, URL_INTEGER_PARAMETERS);
    if (integer !== undefined && !(/^\d{1,10}$/.test(value) && Number(value) <= MAX_INT_SETTING)) {
      issues.push({ variable, expected: `URL parameter ${integer} to be an integer >= 0, at most ${MAX_INT_SETTING}` });
    }
  }
}

/** Splits a MongoDB connection string; `undefined` when it is invalid (see {@link readMongoUrl} for why). */
export function parseMongoUrl(raw: string): Omit<UrlParts, 'query'> | undefined {
  const result = readMongoUrl(raw);
  if (!result.ok) return undefined;
  const { srv, hosts, dbName, tls } = result.parts;
  return { srv, hosts, ...(dbName !== undefined ? { dbName } : {}), ...(tls !== undefined ? { tls } : {}) };
}

/** Reads the MongoDB section; `undefined` when neither `MONGODB_URL` nor `DATABASE_URL_ONLINE` is set. */
export function readMongoConfig(env: Env, issues: ConfigIssue[], warnings: string[]): MongoConfig | undefined {
  const v = readEnv(
    env,
    {
      MONGODB_DB_NAME: optionalDbName(DB_NAME_RULES),
      MONGODB_MAX_POOL_SIZE: intWithDefault(1, 20, 'an integer >= 1'),
      MONGODB_MIN_POOL_SIZE: intWithDefault(0, 0, 'an integer >= 0'),
      MONGODB_MAX_IDLE_TIME_MS: intWithDefault(0, 60_000, 'milliseconds, an integer >= 0 (0 = no limit)'),
      MONGODB_WAIT_QUEUE_TIMEOUT_MS: intWithDefault(0, 10_000, 'milliseconds, an integer >= 0 (0 = no limit)'),
      MONGODB_SERVER_SELECTION_TIMEOUT_MS: intWithDefault(1, 10_000, 'milliseconds, an integer >= 1'),
      MONGODB_CONNECT_TIMEOUT_MS: intWithDefault(1, 10_000, 'milliseconds, an integer >= 1'),
      MONGODB_APP_NAME: optionalString('an application name shown in server logs'),
      MONGODB_READ_PREFERENCE: optionalString(`one of ${MONGO_READ_PREFERENCES.join(', ')}`, MONGO_READ_PREFERENCES),
      MONGODB_MAX_STALENESS_SECONDS: optionalInt(90, 'seconds, an integer >= 90'),
    },
    issues,
  );
  const urlVariable = env.MONGODB_URL?.trim() ? 'MONGODB_URL' : env.DATABASE_URL_ONLINE?.trim() ? 'DATABASE_URL_ONLINE' : undefined;
  if (urlVariable === undefined) return undefined;
  const url = (env[urlVariable] ?? '').trim();
  const parsed = readMongoUrl(url);
  const parts = parsed.ok ? parsed.parts : undefined;
  if (!parsed.ok) issues.push({ variable: urlVariable, expected: parsed.expected });
  else checkUrlIntegers(new URLSearchParams(parsed.parts.query), urlVariable, issues);

  const readPreference = (v.MONGODB_READ_PREFERENCE as MongoReadPreference | undefined) ?? 'secondaryPreferred';
  const maxStalenessSeconds = v.MONGODB_MAX_STALENESS_SECONDS as number | undefined;
  if (maxStalenessSeconds !== undefined && readPreference === 'primary') {
    issues.push({ variable: 'MONGODB_MAX_STALENESS_SECONDS', expected: 'unset when MONGODB_READ_PREFERENCE=primary' });
  }
  const maxPoolSize = v.MONGODB_MAX_POOL_SIZE as number;
  const minPoolSize = v.MONGODB_MIN_POOL_SIZE as number;
  if (minPoolSize > maxPoolSize) {
    issues.push({ variable: 'MONGODB_MIN_POOL_SIZE', expected: 'at most MONGODB_MAX_POOL_SIZE' });
  }
  const tlsExplicit = (env.MONGODB_TLS ?? '').trim() !== '';
  const tls = readTls(env, 'MONGODB', parts ? parts.srv || parts.tls === true : false, issues, warnings);
  const scheme = parts?.srv ? 'mongodb+srv' : 'mongodb';
  const dbName = (v.MONGODB_DB_NAME as string | undefined) ?? parts?.dbName;
  return {
    url,
    urlVariable,
    target: `${scheme}://${parts?.hosts ?? '?'}/${dbName ?? ''}`,
    ...(dbName ? { dbName } : {}),
    maxPoolSize,
    minPoolSize,
    maxIdleTimeMs: v.MONGODB_MAX_IDLE_TIME_MS as number,
    waitQueueTimeoutMs: v.MONGODB_WAIT_QUEUE_TIMEOUT_MS as number,
    serverSelectionTimeoutMs: v.MONGODB_SERVER_SELECTION_TIMEOUT_MS as number,
    connectTimeoutMs: v.MONGODB_CONNECT_TIMEOUT_MS as number,
    ...(v.MONGODB_APP_NAME ? { appName: v.MONGODB_APP_NAME as string } : {}),
    readPreference,
    ...(maxStalenessSeconds !== undefined ? { maxStalenessSeconds } : {}),
    ...(tls ? { tls } : {}),
    tlsExplicit,
    retry: readRetry(env, 'MONGODB', issues),
  };
}
