import { bool, customCleanEnv, makeValidator, num, str, type ValidatorSpec } from 'envalid';
import type { ConfigIssue } from '../errors.js';

/** The environment as the config reads it: empty strings count as unset. */
export type Env = Readonly<Record<string, string | undefined>>;

/** A set of variables to read: name -> envalid spec whose `desc` says what is expected. */
export type SpecMap = Record<string, ValidatorSpec<unknown>>;

/**
 * Reads `specs` from `env` with envalid, collecting every invalid variable into `issues`
 * instead of throwing at the first. Messages come from each spec's `desc`, so a value is never echoed.
 */
export function readEnv(env: Env, specs: SpecMap, issues: ConfigIssue[]): Record<string, unknown> {
  const present: Record<string, string> = {};
  for (const name of Object.keys(specs)) {
    const raw = env[name];
    if (raw !== undefined && raw.trim() !== '') present[name] = raw.trim();
  }
  // No middleware: the strict-access proxy envalid adds by default only slows the first read of a fresh process,
  // and the result is copied into the frozen DbConfig anyway.
  return customCleanEnv(present, specs, (cleaned) => cleaned, {
    reporter: ({ errors }) => {
      for (const name of Object.keys(errors)) {
        issues.push({ variable: name, expected: specs[name]?.desc ?? 'a valid value' });
      }
    },
  }) as Record<string, unknown>;
}

/** Largest delay Node's timers accept; larger values fire after 1 ms. Also the cap of every integer setting. */
export const MAX_INT_SETTING = 2_147_483_647;

const integer = (min: number, max = MAX_INT_SETTING) =>
  makeValidator<number>((input) => {
    if (!/^-?\d+$/.test(input)) throw new Error('not an integer');
    const value = Number(input);
    if (!Number.isSafeInteger(value) || value < min || value > max) throw new Error('out of range');
    return value;
  });

/** Optional integer in [`min`, `max`]. */
export function optionalInt(min: number, desc: string, max?: number): ValidatorSpec<number> {
  return integer(min, max)({ desc, default: undefined }) as ValidatorSpec<number>;
}

/** Integer >= `min` with a default. */
export function intWithDefault(min: number, fallback: number, desc: string): ValidatorSpec<number> {
  return integer(min)({ desc, default: fallback }) as ValidatorSpec<number>;
}

/** Number >= `min` with a default. */
export function numberWithDefault(min: number, fallback: number, desc: string): ValidatorSpec<number> {
  const validator = makeValidator<number>((input) => {
    const value = num()._parse(input) as number;
    if (!Number.isFinite(value) || value < min) throw new Error('out of range');
    return value;
  });
  return validator({ desc, default: fallback }) as ValidatorSpec<number>;
}

/** Optional boolean (true/false, 1/0, yes/no, on/off). */
export function optionalBool(desc: string): ValidatorSpec<boolean> {
  return bool({ desc, default: undefined }) as ValidatorSpec<boolean>;
}

/** Optional string, optionally restricted to `choices`. */
export function optionalString(desc: string, choices?: readonly string[]): ValidatorSpec<string> {
  return str({ desc, default: undefined, ...(choices ? { choices } : {}) }) as ValidatorSpec<string>;
}

/** A `host:port` pair. */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** Parses `host:port` (IPv6 in brackets: `[::1]:6379`); `defaultPort` when the port is left out. */
export function parseHostPort(input: string, defaultPort?: number): HostPort {
  const match = /^(?:\[([^\]]+)\]|([^:/\s]+))(?::(\d{1,5}))?$/.exec(input.trim());
  if (!match) throw new Error('not host:port');
  const host = match[1] ?? match[2] ?? '';
  const port = match[3] === undefined ? defaultPort : Number(match[3]);
  if (port === undefined || port < 1 || port > 65535) throw new Error('bad port');
  return { host, port };
}

/** Optional comma-separated `host:port` list (a scheme such as `kafka://` is tolerated and dropped). */
export function optionalHostList(desc: string, defaultPort?: number): ValidatorSpec<HostPort[]> {
  const validator = makeValidator<HostPort[]>((input) => {
    const items = input
      .split(',')
      .map((part) => part.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, ''))
      .filter((part) => part !== '');
    if (items.length === 0) throw new Error('empty list');
    return items.map((item) => parseHostPort(item, defaultPort));
  });
  return validator({ desc, default: undefined }) as ValidatorSpec<HostPort[]>;
}

/** True for `localhost`, `127.x.x.x` and `::1`. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127(?:\.\d{1,3}){3}$/.test(h);
}

/** `decodeURIComponent` that returns undefined for a malformed escape instead of throwing a bare URIError. */
export function tryDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/** Recursively freezes a plain config object. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}
