import type { ConfigIssue } from '../errors.js';
import { intWithDefault, optionalInt, optionalString, readEnv, tryDecode, type Env } from './env.js';
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

const URL_SHAPE = 'mongodb://[user:password@]host[:port][,host:port...][/database][?options] or mongodb+srv://...';
const MONGO_URL = /^(mongodb(?:\+srv)?):\/\/(?:[^@/?]*@)?([^/?@]+)(?:\/([^?]*))?(?:\?(.*))?$/;

interface UrlParts {
  readonly srv: boolean;
  readonly hosts: string;
  readonly dbName?: string;
  readonly tls?: boolean;
}

/** Splits a MongoDB connection string without a WHATWG URL parser (which rejects host lists). */
export function parseMongoUrl(raw: string): UrlParts | undefined {
  const match = MONGO_URL.exec(raw);
  if (!match) return undefined;
  const [, scheme = '', hosts = '', path = '', query = ''] = match;
  const params = new URLSearchParams(query);
  const flag = params.get('tls') ?? params.get('ssl');
  const dbName = tryDecode(path);
  if (dbName === undefined) return undefined;
  return {
    srv: scheme === 'mongodb+srv',
    hosts,
    ...(dbName ? { dbName } : {}),
    ...(flag !== null ? { tls: flag === 'true' } : {}),
  };
}

/** Reads the MongoDB section; `undefined` when neither `MONGODB_URL` nor `DATABASE_URL_ONLINE` is set. */
export function readMongoConfig(env: Env, issues: ConfigIssue[], warnings: string[]): MongoConfig | undefined {
  const v = readEnv(
    env,
    {
      MONGODB_DB_NAME: optionalString('a database name'),
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
  const parts = parseMongoUrl(url);
  if (!parts) issues.push({ variable: urlVariable, expected: URL_SHAPE });

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
