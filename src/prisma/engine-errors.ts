import { errorMessage, ProviderError } from '../errors.js';
import { stripUrlCredentials } from '../providers/logger.js';

/** What Prisma says when its query engine library cannot be found or loaded (or the client has none). */
const ENGINE_UNAVAILABLE = [
  /could not locate the Query Engine/i,
  /Unable to require\(/i,
  /engines do not seem to be compatible/i,
  /libquery_engine/i,
  // A client generated with --no-engine only talks to Accelerate.
  /URL must start with the protocol `prisma(\+postgres)?:\/\/`/i,
];

/** How to get a working engine; part of every "engine unavailable" error. */
export const ENGINE_FIX =
  'set PRISMA_QUERY_ENGINE_LIBRARY to the libquery_engine file for this platform (it is read when the client is ' +
  'first used), or place the engine next to the generated client where Prisma can download it: the package\'s ' +
  'install script does (`npm rebuild @ratecreator/db`), `npm run prisma:generate` in its repository';

/** True when `error` means Prisma's query engine is missing or cannot be loaded on this machine. */
export function isEngineUnavailable(error: unknown): boolean {
  const message = errorMessage(error);
  return ENGINE_UNAVAILABLE.some((pattern) => pattern.test(message));
}

/** The first line of Prisma's own explanation, credentials stripped. */
function reason(error: unknown): string {
  const lines = errorMessage(error).split('\n').map((line) => line.trim()).filter(Boolean);
  // Prisma's messages may start with an "Invalid `x.y()` invocation" header; the reason follows it.
  const line = lines.find((text) => !/^Invalid `.*` invocation/.test(text) && !/^→|^\d+ /.test(text)) ?? lines[0] ?? '';
  return stripUrlCredentials(line);
}

/** The {@link ProviderError} for an unavailable engine: says so, says how to fix it, keeps Prisma's error as `cause`. */
export function engineUnavailableError(provider: string, error: unknown): ProviderError {
  return new ProviderError(provider, `Prisma query engine is not available (${reason(error)}); to fix: ${ENGINE_FIX}`, {
    cause: error,
  });
}

/** Parameters Prisma passes to a query-extension callback. */
interface QueryParams {
  readonly args: unknown;
  query(args: unknown): Promise<unknown>;
}

/**
 * The argument of `client.$extends(...)` that turns "engine unavailable" failures of any operation (model
 * queries and raw commands) into a {@link ProviderError} naming `provider`. Other errors pass through unchanged.
 */
export function engineErrorsExtension(provider: string) {
  return {
    name: 'engine-errors',
    query: {
      async $allOperations({ args, query }: QueryParams) {
        try {
          return await query(args);
        } catch (error) {
          throw isEngineUnavailable(error) ? engineUnavailableError(provider, error) : error;
        }
      },
    },
  };
}
