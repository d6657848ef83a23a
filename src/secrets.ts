import type { DbConfig, TlsConfig } from './config/index.js';

/**
 * What the package treats as a secret, and how it keeps secrets out of everything it hands to the application or
 * prints (errors, their causes and own properties, log lines, health, disposal and doctor reports).
 *
 * Two nets, because neither alone is enough:
 * - by value: every secret a container's configuration holds (passwords, API keys, private keys, the password inside
 *   a connection string) is registered when the container is created, and any string the package hands out or logs
 *   has each registered value (and its percent-encoded form) replaced by `***`. This catches a secret wherever a
 *   client library put it (an AUTH command's arguments, a URL in a parse error) without knowing where to look.
 * - by shape: `user:password@` inside any URL is stripped, and keys named like secrets (`password`, `apiKey`, a TLS
 *   `key`, ...) are replaced by `[Redacted]`, so a secret the package never saw (a URL typed into a log call) is
 *   still hidden.
 * The registry lives on `globalThis` under a realm-wide symbol: a second evaluation of the package (a dev server
 * reloading modules) scrubs the secrets the first one registered.
 */

/** Values shorter than this are not scrubbed by value: they cannot be told apart from ordinary text. */
export const MIN_SECRET_LENGTH = 4;
/** The text a secret value is replaced with. */
export const SCRUBBED = '***';
/** The value a secret-named key gets. */
export const REDACTED = '[Redacted]';

const REGISTRY = Symbol.for('@ratecreator/db:secrets');
interface Registry {
  readonly values: Set<string>;
  /** Longest first, so that a secret containing another is replaced whole. */
  sorted: string[];
}
function registry(): Registry {
  const holder = globalThis as { [REGISTRY]?: Registry };
  return (holder[REGISTRY] ??= { values: new Set(), sorted: [] });
}

/** Keys whose values are secrets at any depth. */
const SECRET_KEYS = new Set([
  'password', 'sentinelpassword', 'pass', 'apikey', 'writeapikey', 'searchapikey', 'secret', 'token', 'secretaccesskey',
  'sessiontoken', 'x-algolia-api-key', 'api_key', 'authorization', 'proxy-authorization', 'passphrase', 'credentials',
]);
/** Keys whose value is secret only inside a TLS object (elsewhere `key` is usually a Redis key). */
const TLS_SECRET_KEYS = new Set(['key', 'pfx']);
const TLS_PARENTS = new Set(['tls', 'ssl', 'sentineltls', 'tlsoptions']);

/** True when the value under `key` (inside `parentKey`) is a secret by its name. Both lower-case. */
export function isSecretKey(key: string, parentKey: string): boolean {
  if (SECRET_KEYS.has(key)) return true;
  if (TLS_PARENTS.has(parentKey) && TLS_SECRET_KEYS.has(key)) return true;
  // ioredis attaches the failed command to reply errors; an AUTH's arguments are the credentials.
  return parentKey === 'command' && key === 'args';
}

function add(value: string): void {
  const reg = registry();
  if (value.length < MIN_SECRET_LENGTH || reg.values.has(value)) return;
  reg.values.add(value);
  reg.sorted = [...reg.values].sort((a, b) => b.length - a.length);
}

/**
 * Registers a secret value: from now on every string the package hands out or logs has it (and its
 * percent-encoded and percent-decoded forms, and each line of a PEM body) replaced by `***`.
 */
export function registerSecret(value: string | undefined): void {
  if (!value) return;
  add(value);
  add(encodeURIComponent(value));
  try {
    add(decodeURIComponent(value));
  } catch {
    // not percent-encoded
  }
  if (value.includes('-----BEGIN')) {
    for (const line of value.split(/\r?\n|\\n/)) if (line.length >= 16 && !line.startsWith('-----')) add(line.trim());
  }
}

/** The password of `scheme://user:password@host/...` (up to the last `@` of the first token, as drivers read it). */
export function urlPassword(url: string | undefined): string | undefined {
  const match = url ? /^[a-z][a-z0-9+.-]*:\/\/(\S*)@/i.exec(url.trim()) : null;
  if (!match) return undefined;
  const userinfo = match[1] ?? '';
  const colon = userinfo.indexOf(':');
  return colon === -1 ? undefined : userinfo.slice(colon + 1);
}

function registerTls(tls: TlsConfig | undefined): void {
  registerSecret(tls?.key);
}

/** Registers every secret a configuration holds. Called for each container the package creates. */
export function registerConfigSecrets(config: DbConfig): void {
  const { redis, kafka, mongo, prisma, algolia, elasticsearch } = config;
  registerSecret(redis?.password);
  registerSecret(redis?.sentinelPassword);
  registerTls(redis?.tls);
  registerSecret(kafka?.sasl?.password);
  registerTls(kafka?.tls);
  registerSecret(urlPassword(mongo?.url));
  registerTls(mongo?.tls);
  registerSecret(urlPassword(prisma?.url));
  registerSecret(algolia?.writeApiKey);
  registerSecret(algolia?.searchApiKey);
  registerSecret(elasticsearch?.apiKey);
  registerSecret(elasticsearch?.password);
  registerTls(elasticsearch?.tls);
}

/** True when `text` holds a registered secret. */
export function containsSecret(text: string): boolean {
  for (const secret of registry().sorted) if (text.includes(secret)) return true;
  return false;
}

/** `text` with every registered secret replaced by `***` (no URL handling: see `safeText`). */
export function scrubSecrets(text: string): string {
  let out = text;
  for (const secret of registry().sorted) if (out.includes(secret)) out = out.replaceAll(secret, SCRUBBED);
  return out;
}

/** Forgets every registered secret (tests only). */
export function clearSecretsForTests(): void {
  const reg = registry();
  reg.values.clear();
  reg.sorted = [];
}
