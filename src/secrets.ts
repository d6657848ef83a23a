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
  /** The configurations registered already: each container registers its config, which costs nothing the second time. */
  configs?: WeakSet<DbConfig>;
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

/** Adds `values` to the registry, sorting once, and only when one of them is new (registration runs per container). */
function addAll(values: readonly string[]): void {
  const reg = registry();
  let added = false;
  for (const value of values) {
    if (value.length < MIN_SECRET_LENGTH || reg.values.has(value)) continue;
    reg.values.add(value);
    added = true;
  }
  if (added) reg.sorted = [...reg.values].sort((a, b) => b.length - a.length);
}

/**
 * The spellings text may give a secret: itself, percent-encoded and percent-decoded, escaped inside a JSON string
 * (also with `/` as `\/`, as some servers write it), its UTF-8 bytes read as latin1 (how Node decodes a header value,
 * and how a byte buffer is checked), and each line of a PEM body.
 */
function spellings(value: string, out: string[]): void {
  out.push(value, encodeURIComponent(value));
  try {
    out.push(decodeURIComponent(value));
  } catch {
    // not percent-encoded
  }
  const json = JSON.stringify(value).slice(1, -1);
  out.push(json, json.replaceAll('/', '\\/'), Buffer.from(value, 'utf8').toString('latin1'));
  if (value.includes('-----BEGIN')) {
    for (const line of value.split(/\r?\n|\\n/)) if (line.length >= 16 && !line.startsWith('-----')) out.push(line.trim());
  }
}

/**
 * Base64 of `text`'s UTF-8 bytes as a header, a JSON body or a URL may carry it: padded and bare, standard and
 * base64url, each also percent-encoded and with `/` escaped as `\/`.
 */
function base64Spellings(text: string, out: string[]): void {
  const bytes = Buffer.from(text, 'utf8');
  const padded = bytes.toString('base64');
  const bare = padded.replace(/=+$/, '');
  const url = bytes.toString('base64url');
  for (const form of [padded, bare, url, url + padded.slice(bare.length)]) {
    out.push(form, encodeURIComponent(form), form.replaceAll('/', '\\/'));
  }
}

/**
 * Registers a secret value: from now on every string the package hands out or logs has it (and its
 * percent-encoded, percent-decoded and JSON-escaped forms, and each line of a PEM body) replaced by `***`.
 */
export function registerSecret(value: string | undefined): void {
  if (!value) return;
  const out: string[] = [];
  spellings(value, out);
  addAll(out);
}

/**
 * Registers a password with the user it is sent with, in every form a client puts the pair on the wire: the password
 * itself ({@link registerSecret}), HTTP basic auth's `base64(user:password)` (the Elasticsearch client, and any HTTP
 * client given a URL's credentials), and SASL PLAIN's `\0user\0password` (kafkajs, and the MongoDB driver's PLAIN
 * mechanism: bytes that JSON and logs render in base64). A missing user is sent empty.
 */
export function registerCredentials(user: string | undefined, password: string | undefined): void {
  if (!password) return;
  const out: string[] = [];
  spellings(password, out);
  base64Spellings(`${user ?? ''}:${password}`, out);
  base64Spellings(`\0${user ?? ''}\0${password}`, out);
  addAll(out);
}

/** `text` percent-decoded as the drivers decode URL credentials, or as it is when it is not valid %-escaped text. */
function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * The user and password of `scheme://user:password@host/...` (the credentials run up to the last `@` of the first
 * token, as drivers read them), percent-decoded as the drivers decode them; `raw` is the password as written.
 */
export function urlCredentials(url: string | undefined): { user: string; password: string; raw: string } | undefined {
  const match = url ? /^[a-z][a-z0-9+.-]*:\/\/(\S*)@/i.exec(url.trim()) : null;
  if (!match) return undefined;
  const userinfo = match[1] ?? '';
  const colon = userinfo.indexOf(':');
  if (colon === -1) return undefined;
  const raw = userinfo.slice(colon + 1);
  return { user: decoded(userinfo.slice(0, colon)), password: decoded(raw), raw };
}

/** The password of a URL as written and its credentials in every form a client sends them. */
function registerUrlCredentials(url: string | undefined): void {
  const credentials = urlCredentials(url);
  if (!credentials) return;
  registerSecret(credentials.raw);
  registerCredentials(credentials.user, credentials.password);
}

function registerTls(tls: TlsConfig | undefined): void {
  registerSecret(tls?.key);
}

/**
 * Registers every secret a configuration holds, and every form a client sends a credential in (see
 * {@link registerCredentials}). Called for each container the package creates; a configuration registered already
 * costs nothing.
 */
export function registerConfigSecrets(config: DbConfig): void {
  const registered = (registry().configs ??= new WeakSet());
  if (registered.has(config)) return;
  const { redis, kafka, mongo, prisma, algolia, elasticsearch } = config;
  // ioredis sends AUTH [user] password; a URL's credentials would go out as basic auth from an HTTP client.
  registerCredentials(redis?.username, redis?.password);
  registerSecret(redis?.sentinelPassword);
  registerTls(redis?.tls);
  registerCredentials(kafka?.sasl?.username, kafka?.sasl?.password);
  registerTls(kafka?.tls);
  registerUrlCredentials(mongo?.url);
  registerTls(mongo?.tls);
  registerUrlCredentials(prisma?.url);
  // Algolia sends its keys as they are (headers, or query parameters: percent-encoded); Elasticsearch `ApiKey <key>`.
  registerSecret(algolia?.writeApiKey);
  registerSecret(algolia?.searchApiKey);
  registerSecret(elasticsearch?.apiKey);
  registerCredentials(elasticsearch?.username, elasticsearch?.password);
  registerTls(elasticsearch?.tls);
  registered.add(config);
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
  reg.configs = new WeakSet();
}
