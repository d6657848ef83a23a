import { ConfigError, type ConfigIssue } from '../errors.js';
import { deepFreeze, hasControlCharacter, intWithDefault, optionalString, readEnv, type Env } from './env.js';
import { MAX_CONFIG_FILE_BYTES } from './tls.js';
import { readRedisConfig, REDIS_VARIABLES, type RedisConfig } from './redis.js';
import { KAFKA_VARIABLES, readKafkaConfig, type KafkaConfig } from './kafka.js';
import { ALGOLIA_VARIABLES, readAlgoliaConfig, type AlgoliaConfig } from './algolia.js';
import { MONGO_VARIABLES, readMongoConfig, type MongoConfig } from './mongo.js';
import { PRISMA_VARIABLES, readPrismaConfig, type PrismaConfig } from './prisma.js';
import { CACHE_VARIABLES, readCacheConfig, type CacheConfig } from './cache.js';
import { ELASTICSEARCH_VARIABLES, readElasticsearchConfig, type ElasticsearchConfig } from './elasticsearch.js';

/** pino level names accepted by `LOG_LEVEL`. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
/** A pino level name. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Validated, frozen configuration of every client. A section is absent when that client is not configured. */
export interface DbConfig {
  /** Deadline of a whole disposal (`DB_SHUTDOWN_TIMEOUT_MS`). @default 10000 */
  readonly shutdownTimeoutMs: number;
  /** `LOG_LEVEL`. @default 'info' */
  readonly logLevel: LogLevel;
  readonly redis?: RedisConfig;
  readonly kafka?: KafkaConfig;
  readonly mongo?: MongoConfig;
  readonly algolia?: AlgoliaConfig;
  readonly elasticsearch?: ElasticsearchConfig;
  readonly prisma?: PrismaConfig;
  /** Always present (every value has a default); the cache is usable only when Redis is configured. */
  readonly cache: CacheConfig;
  /** Non-fatal findings (for example TLS verification switched off); logged when a container is created. */
  readonly warnings: readonly string[];
}

/** Every environment variable the package reads (`.env.example` lists the same). */
export const CONFIG_VARIABLES: readonly string[] = ['DB_SHUTDOWN_TIMEOUT_MS', 'LOG_LEVEL', ...REDIS_VARIABLES,
  ...KAFKA_VARIABLES,
  ...MONGO_VARIABLES,
  ...PRISMA_VARIABLES,
  ...ALGOLIA_VARIABLES,
  ...ELASTICSEARCH_VARIABLES,
  ...CACHE_VARIABLES,
];

/**
 * Longest value of any variable but an inline PEM (16 KiB, in UTF-8 bytes after trimming): longer than any URL, host
 * list, credential or name the package reads, short enough that no header or log line built from one is huge.
 */
export const MAX_VALUE_BYTES = 16 * 1024;

/** Inline PEM variables: they hold line breaks, and as much as a `*_FILE` may ({@link MAX_CONFIG_FILE_BYTES}). */
const PEM_VARIABLE = /^(?:[A-Z]+_TLS_(?:CA|CERT|KEY)|KAFKA_SSL_(?:CA|CERT|KEY)|KAFKA_CA_CERT)$/;

const KIB = 1024;

/**
 * The checks every variable the package reads goes through before its own validator: at most
 * {@link MAX_VALUE_BYTES}, and no control character (C0 or DEL), since values become credentials, HTTP header values,
 * index names, key prefixes and log fields. Inline PEM variables may hold tab, CR and LF, and up to
 * {@link MAX_CONFIG_FILE_BYTES}. Returns one issue per refused variable; none quotes the value.
 */
function checkValues(env: Env): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const variable of new Set(CONFIG_VARIABLES)) {
    const value = env[variable]?.trim();
    if (!value) continue;
    const pem = PEM_VARIABLE.test(variable);
    const cap = pem ? MAX_CONFIG_FILE_BYTES : MAX_VALUE_BYTES;
    const tooLong = value.length > cap || Buffer.byteLength(value, 'utf8') > cap;
    const control = hasControlCharacter(value, pem);
    if (!tooLong && !control) continue;
    const reason = tooLong ? 'the value is longer' : 'the value holds a control character';
    const size = cap >= KIB * KIB ? `${cap / KIB / KIB} MiB` : `${cap / KIB} KiB`;
    const expected = pem
      ? `PEM text of at most ${size}, without control characters other than tab, CR and LF (${reason})`
      : variable.endsWith('_FILE')
        ? `a path of at most ${size} without control characters such as NUL, tab, CR or LF (${reason}); PEM text belongs in ${variable.slice(0, -'_FILE'.length)}`
        : `text of at most ${size} without control characters such as NUL, tab, CR or LF (${reason})`;
    issues.push({ variable, expected });
  }
  return issues;
}

function uniqueIssues(issues: readonly ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${issue.variable}\0${issue.expected}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Parses the environment once into a typed, frozen {@link DbConfig}. Every value is checked first for length
 * ({@link MAX_VALUE_BYTES}) and control characters; files named by `*_FILE` variables must be regular files of at most
 * {@link MAX_CONFIG_FILE_BYTES}.
 * @param env the variables to read. @default process.env
 * @throws {ConfigError} listing every invalid variable at once, each with what was expected; values are never echoed.
 */
export function loadConfig(env: Env = process.env): DbConfig {
  const refused = checkValues(env);
  const issues: ConfigIssue[] = [];
  const warnings: string[] = [];
  const base = readEnv(
    env,
    {
      DB_SHUTDOWN_TIMEOUT_MS: intWithDefault(1, 10_000, 'milliseconds, an integer >= 1'),
      LOG_LEVEL: optionalString(`one of ${LOG_LEVELS.join(', ')}`, LOG_LEVELS),
    },
    issues,
  );
  const redis = readRedisConfig(env, issues, warnings);
  const kafka = readKafkaConfig(env, issues, warnings);
  const mongo = readMongoConfig(env, issues, warnings);
  const algolia = readAlgoliaConfig(env, issues);
  const elasticsearch = readElasticsearchConfig(env, issues, warnings);
  const prisma = readPrismaConfig(env, issues, warnings);
  const cache = readCacheConfig(env, issues);
  // A refused value gets the one issue that says why: what its own validator made of it would only add noise.
  const refusedNames = new Set(refused.map((issue) => issue.variable));
  const all = [...refused, ...issues.filter((issue) => !refusedNames.has(issue.variable))];
  // DATABASE_URL_ONLINE feeds both the MongoDB and the Prisma section: the same problem is listed once.
  if (all.length > 0) throw new ConfigError(uniqueIssues(all));
  return deepFreeze({
    shutdownTimeoutMs: base.DB_SHUTDOWN_TIMEOUT_MS as number,
    logLevel: (base.LOG_LEVEL as LogLevel | undefined) ?? 'info',
    ...(redis ? { redis } : {}),
    ...(kafka ? { kafka } : {}),
    ...(mongo ? { mongo } : {}),
    ...(algolia ? { algolia } : {}),
    ...(elasticsearch ? { elasticsearch } : {}),
    ...(prisma ? { prisma } : {}),
    cache,
    warnings,
  });
}

export type { RedisConfig, RedisMode } from './redis.js';
export type { KafkaConfig, KafkaPartitioner, KafkaSasl, KafkaSaslMechanism } from './kafka.js';
export type { MongoConfig, MongoReadPreference } from './mongo.js';
export type { AlgoliaConfig, AlgoliaHost } from './algolia.js';
export type { ElasticsearchConfig } from './elasticsearch.js';
export type { PrismaConfig } from './prisma.js';
export type { CacheConfig } from './cache.js';
export type { RetryPolicy } from './retry.js';
export type { TlsConfig } from './tls.js';
export type { HostPort } from './env.js';
