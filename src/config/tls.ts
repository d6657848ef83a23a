import type { ConfigIssue } from '../errors.js';
import { optionalBool, optionalDnsName, readEnv, type Env } from './env.js';

import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';

/** TLS settings of one client, passed to `tls.connect`. */
export interface TlsConfig {
  /** CA bundle (PEM); the system store when absent. */
  readonly ca?: string;
  /** Client certificate (PEM), for mutual TLS. */
  readonly cert?: string;
  /** Client private key (PEM). Redacted in logs. */
  readonly key?: string;
  /** SNI server name; defaults to the host. */
  readonly servername?: string;
  /** `false` only when `<CLIENT>_TLS_REJECT_UNAUTHORIZED=false` was set explicitly. @default true */
  readonly rejectUnauthorized: boolean;
}

const PEM_PARTS = [
  ['CA', 'CA certificate'],
  ['CERT', 'client certificate'],
  ['KEY', 'client private key'],
] as const;

/**
 * The variable names one client's TLS section reads, for `.env.example` and docs.
 * @param word the middle of the names: `TLS`, or `SSL` where the client calls it that (`KAFKA_SSL_CA`). @default 'TLS'
 */
export function tlsVariables(prefix: string, word = 'TLS'): string[] {
  const p = `${prefix}_${word}`;
  const names = [p];
  for (const [part] of PEM_PARTS) names.push(`${p}_${part}`, `${p}_${part}_FILE`);
  names.push(`${p}_SERVERNAME`, `${p}_REJECT_UNAUTHORIZED`);
  return names;
}

/** PEM text from an environment value: literal `\n` sequences (common on deployment platforms) become newlines. */
export function normalizePem(value: string): string {
  return value.includes('\\n') ? value.replace(/\\n/g, '\n') : value;
}

/**
 * Largest file a `*_FILE` variable may name (1 MiB): a CA bundle is a few hundred KiB at most. A larger file, or one
 * that grows past it while it is read, is a `ConfigError`, never a read without end (`/dev/zero`).
 */
export const MAX_CONFIG_FILE_BYTES = 1024 * 1024;
const CAP_TEXT = `${MAX_CONFIG_FILE_BYTES / 1024 / 1024} MiB`;

/** What a path that is not a regular file names, for `expected` (never the path). */
function kindOf(stats: Stats): string {
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  if (stats.isDirectory()) return 'a directory';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** A size for `expected`, rounded up so that a file just over the cap never reads as "1.0 MiB". */
function mebibytes(bytes: number): string {
  return `${(Math.ceil((bytes / MAX_CONFIG_FILE_BYTES) * 10) / 10).toFixed(1)} MiB`;
}

/**
 * The text of `path` when it is a regular file of at most {@link MAX_CONFIG_FILE_BYTES}, else why not (without the
 * path). Opened non-blocking, so that a FIFO without a writer is reported instead of blocking the process; checked with
 * `fstat` on the open descriptor (no race with a rename); read to at most one byte past the cap, so that a file that
 * grew since `fstat` is caught too. Open and read errors are thrown (their `code` is reported by the caller).
 */
function readConfigFile(path: string): { readonly text: string } | { readonly problem: string } {
  const fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) return { problem: kindOf(stats) };
    if (stats.size > MAX_CONFIG_FILE_BYTES) return { problem: `the file is ${mebibytes(stats.size)}` };
    let buffer = Buffer.alloc(Math.min(stats.size, MAX_CONFIG_FILE_BYTES) + 1);
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        if (length > MAX_CONFIG_FILE_BYTES) return { problem: `the file is larger than ${CAP_TEXT}` };
        // It grew since fstat: read on, up to one byte past the cap.
        const larger = Buffer.alloc(MAX_CONFIG_FILE_BYTES + 1);
        buffer.copy(larger);
        buffer = larger;
      }
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) return { text: buffer.toString('utf8', 0, length) };
      length += read;
    }
  } finally {
    closeSync(fd);
  }
}

/** True when a value looks like PEM text (or a PEM body) rather than a path: a pasted certificate or key. */
function looksLikePem(value: string): boolean {
  return value.includes('-----BEGIN') || value.includes('-----END') || /[\r\n]|\\n/.test(value);
}

/**
 * Reads `variable` (inline PEM) or `variable_FILE` (a path to a regular file of at most {@link MAX_CONFIG_FILE_BYTES}).
 * No issue ever shows the value, the path or the file's content: a pasted key in the wrong variable is a secret, and
 * paths can tell where secrets live.
 */
function readPem(env: Env, variable: string, label: string, issues: ConfigIssue[]): string | undefined {
  const inline = env[variable]?.trim() ? normalizePem(env[variable]!.trim()) : undefined;
  const file = env[`${variable}_FILE`]?.trim() || undefined;
  if (inline !== undefined && file !== undefined) {
    issues.push({ variable, expected: `either ${variable} or ${variable}_FILE, not both` });
    return undefined;
  }
  if (file !== undefined) {
    if (looksLikePem(file)) {
      issues.push({
        variable: `${variable}_FILE`,
        expected: `a path to a PEM file; the variable holds PEM text, not a path: set ${variable} instead`,
      });
      return undefined;
    }
    try {
      const read = readConfigFile(file);
      if ('problem' in read) {
        issues.push({ variable: `${variable}_FILE`, expected: `a regular file of at most ${CAP_TEXT} with the ${label} (${read.problem})` });
        return undefined;
      }
      if (!read.text.includes('-----BEGIN')) {
        issues.push({ variable: `${variable}_FILE`, expected: `a PEM file holding the ${label} (the file is not PEM)` });
        return undefined;
      }
      return read.text;
    } catch (error) {
      // Only the error code (ENOENT, EACCES, ...), a fixed word: never the path.
      const raw = (error as NodeJS.ErrnoException).code;
      const code = typeof raw === 'string' && /^E[A-Z0-9]+$/.test(raw) ? raw : 'unreadable';
      issues.push({ variable: `${variable}_FILE`, expected: `a readable PEM file with the ${label} (${code})` });
      return undefined;
    }
  }
  if (inline !== undefined && !inline.includes('-----BEGIN')) {
    issues.push({ variable, expected: `the ${label} as PEM text starting with -----BEGIN` });
    return undefined;
  }
  return inline;
}

/**
 * Reads `<prefix>_TLS*`. Returns `undefined` when TLS is off. `enabledByDefault` applies when `<prefix>_TLS`
 * is unset; an explicit value always wins. Setting CA, cert or key alone does not switch TLS on.
 * @param word the middle of the names (`SSL` reads `KAFKA_SSL*`). @default 'TLS'
 */
export function readTls(
  env: Env,
  prefix: string,
  enabledByDefault: boolean,
  issues: ConfigIssue[],
  warnings: string[],
  word = 'TLS',
): TlsConfig | undefined {
  const p = `${prefix}_${word}`;
  const values = readEnv(
    env,
    {
      [p]: optionalBool('true or false'),
      [`${p}_SERVERNAME`]: optionalDnsName('a DNS host name for SNI (no scheme, port, path or IP address)'),
      [`${p}_REJECT_UNAUTHORIZED`]: optionalBool('true or false'),
    },
    issues,
  );
  const enabled = (values[p] as boolean | undefined) ?? enabledByDefault;
  const pems: Partial<Record<'ca' | 'cert' | 'key', string>> = {};
  for (const [part, label] of PEM_PARTS) {
    const pem = readPem(env, `${p}_${part}`, label, issues);
    if (pem !== undefined) pems[part.toLowerCase() as 'ca' | 'cert' | 'key'] = pem;
  }
  if ((pems.cert === undefined) !== (pems.key === undefined)) {
    const missing = pems.cert === undefined ? `${p}_CERT` : `${p}_KEY`;
    issues.push({ variable: missing, expected: 'client certificate and key are set together (mutual TLS)' });
  }
  if (!enabled) return undefined;
  const rejectUnauthorized = values[`${p}_REJECT_UNAUTHORIZED`] !== false;
  if (!rejectUnauthorized) {
    warnings.push(`${p}_REJECT_UNAUTHORIZED=false: server certificates are NOT verified`);
  }
  const servername = values[`${p}_SERVERNAME`] as string | undefined;
  return { ...pems, ...(servername ? { servername } : {}), rejectUnauthorized };
}
