import { Writable } from 'node:stream';
import type { Env } from '../config/env.js';
import { loadConfig } from '../config/index.js';
import { createDbContainer } from '../container.js';
import { ensureIndices, type IndexState } from '../compat/elasticsearch-indices.js';
import { ConfigError, errorMessage } from '../errors.js';
import { withTimeout } from '../lifecycle/timeout.js';
import { ElasticsearchProvider } from '../providers/elasticsearch.js';
import { createLogger, stripUrlCredentials } from '../providers/logger.js';
import { readEnvWithDotenv } from './doctor.js';
import { parseOptions, TIMEOUT_USAGE_ERROR, timeoutOption, wantsHelp } from './options.js';

/** One index in the report: what `ensureIndices` said, and whether it is as documented. */
export interface SearchIndexEntry extends IndexState {
  /** True when the index exists (or was just created) with the documented mappings. */
  readonly ok: boolean;
}

/** What `ratecreator-db search-indices` found (or did). */
export interface SearchIndicesResult {
  /** True when every index exists (or was created) with the documented mappings. */
  readonly ok: boolean;
  /** Whether missing indices were created (`--create`) or only reported. */
  readonly create: boolean;
  /** The node URLs (or Elastic Cloud target), without credentials. */
  readonly target: string;
  readonly indices: readonly SearchIndexEntry[];
}

/** How an index reads in the report: `differs` is an existing index whose mapping is not the documented one. */
export function indexStatus(entry: IndexState): 'created' | 'exists' | 'missing' | 'differs' {
  return entry.differences.length > 0 ? 'differs' : entry.state;
}

/**
 * A logger that prints nothing and keeps the error of the provider's last failed connect attempt or request, so that
 * a run cut short by the timeout can still say why (refused, DNS, TLS...). The lines are already redacted.
 */
function lastErrorLogger(): { logger: ReturnType<typeof createLogger>; lastError: () => string | undefined } {
  let last: string | undefined;
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString().split('\n')) {
        try {
          const entry = JSON.parse(line) as { msg?: unknown; error?: unknown };
          if (typeof entry.error === 'string' && (entry.msg === 'connect attempt failed' || entry.msg === 'request failed')) last = entry.error;
        } catch {
          // not a log line
        }
      }
      callback();
    },
  });
  return { logger: createLogger({ level: 'warn', destination }), lastError: () => last };
}

/**
 * Checks (or, with `create`, creates) the accounts and categories indices of the Elasticsearch cluster `env`
 * configures. `timeoutMs` bounds the whole run (connect and every request); the container is disposed in every case.
 * @throws {ConfigError} when Elasticsearch is not configured (ELASTIC_NODE or ELASTIC_CLOUD_ID) or the environment is invalid.
 * @throws {Error} naming Elasticsearch when the node is unreachable, refuses a request or does not answer in time.
 */
export async function runSearchIndices(env: Env, options: { create: boolean; timeoutMs: number }): Promise<SearchIndicesResult> {
  const { create, timeoutMs } = options;
  const config = loadConfig(env);
  const logs = lastErrorLogger();
  const container = createDbContainer({ config, logger: logs.logger });
  const target = config.elasticsearch?.target ?? '';
  const deadline = Date.now() + timeoutMs;
  const stop = new AbortController();
  try {
    const provider = container.resolve(ElasticsearchProvider);
    const states = await withTimeout(
      async () => {
        // Unconfigured, connect() throws the provider's own ConfigError, naming ELASTIC_NODE.
        await provider.connect({ timeoutMs, signal: stop.signal });
        // No request of this run may outlive the deadline (disposal would otherwise wait for it).
        const requestTimeout = Math.max(1, Math.min(config.elasticsearch!.requestTimeoutMs, deadline - Date.now()));
        return ensureIndices(provider.client.child({ requestTimeout, maxRetries: 0 }), provider.indexNames, { create });
      },
      timeoutMs,
      'search-indices',
    ).catch((error: unknown) => {
      stop.abort(error);
      throw error;
    });
    const indices = states.map((state) => ({ ...state, ok: state.state !== 'missing' && state.differences.length === 0 }));
    return { ok: indices.every((entry) => entry.ok), create, target, indices };
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    // One line naming Elasticsearch and where it was; the message is already scrubbed of registered secrets.
    let message = errorMessage(error);
    const last = logs.lastError();
    if (/timed out/.test(message) && last !== undefined && !message.includes(last)) message += ` (last error: ${errorMessage(last)})`;
    message = message.replace(/\s*\n\s*/g, ' ');
    throw new Error(`Elasticsearch at ${target}: ${message}`, { cause: error });
  } finally {
    await container.dispose();
  }
}

/** The result as text: one line per index (and one per differing field), then a summary. */
export function formatSearchIndices(result: SearchIndicesResult): string {
  const lines = [`Search indices on ${result.target}${result.create ? '' : ' (check only)'}:`];
  for (const entry of result.indices) {
    lines.push(`${indexStatus(entry).padEnd(8)} ${entry.role.padEnd(10)} ${entry.index}`);
    for (const difference of entry.differences) lines.push(`           ${difference}`);
  }
  lines.push('');
  const count = (status: ReturnType<typeof indexStatus>) => result.indices.filter((entry) => indexStatus(entry) === status).length;
  if (result.ok) {
    const created = count('created');
    lines.push(`All ${result.indices.length} indices have the documented mappings${created > 0 ? ` (${created} created)` : ''}.`);
  } else {
    const missing = count('missing');
    const differs = count('differs');
    if (missing > 0) lines.push(`${missing} of ${result.indices.length} indices missing: \`ratecreator-db search-indices --create\` creates them.`);
    if (differs > 0) {
      lines.push(`${differs} of ${result.indices.length} indices differ from the documented mappings: a mapping cannot be changed in place; reindex into a new index.`);
    }
  }
  return lines.join('\n');
}

/** What `ratecreator-db search-indices --help` prints. */
export const SEARCH_INDICES_USAGE = `usage: ratecreator-db search-indices [--create] [--json] [--timeout-ms <ms>]

Checks the Elasticsearch indices the package searches (accounts and categories: ELASTIC_ACCOUNTS_INDEX and
ELASTIC_CATEGORIES_INDEX, default "accounts" and "categories") against their documented mappings and prints, per
index, exists, missing or differs (with the fields that differ). With --create, creates the missing ones with the
documented settings and mappings; an existing index is left as it is and checked. The cluster is ELASTIC_NODE or
ELASTIC_CLOUD_ID, with ELASTIC_API_KEY or ELASTIC_USERNAME/ELASTIC_PASSWORD (.env in the working directory is read
when present; variables already set win). No secret is printed.

options:
  --create           create the missing indices (default: check only)
  --json             print the result as JSON
  --timeout-ms <ms>  time allowed to the whole run: connect, check and create (default 15000)
  -h, --help         print this help and exit 0

exit codes:
  0  every index exists (or was created) with the documented mappings
  1  an index is missing (without --create) or its mapping differs
  2  the command could not run (Elasticsearch not configured, unreachable or timed out), or usage error
`;

/**
 * `ratecreator-db search-indices [--create] [--json] [--timeout-ms N]`: checks (or creates) the accounts and
 * categories indices. Resolves to the exit code: 0 when they are as documented, 1 when one is missing or differs,
 * 2 when the command could not run.
 */
export async function searchIndicesCommand(args: readonly string[], io: { env: Env; cwd: string; write: (text: string) => void }): Promise<number> {
  if (wantsHelp(args)) {
    io.write(SEARCH_INDICES_USAGE);
    return 0;
  }
  const parsed = parseOptions(args, { flags: ['--create', '--json'], values: ['--timeout-ms'] });
  if (!parsed.ok) {
    io.write(`${parsed.error}\n${SEARCH_INDICES_USAGE}`);
    return 2;
  }
  const json = parsed.flags.has('--json');
  const create = parsed.flags.has('--create');
  const timeoutMs = timeoutOption(parsed.values, 15_000);
  if (timeoutMs === undefined) {
    io.write(`${TIMEOUT_USAGE_ERROR}\n${SEARCH_INDICES_USAGE}`);
    return 2;
  }
  try {
    const result = await runSearchIndices(readEnvWithDotenv(io.env, io.cwd), { create, timeoutMs });
    io.write(json ? `${JSON.stringify(result, null, 2)}\n` : `${formatSearchIndices(result)}\n`);
    return result.ok ? 0 : 1;
  } catch (error) {
    const message = stripUrlCredentials(errorMessage(error));
    io.write(json ? `${JSON.stringify({ ok: false, error: message }, null, 2)}\n` : `search-indices failed: ${message}\n`);
    return 2;
  }
}
