import type { ConfigIssue } from '../errors.js';
import { optionalBool, readEnv, type Env } from './env.js';
import { checkUrlIntegers, knownName, readMongoUrl } from './mongo.js';
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

const URL_SHAPE = 'mongodb://host[:port][,host:port...]/database[?options] or mongodb+srv://..., credentials as user:password@ before the hosts';

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
  checkUrlIntegers(params, 'DATABASE_URL_ONLINE', issues);
  for (const [name, value] of params) {
    const boolean = knownName(name, BOOLEAN_PARAMETERS);
    if (boolean !== undefined && !/^(true|false)$/i.test(value)) {
      issues.push({ variable: 'DATABASE_URL_ONLINE', expected: `URL parameter ${boolean} to be true or false` });
    }
    const sqlOnly = knownName(name, Object.keys(SQL_ONLY_PARAMETERS));
    if (sqlOnly !== undefined) {
      warnings.push(`DATABASE_URL_ONLINE: ${sqlOnly} does not apply to MongoDB; use ${SQL_ONLY_PARAMETERS[sqlOnly]!}`);
    }
    if (knownName(name, ['readPreference']) !== undefined && value.toLowerCase() !== 'primary') {
      warnings.push(
        'DATABASE_URL_ONLINE: Prisma runs MongoDB reads on the primary (readPreference other than primary is ' +
          'rejected or ignored); use MongoProvider for replica reads',
      );
    }
    const insecure = knownName(name, ['tlsAllowInvalidCertificates', 'tlsInsecure']);
    if (insecure !== undefined && value.toLowerCase() === 'true') {
      warnings.push(`DATABASE_URL_ONLINE: ${insecure}=true switches off TLS certificate verification for Prisma`);
    }
  }
}

/** Reads the Prisma section; `undefined` when `DATABASE_URL_ONLINE` is not set. */
export function readPrismaConfig(env: Env, issues: ConfigIssue[], warnings: string[]): PrismaConfig | undefined {
  const v = readEnv(env, { PRISMA_LOG_QUERIES: optionalBool('true or false') }, issues);
  const retry = readRetry(env, 'PRISMA', issues);
  const url = env.DATABASE_URL_ONLINE?.trim();
  if (!url) return undefined;
  // The same parser as the MongoDB section: credentials up to the last `@`, hosts and database validated.
  // Same wording as the MongoDB section's issue, so that loadConfig reports a bad DATABASE_URL_ONLINE once.
  const parsed = readMongoUrl(url);
  if (!parsed.ok) {
    issues.push({ variable: 'DATABASE_URL_ONLINE', expected: parsed.expected });
    return undefined;
  }
  const { srv, hosts, dbName: database = '', query } = parsed.parts;
  if (!database) {
    issues.push({ variable: 'DATABASE_URL_ONLINE', expected: `${URL_SHAPE}; Prisma needs the database name in the path` });
  }
  const scheme = srv ? 'mongodb+srv' : 'mongodb';
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
