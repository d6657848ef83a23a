import { pino, stdSerializers, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from '../config/index.js';

/** Field paths whose values never reach a log line. `*` matches one level only, hence the repeats. */
const SECRET_PATHS = [
  'password', 'sentinelPassword', 'apiKey', 'writeApiKey', 'searchApiKey', 'secret', 'token',
  'tls.key', 'ssl.key', 'sasl.password', 'sasl.secretAccessKey', 'headers["x-algolia-api-key"]',
  'err.command.args', 'error.command.args',
].flatMap((path) => [path, `*.${path}`, `*.*.${path}`]);

/** Paths holding connection strings: credentials are stripped, the rest kept. */
const URL_PATHS = ['url', 'uri', 'connectionString'].flatMap((path) => [path, `*.${path}`, `*.*.${path}`]);

const CREDENTIALS_IN_URL = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@]*@/gi;

/** Removes `user:password@` from every URL inside `text`. */
export function stripUrlCredentials(text: string): string {
  return text.includes('@') ? text.replace(CREDENTIALS_IN_URL, '$1***@') : text;
}

function censor(value: unknown, path: string[]): unknown {
  const last = path[path.length - 1] ?? '';
  if (typeof value === 'string' && (last === 'url' || last === 'uri' || last === 'connectionString')) {
    return stripUrlCredentials(value);
  }
  return '[Redacted]';
}

function serializeError(error: Error): Record<string, unknown> {
  const out = stdSerializers.err(error) as unknown as Record<string, unknown>;
  if (typeof out.message === 'string') out.message = stripUrlCredentials(out.message);
  if (typeof out.stack === 'string') out.stack = stripUrlCredentials(out.stack);
  return out;
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
    redact: { paths: [...SECRET_PATHS, ...URL_PATHS], censor },
    serializers: { err: serializeError, error: serializeError },
    hooks: {
      logMethod(this: Logger, args: unknown[], method: (...a: unknown[]) => void) {
        for (let i = 0; i < args.length; i++) {
          if (typeof args[i] === 'string') args[i] = stripUrlCredentials(args[i] as string);
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
