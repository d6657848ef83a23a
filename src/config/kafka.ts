import type { ConfigIssue } from '../errors.js';
import {
  intWithDefault,
  isLoopback,
  optionalBool,
  optionalHostList,
  optionalString,
  readEnv,
  type Env,
  type HostPort,
} from './env.js';
import { readRetry, retryVariables, type RetryPolicy } from './retry.js';
import { readTls, tlsVariables, type TlsConfig } from './tls.js';

/** SASL mechanisms the provider passes to kafkajs. */
export const KAFKA_SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;
/** A SASL mechanism name as kafkajs spells it. */
export type KafkaSaslMechanism = (typeof KAFKA_SASL_MECHANISMS)[number];

/** SASL credentials. */
export interface KafkaSasl {
  readonly mechanism: KafkaSaslMechanism;
  readonly username: string;
  /** Redacted in logs, never in a message. */
  readonly password: string;
}

/**
 * How the shared producer picks a partition for a keyed message: `legacy` is what kafkajs 1.x and the original
 * package used (keys keep landing where they did), `default` is the Java-compatible murmur2 partitioner.
 */
export type KafkaPartitioner = 'default' | 'legacy';

/** Kafka settings. Present in `DbConfig` only when `KAFKA_SERVICE_URI` is set. */
export interface KafkaConfig {
  /** Seed brokers, `host:port`. */
  readonly brokers: readonly string[];
  /** @default 'ratecreator-app' */
  readonly clientId: string;
  /** `undefined` when TLS is off. On by default for brokers that are not loopback. */
  readonly tls?: TlsConfig;
  readonly sasl?: KafkaSasl;
  /** TCP + TLS connect timeout. @default 10000 */
  readonly connectionTimeoutMs: number;
  /** @default 30000 */
  readonly requestTimeoutMs: number;
  /** Whether sending to a missing topic creates it. @default false */
  readonly allowAutoTopicCreation: boolean;
  /** @default 'legacy' */
  readonly partitioner: KafkaPartitioner;
  /**
   * kafkajs' idempotent producer: the broker drops a retried batch it already wrote, so a send retried after a lost
   * acknowledgement is not stored twice. Needs acks=-1 (the provider's default) and retries >= 1. @default false
   */
  readonly idempotent: boolean;
  /** Mapped onto kafkajs `retry` (connects, sends and admin requests). */
  readonly retry: RetryPolicy;
  /** Where the client connects, without credentials, for logs and reports. */
  readonly target: string;
}

/** Names the original package read; each is used only when its new counterpart is unset. */
const LEGACY = { KAFKA_USERNAME: 'KAFKA_SASL_USERNAME', KAFKA_PASSWORD: 'KAFKA_SASL_PASSWORD', KAFKA_CA_CERT: 'KAFKA_SSL_CA' } as const;

/** Every variable the Kafka section reads. */
export const KAFKA_VARIABLES: readonly string[] = [
  'KAFKA_SERVICE_URI', 'KAFKA_CLIENT_ID', 'KAFKA_SASL_MECHANISM', 'KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD',
  'KAFKA_CONNECTION_TIMEOUT_MS', 'KAFKA_REQUEST_TIMEOUT_MS', 'KAFKA_ALLOW_AUTO_TOPIC_CREATION', 'KAFKA_PARTITIONER',
  'KAFKA_IDEMPOTENT', ...tlsVariables('KAFKA', 'SSL'), ...retryVariables('KAFKA'), ...Object.keys(LEGACY),
];

/** The legacy name `current` is read from, when the new name (and for the CA its `_FILE` twin) is unset. */
function legacySource(env: Env, current: string): string | undefined {
  const legacy = Object.entries(LEGACY).find(([, name]) => name === current)?.[0];
  if (legacy === undefined || !env[legacy]?.trim()) return undefined;
  const unset = !env[current]?.trim() && !env[`${current}_FILE`]?.trim();
  return unset ? legacy : undefined;
}

/** The environment with each legacy name copied to its new name where the new one is unset. */
function withLegacyNames(env: Env): Env {
  const view: Record<string, string | undefined> = { ...env };
  for (const [legacy, current] of Object.entries(LEGACY)) {
    if (legacySource(env, current)) view[current] = env[legacy];
  }
  return view;
}

function readSasl(env: Env, view: Env, issues: ConfigIssue[]): KafkaSasl | undefined {
  const rawMechanism = env.KAFKA_SASL_MECHANISM?.trim().toLowerCase();
  const username = view.KAFKA_SASL_USERNAME?.trim() || undefined;
  const password = view.KAFKA_SASL_PASSWORD?.trim() || undefined;
  if (!rawMechanism && !username && !password) return undefined;
  const legacyCredentials = legacySource(env, 'KAFKA_SASL_USERNAME') !== undefined;
  // The original package always used PLAIN with KAFKA_USERNAME / KAFKA_PASSWORD.
  const mechanism = rawMechanism || (legacyCredentials ? 'plain' : undefined);
  const choices = KAFKA_SASL_MECHANISMS.join(', ');
  let ok = true;
  if (mechanism === undefined) {
    issues.push({ variable: 'KAFKA_SASL_MECHANISM', expected: `one of ${choices} (required with SASL credentials)` });
    ok = false;
  } else if (!(KAFKA_SASL_MECHANISMS as readonly string[]).includes(mechanism)) {
    issues.push({ variable: 'KAFKA_SASL_MECHANISM', expected: `one of ${choices}` });
    ok = false;
  }
  if (!username) {
    issues.push({ variable: 'KAFKA_SASL_USERNAME', expected: 'the SASL user name (required with KAFKA_SASL_MECHANISM or a password)' });
    ok = false;
  }
  if (!password) {
    issues.push({ variable: 'KAFKA_SASL_PASSWORD', expected: 'the SASL password (required with a SASL user name)' });
    ok = false;
  }
  if (!ok) return undefined;
  return { mechanism: mechanism as KafkaSaslMechanism, username: username!, password: password! };
}

/** Reads the Kafka section; `undefined` when `KAFKA_SERVICE_URI` is not set. */
export function readKafkaConfig(env: Env, issues: ConfigIssue[], warnings: string[]): KafkaConfig | undefined {
  const view = withLegacyNames(env);
  const v = readEnv(
    view,
    {
      KAFKA_SERVICE_URI: optionalHostList(
        'comma-separated host:port list of seed brokers (IPv6 in brackets; a scheme such as kafka:// is ignored; ' +
          'no credentials: use KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD)',
        9092,
      ),
      KAFKA_CLIENT_ID: optionalString('a client id'),
      KAFKA_CONNECTION_TIMEOUT_MS: intWithDefault(1, 10_000, 'milliseconds, an integer >= 1'),
      KAFKA_REQUEST_TIMEOUT_MS: intWithDefault(1, 30_000, 'milliseconds, an integer >= 1'),
      KAFKA_ALLOW_AUTO_TOPIC_CREATION: optionalBool('true or false'),
      KAFKA_PARTITIONER: optionalString('default or legacy', ['default', 'legacy']),
      KAFKA_IDEMPOTENT: optionalBool('true or false'),
    },
    issues,
  );
  const brokers = v.KAFKA_SERVICE_URI as HostPort[] | undefined;
  if (!env.KAFKA_SERVICE_URI?.trim()) {
    const set = KAFKA_VARIABLES.filter((name) => env[name]?.trim());
    if (set.length > 0) warnings.push(`${set.join(', ')} set but KAFKA_SERVICE_URI is not: Kafka stays unconfigured`);
    return undefined;
  }
  // Everything below is checked even when the broker list is invalid, so that every issue is reported at once.
  const allLoopback = brokers !== undefined && brokers.every((broker) => isLoopback(broker.host));
  const before = issues.length;
  // The original package always used TLS with KAFKA_CA_CERT.
  const tls = readTls(view, 'KAFKA', !allLoopback || Boolean(env.KAFKA_CA_CERT?.trim()), issues, warnings, 'SSL');
  if (legacySource(env, 'KAFKA_SSL_CA')) {
    // Name the variable that was actually set.
    for (let i = before; i < issues.length; i++) {
      if (issues[i]!.variable === 'KAFKA_SSL_CA') issues[i] = { ...issues[i]!, variable: 'KAFKA_CA_CERT' };
    }
  }
  const sasl = readSasl(env, view, issues);
  const retry = readRetry(env, 'KAFKA', issues);
  const idempotent = (v.KAFKA_IDEMPOTENT as boolean | undefined) ?? false;
  // kafkajs throws when the producer is built otherwise; reported here, with the other issues, instead.
  if (idempotent && retry.retries < 1) {
    issues.push({ variable: 'KAFKA_IDEMPOTENT', expected: 'false when KAFKA_RETRY_RETRIES is 0 (an idempotent producer must retry)' });
  }
  if (brokers === undefined) return undefined;
  if (sasl?.mechanism === 'plain' && !tls && !allLoopback) {
    warnings.push('KAFKA_SASL_MECHANISM=plain without KAFKA_SSL: the SASL password crosses the network in clear text');
  }
  const list = brokers.map((broker) => `${broker.host.includes(':') ? `[${broker.host}]` : broker.host}:${broker.port}`);
  return {
    brokers: list,
    clientId: (v.KAFKA_CLIENT_ID as string | undefined) ?? 'ratecreator-app',
    ...(tls ? { tls } : {}),
    ...(sasl ? { sasl } : {}),
    connectionTimeoutMs: v.KAFKA_CONNECTION_TIMEOUT_MS as number,
    requestTimeoutMs: v.KAFKA_REQUEST_TIMEOUT_MS as number,
    allowAutoTopicCreation: (v.KAFKA_ALLOW_AUTO_TOPIC_CREATION as boolean | undefined) ?? false,
    partitioner: (v.KAFKA_PARTITIONER as KafkaPartitioner | undefined) ?? 'legacy',
    idempotent,
    retry,
    target: `${tls ? 'kafka+ssl' : 'kafka'}://${list.join(',')}`,
  };
}
