import { pino, stdSerializers, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from '../config/index.js';
import { isSecretKey, REDACTED, scrubSecrets } from '../secrets.js';

/** Keys holding connection strings: credentials are stripped, the rest kept. */
const URL_KEYS = new Set(['url', 'uri', 'connectionstring']);
const MAX_DEPTH = 6;

/** `scheme://` and the whitespace-free run after it. */
const URL_RUN = /\b([a-z][a-z0-9+.-]*:\/\/)(\S+)/gi;
/** A `,` or `;` where a second URL may start inside a run (`kafka://h1:9092,redis://...`). */
const NEXT_URL = /[,;](?=[a-z][a-z0-9+.-]*:\/\/)/gi;
/** A host list, as what follows the credentials of a URL up to its path: `host[:port]` items, IPv6 in brackets. */
const HOST_LIST = /^(?:(?:\[[^\]\s]*\]|[\w.~%-]+)(?::\d*)?(?:,(?:\[[^\]\s]*\]|[\w.~%-]+)(?::\d*)?)*)?$/;

/** `user:password@...` of one URL (without its scheme) with everything up to its LAST `@` replaced by `***`. */
function stripCredentials(body: string): string {
  const at = body.lastIndexOf('@');
  return at === -1 ? body : `***@${body.slice(at + 1)}`;
}

/** True when `body` (one URL without its scheme) ends its authority cleanly: a second URL may follow it. */
function endsCleanly(body: string): boolean {
  const afterCredentials = body.slice(body.lastIndexOf('@') + 1);
  return HOST_LIST.test(afterCredentials.split(/[/?#]/, 1)[0] ?? '');
}

/**
 * Removes `user:password@` from every URL inside `text`. The credentials run up to the LAST `@` of the
 * whitespace-free run after `scheme://`, so a password with an unescaped `/`, `@`, `:`, `?` or `#`
 * (`mongodb://user:pa/ss@host/db`) is stripped whole. A run holding several URLs (`kafka://u:p@h:1,redis://x@y`) is
 * cut where a `,` or `;` is followed by another `scheme://` and what comes before it reads as a host list; otherwise
 * (a password holding `,x://`) the run stays one URL and more is hidden rather than less.
 */
export function stripUrlCredentials(text: string): string {
  if (!text.includes('@')) return text;
  return text.replace(URL_RUN, (whole, scheme: string, run: string) => {
    if (!run.includes('@')) return whole;
    let out = scheme;
    let start = 0;
    for (const match of run.matchAll(NEXT_URL)) {
      const body = run.slice(start, match.index);
      if (!endsCleanly(body)) continue;
      out += `${stripCredentials(body)}${match[0]}`;
      start = match.index + 1;
      const next = /^[a-z][a-z0-9+.-]*:\/\//i.exec(run.slice(start))![0];
      out += next;
      start += next.length;
    }
    return out + stripCredentials(run.slice(start));
  });
}

/**
 * A copy of a log object with secrets censored at any depth: secret keys, TLS keys, the arguments of failed
 * commands (an AUTH error carries the password) and credentials inside URLs. Hand-written rather than pino's
 * `redact`: its per-path compilation cost ~4 ms at every start for 40 paths, and it matches fixed depths only.
 */
export function redactSecrets(value: unknown, depth = 0, parentKey = ''): unknown {
  if (typeof value === 'string') return logText(value);
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH || Buffer.isBuffer(value)) return value;
  if (value instanceof Error) return redactSecrets(serializeError(value), depth, parentKey);
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item, depth + 1, parentKey));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const lower = key.toLowerCase();
    if (isSecretKey(lower, parentKey)) {
      out[key] = REDACTED;
    } else if (typeof item === 'string' && URL_KEYS.has(lower)) {
      out[key] = logText(item);
    } else {
      out[key] = redactSecrets(item, depth + 1, lower);
    }
  }
  return out;
}

/** A string as it may appear in a log line: registered secrets scrubbed, credentials in URLs stripped. */
function logText(text: string): string {
  return stripUrlCredentials(scrubSecrets(text));
}

function serializeError(error: Error): Record<string, unknown> {
  // The whole serialized error (message, stack, cause chain, own properties) goes through the same censor.
  return redactSecrets(stdSerializers.err(error) as unknown as Record<string, unknown>, 1, 'err') as Record<string, unknown>;
}

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** @default 'info' */
  readonly level?: LogLevel;
  /** Where lines go. @default standard output */
  readonly destination?: DestinationStream;
}

/**
 * The package's pino logger: secrets redacted by path, credentials stripped from URLs in fields and messages.
 * Each provider logs through `logger.child({ provider })`.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const settings = {
    name: '@ratecreator/db',
    level: options.level ?? 'info',
    formatters: { log: (object: Record<string, unknown>) => redactSecrets(object) as Record<string, unknown> },
    serializers: { err: serializeError, error: serializeError },
    hooks: {
      logMethod(this: Logger, args: unknown[], method: (...a: unknown[]) => void) {
        for (let i = 0; i < args.length; i++) {
          if (typeof args[i] === 'string') args[i] = logText(args[i] as string);
        }
        method.apply(this, args);
      },
    },
  };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}

/** Flushes buffered lines; never rejects (a failed flush has nowhere left to be logged). */
export function flushLogger(logger: Logger): Promise<void> {
  return new Promise((resolve) => {
    try {
      logger.flush(() => resolve());
    } catch {
      resolve();
    }
  });
}

export type { Logger } from 'pino';

/**
 * A child of a logger the application supplied, with the package's censor applied to every line the package writes
 * through it (the application's own formatters and serializers may not know the package's secrets).
 */
export function censoredChild(logger: Logger): Logger {
  return logger.child(
    {},
    {
      formatters: { log: (object: object) => redactSecrets(object) as Record<string, unknown> },
      serializers: { err: serializeError, error: serializeError },
    },
  );
}
