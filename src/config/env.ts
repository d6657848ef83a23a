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

/**
 * Largest delay Node's timers accept (2^31-1 ms, about 24.8 days); larger values fire after 1 ms. Also the cap of every
 * integer setting, so that no millisecond setting can overflow a timer (`MAX_TIMER_DELAY_MS` in `lifecycle/timeout`).
 */
export const MAX_INT_SETTING = 2_147_483_647;

const integer = (min: number, max = MAX_INT_SETTING) =>
  makeValidator<number>((input) => {
    if (!/^-?\d+$/.test(input)) throw new Error('not an integer');
    const value = Number(input);
    if (!Number.isSafeInteger(value) || value < min || value > max) throw new Error('out of range');
    return value;
  });

/** `desc` with the cap appended when the caller left it implicit (ports and the like name their own range). */
function withCap(desc: string, max: number | undefined): string {
  return max === undefined || max === MAX_INT_SETTING ? `${desc}, at most ${MAX_INT_SETTING}` : desc;
}

/** Optional integer in [`min`, `max`]. @param max @default MAX_INT_SETTING */
export function optionalInt(min: number, desc: string, max?: number): ValidatorSpec<number> {
  return integer(min, max)({ desc: withCap(desc, max), default: undefined }) as ValidatorSpec<number>;
}

/** Integer in [`min`, {@link MAX_INT_SETTING}] with a default. */
export function intWithDefault(min: number, fallback: number, desc: string): ValidatorSpec<number> {
  return integer(min)({ desc: withCap(desc, undefined), default: fallback }) as ValidatorSpec<number>;
}

/** Finite number in [`min`, `max`] with a default; `desc` should name both bounds. */
export function numberWithDefault(min: number, max: number, fallback: number, desc: string): ValidatorSpec<number> {
  const validator = makeValidator<number>((input) => {
    const value = num()._parse(input) as number;
    if (!Number.isFinite(value) || value < min || value > max) throw new Error('out of range');
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

const DNS_LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/i;

/**
 * A DNS host name: labels of letters, digits, `-` (not at either end) and `_` (Docker Compose service names), each
 * 1-63 characters, 253 in all, an optional trailing dot. A name whose last label is all digits is a malformed IPv4
 * address, not a name.
 */
export function isDnsName(text: string): boolean {
  const name = text.endsWith('.') ? text.slice(0, -1) : text;
  if (name === '' || name.length > 253) return false;
  const labels = name.split('.');
  return labels.every((label) => DNS_LABEL.test(label)) && !/^\d+$/.test(labels[labels.length - 1]!);
}

/** A dotted-quad IPv4 address (no leading zeros, which some resolvers read as octal). */
export function isIPv4Address(text: string): boolean {
  const parts = text.split('.');
  return parts.length === 4 && parts.every((part) => /^(?:0|[1-9]\d{0,2})$/.test(part) && Number(part) <= 255);
}

/** An IPv6 address without brackets, optionally with a zone (`fe80::1%eth0`) and a trailing IPv4 part. */
export function isIPv6Address(text: string): boolean {
  const percent = text.indexOf('%');
  if (percent !== -1 && !/^%[a-z0-9_.~-]+$/i.test(text.slice(percent))) return false;
  const address = percent === -1 ? text : text.slice(0, percent);
  const halves = address.split('::');
  if (halves.length > 2) return false;
  const groupsOf = (part: string): string[] => (part === '' ? [] : part.split(':'));
  const head = groupsOf(halves[0]!);
  const tail = halves.length === 2 ? groupsOf(halves[1]!) : [];
  const last = halves.length === 2 ? tail : head;
  let count = head.length + tail.length;
  if (last.length > 0 && last[last.length - 1]!.includes('.')) {
    if (!isIPv4Address(last.pop()!)) return false;
    count += 1;
  }
  if (![...head, ...tail].every((group) => /^[0-9a-f]{1,4}$/i.test(group))) return false;
  return halves.length === 2 ? count <= 7 : count === 8;
}

/** A host a client can dial: a DNS name, an IPv4 address or an IPv6 address (without brackets). */
export function isHost(text: string): boolean {
  return isDnsName(text) || isIPv4Address(text) || isIPv6Address(text);
}

/**
 * Parses `host:port` (IPv6 in brackets: `[::1]:6379`); `defaultPort` when the port is left out. The host must be a
 * DNS name, an IPv4 address or a bracketed IPv6 address; the port 1-65535.
 */
export function parseHostPort(input: string, defaultPort?: number): HostPort {
  const match = /^(?:\[([^\]]*)\]|([^:[\]]*))(?::(\d{1,5}))?$/.exec(input.trim());
  if (!match) throw new Error('not host:port');
  const bracketed = match[1] !== undefined;
  const host = match[1] ?? match[2] ?? '';
  if (bracketed ? !isIPv6Address(host) : !(isDnsName(host) || isIPv4Address(host))) throw new Error('bad host');
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

/** Optional single host (DNS name, IPv4, IPv6 with or without brackets): no scheme, port, path or spaces. */
export function optionalHost(desc: string): ValidatorSpec<string> {
  const validator = makeValidator<string>((input) => {
    const host = /^\[[^\]]*\]$/.test(input) ? input.slice(1, -1) : input;
    if (host !== input ? !isIPv6Address(host) : !isHost(host)) throw new Error('not a host');
    return host;
  });
  return validator({ desc, default: undefined }) as ValidatorSpec<string>;
}

/** Optional DNS host name (no IP address: TLS server names are names). */
export function optionalDnsName(desc: string): ValidatorSpec<string> {
  const validator = makeValidator<string>((input) => {
    if (!isDnsName(input)) throw new Error('not a DNS name');
    return input;
  });
  return validator({ desc, default: undefined }) as ValidatorSpec<string>;
}

/** Optional string matching `pattern` (checked whole). */
export function optionalMatching(pattern: RegExp, desc: string): ValidatorSpec<string> {
  const validator = makeValidator<string>((input) => {
    if (!pattern.test(input)) throw new Error('does not match');
    return input;
  });
  return validator({ desc, default: undefined }) as ValidatorSpec<string>;
}

/** `host` as it appears in a URL or a `host:port` list: IPv6 addresses in brackets. */
export function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** A connection string cut into its parts (see {@link splitUrl}). */
export interface UrlSplit {
  /** Lower case, without `://`. */
  readonly scheme: string;
  /** Everything before the last `@`, still %-escaped; absent without an `@`. */
  readonly userinfo?: string;
  /** Host list (`host[:port][,host[:port]...]`), up to the first `/`, `?` or `#` after the credentials. */
  readonly authority: string;
  /** The path without its leading `/`, still %-escaped; absent without a `/`. */
  readonly path?: string;
  readonly query?: string;
  /** True when the URL has a `#` outside its credentials. */
  readonly fragment: boolean;
}

/**
 * Splits `scheme://[userinfo@]hosts[/path][?query]`. The credentials run up to the LAST `@`: a password with an
 * unescaped `/`, `?`, `#`, `:` or `@` then stays inside them instead of turning into a host, a path or a query (which
 * would put part of it into `target`). {@link credentialsWellFormed} tells whether they need percent-encoding.
 * `undefined` when `raw` does not start with `scheme://`.
 */
export function splitUrl(raw: string): UrlSplit | undefined {
  const match = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/is.exec(raw);
  if (!match) return undefined;
  let rest = match[2] ?? '';
  const at = rest.lastIndexOf('@');
  const userinfo = at === -1 ? undefined : rest.slice(0, at);
  if (at !== -1) rest = rest.slice(at + 1);
  const parts = /^([^/?#]*)(?:\/([^?#]*))?(?:\?([^#]*))?(#.*)?$/s.exec(rest)!;
  return {
    scheme: match[1]!.toLowerCase(),
    ...(userinfo !== undefined ? { userinfo } : {}),
    authority: parts[1] ?? '',
    ...(parts[2] !== undefined ? { path: parts[2] } : {}),
    ...(parts[3] !== undefined ? { query: parts[3] } : {}),
    fragment: parts[4] !== undefined,
  };
}

/**
 * True when URL credentials are `user[:password]` with every reserved character percent-encoded: no `/ ? # [ ] @`,
 * no second `:` and no whitespace (as the MongoDB driver requires, and so that a log line can always strip them).
 */
export function credentialsWellFormed(userinfo: string): boolean {
  if (/[/?#@[\]\s]/.test(userinfo)) return false;
  const colon = userinfo.indexOf(':');
  return colon === -1 || !userinfo.includes(':', colon + 1);
}

/** What to do about credentials that are not {@link credentialsWellFormed}; names no value. */
export const PERCENT_ENCODE_HINT =
  'percent-encode special characters (@ : / ? # [ ] % and spaces) in the user name and password, e.g. @ as %40';

/** True for `localhost`, `127.x.x.x` and `::1`. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127(?:\.\d{1,3}){3}$/.test(h);
}

/**
 * True when `text` holds a C0 control character (U+0000-U+001F: NUL, tab, CR, LF, ...) or DEL. `allowLineBreaks`
 * lets tab, CR and LF through (PEM text).
 */
export function hasControlCharacter(text: string, allowLineBreaks = false): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x20 && code !== 0x7f) continue;
    if (allowLineBreaks && (code === 0x09 || code === 0x0a || code === 0x0d)) continue;
    return true;
  }
  return false;
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
