import type { ConfigIssue } from '../errors.js';
import { optionalBool, readEnv, tryDecode, type Env } from './env.js';
import { readRetry, retryVariables, type RetryPolicy } from './retry.js';

/**
 * Prisma (MongoDB) settings. Present in `DbConfig` only when `DATABASE_URL_ONLINE` is set.
 * Pool sizes, timeouts and TLS travel as parameters of the URL, which Prisma hands to its engine's MongoDB driver:
 * `maxPoolSize`, `minPoolSize`, `maxIdleTimeMS`, `connectTimeoutMS`, `serverSelectionTimeoutMS`, `socketTimeoutMS`,
 * `heartbeatFrequencyMS`, `localThresholdMS`, `retryWrites`, `retryReads`, `w`, `appName`, `authSource`,
 * `replicaSet`, `directConnection`, `tls` (or `ssl`), `tlsCAFile`, `tlsCertificateKeyFile`,
 * `tlsCertificateKeyFilePassword`, `tlsAllowInvalidCertificates`, `tlsInsecure`.
 */
export interface PrismaConfig {
  /** `DATABASE_URL_ONLINE`, credentials included: never log it (the logger strips credentials from `url` fields). */
  readonly url: string;
  /** Where the client connects, without credentials or parameters, for logs and reports. */
  readonly target: string;
  /** The database the URL names (Prisma requires one). */
  readonly database: string;
  /** Names (never values) of the URL parameters that were given. */
  readonly urlParameters: readonly string[];
  /** Log each query's duration at `debug` (`PRISMA_LOG_QUERIES`). @default false */
  readonly logQueries: boolean;
  /** Backoff of `connect()` (`PRISMA_RETRY_*`). */
  readonly retry: RetryPolicy;
}

/** Every variable the Prisma section reads. */
export const PRISMA_VARIABLES: readonly string[] = ['DATABASE_URL_ONLINE', 'PRISMA_LOG_QUERIES', ...retryVariables('PRISMA')];

const URL_SHAPE = 'mongodb://[user:password@]host[:port][,host:port...]/database[?options] or mongodb+srv://...';
/** scheme, hosts, path, parameters; the credentials (up to the last `@` before the path) are skipped. */
const URL_PARTS = /^(mongodb|mongodb\+srv):\/\/(?:[^/?]*@)?([^@/?]+)(?:\/([^?]*))?(?:\?(.*))?$/;

/** URL parameters whose value must be a non-negative integer. */
const INTEGER_PARAMETERS = [
  'maxPoolSize', 'minPoolSize', 'maxIdleTimeMS', 'connectTimeoutMS', 'serverSelectionTimeoutMS', 'socketTimeoutMS',
  'heartbeatFrequencyMS', 'localThresholdMS', 'waitQueueTimeoutMS',
];
/** URL parameters whose value must be true or false. */
const BOOLEAN_PARAMETERS = [
  'tls', 'ssl', 'retryWrites', 'retryReads', 'directConnection', 'tlsAllowInvalidCertificates', 'tlsInsecure',
];
/** Parameters of Prisma's SQL connectors that MongoDB ignores, and what to use instead. */
const SQL_ONLY_PARAMETERS: Readonly<Record<string, string>> = {
  connection_limit: 'maxPoolSize',
  pool_timeout: 'waitQueueTimeoutMS',
  connect_timeout: 'connectTimeoutMS',
  socket_timeout: 'socketTimeoutMS',
};

function checkParameters(params: URLSearchParams, issues: ConfigIssue[], warnings: string[]): void {
  for (const [name, value] of params) {
    const lower = name.toLowerCase();
    if (INTEGER_PARAMETERS.some((known) => known.toLowerCase() === lower) && !/^\d+$/.test(value)) {
      issues.push({ variable: 'DATABASE_URL_ONLINE', expected: `URL parameter ${name} to be an integer >= 0` });
    }
    if (BOOLEAN_PARAMETERS.some((known) => known.toLowerCase() === lower) && !/^(true|false)$/i.test(value)) {
      issues.push({ variable: 'DATABASE_URL_ONLINE', expected: `URL parameter ${name} to be true or false` });
    }
    const instead = SQL_ONLY_PARAMETERS[lower];
    if (instead) warnings.push(`DATABASE_URL_ONLINE: ${name} does not apply to MongoDB; use ${instead}`);
    if (lower === 'readpreference' && value.toLowerCase() !== 'primary') {
      warnings.push(
        'DATABASE_URL_ONLINE: Prisma runs MongoDB reads on the primary (readPreference other than primary is ' +
          'rejected or ignored); use MongoProvider for replica reads',
      );
    }
    if ((lower === 'tlsallowinvalidcertificates' || lower === 'tlsinsecure') && value.toLowerCase() === 'true') {
      warnings.push(`DATABASE_URL_ONLINE: ${name}=true switches off TLS certificate verification for Prisma`);
    }
  }
}

/** Reads the Prisma section; `undefined` when `DATABASE_URL_ONLINE` is not set. */
export function readPrismaConfig(env: Env, issues: ConfigIssue[], warnings: string[]): PrismaConfig | undefined {
  const v = readEnv(env, { PRISMA_LOG_QUERIES: optionalBool('true or false') }, issues);
  const retry = readRetry(env, 'PRISMA', issues);
  const url = env.DATABASE_URL_ONLINE?.trim();
  if (!url) return undefined;
  const match = URL_PARTS.exec(url);
  if (!match) {
    issues.push({ variable: 'DATABASE_URL_ONLINE', expected: URL_SHAPE });
    return undefined;
  }
  const [, scheme = '', hosts = '', path = '', query = ''] = match;
  const database = tryDecode(path);
  if (database === undefined) {
    issues.push({ variable: 'DATABASE_URL_ONLINE', expected: `${URL_SHAPE}; the path has a malformed %-escape` });
    return undefined;
  }
  if (!database) {
    issues.push({ variable: 'DATABASE_URL_ONLINE', expected: `${URL_SHAPE}; Prisma needs the database name in the path` });
  }
  const params = new URLSearchParams(query);
  checkParameters(params, issues, warnings);
  return {
    url,
    target: `${scheme}://${hosts}/${database}`,
    database,
    urlParameters: [...new Set(params.keys())],
    logQueries: (v.PRISMA_LOG_QUERIES as boolean | undefined) ?? false,
    retry,
  };
}
