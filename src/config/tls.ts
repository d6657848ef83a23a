import type { ConfigIssue } from '../errors.js';
import { optionalBool, optionalDnsName, readEnv, type Env } from './env.js';

import { readFileSync } from 'node:fs';

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

/** True when a value looks like PEM text (or a PEM body) rather than a path: a pasted certificate or key. */
function looksLikePem(value: string): boolean {
  return value.includes('-----BEGIN') || value.includes('-----END') || /[\r\n]|\\n/.test(value);
}

/**
 * Reads `variable` (inline PEM) or `variable_FILE` (a path). No issue ever shows the value or the path: a pasted key
 * in the wrong variable is a secret, and paths can tell where secrets live.
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
      const text = readFileSync(file, 'utf8');
      if (!text.includes('-----BEGIN')) {
        issues.push({ variable: `${variable}_FILE`, expected: `a PEM file holding the ${label} (the file is not PEM)` });
        return undefined;
      }
      return text;
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
